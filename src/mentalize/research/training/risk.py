"""The risk training texts, and the linear risk head the fine-tuned reader replaced.

Since 2026-12-07 the shipped risk reader is fine-tuned (:mod:`.risk_reader`); this module keeps
what both read (:func:`risk_texts`, the false-alarm bounds) and the linear head as the baseline
it is compared with: ``python -m mentalize.research.training.risk`` prints that head's
cross-validation, and writes ``risk.npz`` only with ``--out`` (needs the ``models`` and
``research`` extras). It reads only data the project may train on:

- the risk probes the project wrote (``tests/data/risk_probes/{dev,...,dev6,train}``: forty-four
  blind helper authors; ``dev7``, ``dev8`` and ``heldout`` are never read here), without the
  replies to a question (``context_dependent``), which the session rules read;
- AnnoMI client utterances (``train-ok``) as everyday talk without risk;
- the patient turns of the project's written sessions in ``tests/data/heldout``,
  ``heldout_v2`` and ``heldout_v3`` where the risk rules find no words, as distressed talk
  without risk (``heldout_v4`` and ``examples/`` are kept out, to check the result on).

The head is a multinomial logistic regression (none / ideation / self-harm / harm to others) on
the shipped encoder's embedding plus the lexical marker features. Its regularisation ``C`` and its
threshold are chosen by leave-one-author-out cross-validation *of the combined reader* (rules
first, the head only where the rules found no risk words and one sentence carries the risk),
as the highest recall on the probes whose false alarms stay at or under 10% on the not-risk
probes and 0.2% on everyday and session talk. Every run tried is printed.
Seeded; the same data and encoder give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mentalize.errors import MentalizeError
from mentalize.language.risk import read_risk
from mentalize.language.risk.cues import has_risk_cue, sentence_spans, speaks_of_self
from mentalize.language.text import TextView
from mentalize.learned.heads import LinearHead
from mentalize.research.risk_probes import load_probes
from mentalize.research.training import corpora
from mentalize.research.training.fit import SEED, standardiser, update_manifest

PROBE_FOLDERS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "train")
SESSION_FOLDERS = ("heldout", "heldout_v2", "heldout_v3")
C_GRID = (0.02, 0.05, 0.2, 1.0)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SENTENCE_MARGINS = (0.0, 0.1, 0.2)
"""How far below the turn's threshold the evidence sentence's own probability may lie."""
MAX_PROBE_FALSE_ALARMS = 0.10
MAX_EVERYDAY_FLAGS = 0.002
"""At most one spurious flag in about 500 ordinary patient turns: under one per long session."""
CLASSES = ("none", "ideation", "self_harm", "harm_to_others")


@dataclass(frozen=True)
class RiskCorpus:
    texts: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    source: np.ndarray
    """``probe``, ``everyday`` (AnnoMI) or ``session`` (written sessions)."""
    mention: np.ndarray
    """The rules found risk words (flagged or not), or the text holds no word near risk: the
    head stays silent there."""
    rules: np.ndarray
    """The rules flagged the text."""
    sentences: np.ndarray
    """Features of every sentence of every text (a one-sentence text is its own sentence)."""
    owner: np.ndarray
    """For each sentence, the index of its text."""
    sentence_ok: np.ndarray
    """For each sentence, whether a learned flag may rest on it (``speaks_of_self``)."""


def _probes(folder: Path) -> list[tuple[str, str, str]]:
    """(text, risk, author) of every probe in the training folders, replies to a question left
    out; read with the evaluation's own loader, so a bad file is one line naming it."""
    return [
        (probe.text, probe.risk, probe.id.split("-")[0])
        for name in PROBE_FOLDERS
        for probe in load_probes(folder / name)
        if not probe.context
    ]


def _patient_turns(path: Path) -> list[str]:
    from mentalize.transcript.readers import read_transcript
    from mentalize.transcript.roles import assign_roles

    transcript = assign_roles(read_transcript(path))
    return [t.text for t in transcript.turns if transcript.role_of(t.speaker) == "patient"]


@dataclass(frozen=True)
class RiskTexts:
    """The training texts before any features: what the rules make of each, and its sentences.
    Shared by the linear head here and the fine-tuned reader (:mod:`.risk_reader`)."""

    texts: tuple[str, ...]
    y: np.ndarray
    groups: np.ndarray
    source: np.ndarray
    mention: np.ndarray
    rules: np.ndarray
    sentences: tuple[str, ...]
    owner: np.ndarray
    sentence_ok: np.ndarray
    cue: np.ndarray
    """The text holds a word near risk (:func:`has_risk_cue`)."""
    found: np.ndarray
    """The rules found risk words (flagged or not)."""
    speaks: np.ndarray
    """The speaker speaks of themselves (:func:`speaks_of_self`)."""


def risk_texts(root: Path, probes: Path) -> RiskTexts:
    """Every training text with its label, author (or fold of everyday talk) and source."""
    from mentalize.research.datasets import load_annomi

    rows = [(text, risk, author, "probe") for text, risk, author in _probes(probes)]
    seen: set[str] = set()
    for r in load_annomi(root):
        if r.interlocutor == "client" and r.text not in seen:
            seen.add(r.text)
            rows.append((r.text, "none", f"annomi-{r.transcript_id % 9}", "everyday"))
    for name in SESSION_FOLDERS:
        for path in sorted((probes.parent / name).glob("*.txt")):
            for turn in _patient_turns(path):
                if not read_risk(TextView(turn)):
                    rows.append((turn, "none", f"session-{name}", "session"))
    texts = tuple(r[0] for r in rows)
    readings = [read_risk(TextView(t)) for t in texts]
    sentences: list[str] = []
    owner: list[int] = []
    ok: list[bool] = []
    for index, text in enumerate(texts):
        for start, end in sentence_spans(text):
            sentences.append(text[start:end])
            owner.append(index)
            ok.append(speaks_of_self(text, (start, end)))
    found = np.asarray([bool(r) for r in readings])
    cue = np.asarray([has_risk_cue(TextView(t)) for t in texts])
    self_ = np.asarray([speaks_of_self(t, None) for t in texts])
    return RiskTexts(
        texts=texts,
        y=np.asarray([r[1] for r in rows]),
        groups=np.asarray([r[2] for r in rows]),
        source=np.asarray([r[3] for r in rows]),
        mention=found | ~cue | ~self_,
        rules=np.asarray([any(x.flagged for x in r) for r in readings]),
        sentences=tuple(sentences),
        owner=np.asarray(owner),
        sentence_ok=np.asarray(ok),
        cue=cue,
        found=found,
        speaks=self_,
    )


def risk_corpus(root: Path, probes: Path, embed: corpora.Embed, encoder_id: str) -> RiskCorpus:
    texts = risk_texts(root, probes)
    return RiskCorpus(
        texts=texts.texts,
        X=corpora.featurize(texts.texts, embed, encoder_id, "risk"),
        y=texts.y,
        groups=texts.groups,
        source=texts.source,
        mention=texts.mention,
        rules=texts.rules,
        sentences=corpora.featurize(texts.sentences, embed, encoder_id, "risk-sentences"),
        owner=texts.owner,
        sentence_ok=texts.sentence_ok,
    )


def fit_risk_head(
    X: np.ndarray,
    y: Sequence[str] | np.ndarray,
    C: float,
    threshold: float,
    sentence_threshold: float | None = None,
) -> LinearHead:
    """Multinomial logistic regression without class weights (balancing raised false alarms on
    everyday talk in cross-validation), on standardised features."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = standardiser(X)
    model = LogisticRegression(C=C, max_iter=4000, random_state=SEED).fit(
        (X - mean) / scale, np.asarray(y)
    )
    return LinearHead(
        name="risk",
        kind="classifier",
        classes=tuple(str(c) for c in model.classes_),
        mean=mean,
        scale=scale,
        coef=model.coef_,
        intercept=model.intercept_,
        meta={
            "seed": SEED,
            "C": C,
            "threshold": threshold,
            "sentence_threshold": threshold if sentence_threshold is None else sentence_threshold,
        },
    )


def keep_best_sentences(
    best: np.ndarray,
    best_ok: np.ndarray,
    owner: np.ndarray,
    sentence_ok: np.ndarray,
    rows: np.ndarray,
    p: np.ndarray,
) -> None:
    """Fold the P(risk) ``p`` of sentences ``rows`` into each text's most risk-like sentence so
    far (``best``, and in ``best_ok`` whether that sentence may carry a flag), in place."""
    for row, value in zip(rows, p, strict=True):
        text = owner[row]
        if value > best[text]:
            best[text] = value
            best_ok[text] = sentence_ok[row]


def _held_out_risk(corpus: RiskCorpus, C: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every text, from a head that never saw its author (probes) or its fold of everyday
    talk: P(risk) of the whole text, P(risk) of its most risk-like sentence, and whether that
    sentence may carry a flag, as the learned layer did with this head until 2026-12-07."""
    authors = sorted(set(corpus.groups[corpus.source == "probe"]))
    everyday = sorted(set(corpus.groups[corpus.source != "probe"]))
    risk = np.zeros(len(corpus.y))
    best = np.full(len(corpus.y), -1.0)
    best_ok = np.zeros(len(corpus.y), dtype=bool)
    for k, author in enumerate(authors):
        test = (corpus.groups == author) | (corpus.groups == everyday[k % len(everyday)])
        head = fit_risk_head(corpus.X[~test], corpus.y[~test], C, 0.5)
        none = list(head.classes).index("none")
        risk[test] = 1.0 - head.predict_proba(corpus.X[test])[:, none]
        rows = np.flatnonzero(test[corpus.owner])
        p = 1.0 - head.predict_proba(corpus.sentences[rows])[:, none]
        keep_best_sentences(best, best_ok, corpus.owner, corpus.sentence_ok, rows, p)
    return risk, best, best_ok


def choose(corpus: RiskCorpus) -> tuple[float, float, float, list[dict[str, float]]]:
    """(C, threshold, sentence threshold, every run) by leave-one-author-out
    cross-validation."""
    probe = corpus.source == "probe"
    positive = probe & (corpus.y != "none")
    negative = probe & (corpus.y == "none")
    everyday = corpus.source != "probe"
    runs: list[dict[str, float]] = []
    for C in C_GRID:
        risk, best, best_ok = _held_out_risk(corpus, C)
        for threshold in THRESHOLDS:
            for margin in SENTENCE_MARGINS:
                sentence = round(threshold - margin, 2)
                learned = (risk >= threshold) & (best >= sentence) & best_ok & ~corpus.mention
                flag = corpus.rules | learned
                runs.append(
                    {
                        "C": C,
                        "threshold": threshold,
                        "sentence_threshold": sentence,
                        "recall": float(flag[positive].mean()),
                        "false_alarms": float(flag[negative].mean()),
                        "everyday_flags": float(flag[everyday].mean()),
                    }
                )
    rules_only = {
        "C": 0.0,
        "threshold": 1.0,
        "sentence_threshold": 1.0,
        "recall": float(corpus.rules[positive].mean()),
        "false_alarms": float(corpus.rules[negative].mean()),
        "everyday_flags": float(corpus.rules[everyday].mean()),
    }
    allowed = [
        r
        for r in runs
        if r["false_alarms"] <= MAX_PROBE_FALSE_ALARMS and r["everyday_flags"] <= MAX_EVERYDAY_FLAGS
    ]
    chosen = max(allowed, key=lambda r: (r["recall"], -r["false_alarms"]), default=None)
    if chosen is None:
        raise SystemExit("train_risk: no setting keeps false alarms within bounds")
    return chosen["C"], chosen["threshold"], chosen["sentence_threshold"], [rules_only, *runs]


def train_risk(root: Path, probes: Path, out: Path | None) -> dict[str, object]:
    from mentalize.models.encoder import MODEL_ID, load_encoder

    encoder = load_encoder()
    corpus = risk_corpus(root, probes, encoder.encode, MODEL_ID)
    C, threshold, sentence_threshold, runs = choose(corpus)
    probe = corpus.source == "probe"
    figures: dict[str, object] = {
        "chosen": {"C": C, "threshold": threshold, "sentence_threshold": sentence_threshold},
        "runs": runs,
        "texts": {
            "probes": int(probe.sum()),
            "probes_with_risk": int((probe & (corpus.y != "none")).sum()),
            "everyday": int((~probe).sum()),
            "authors": sorted(set(corpus.groups[probe])),
        },
    }
    if out is not None:  # the baseline, written where asked (not into the shipped heads)
        head = fit_risk_head(corpus.X, corpus.y, C, threshold, sentence_threshold)
        out.mkdir(parents=True, exist_ok=True)
        head.save(out / "risk.npz")
        update_manifest(out, {"risk": head}, MODEL_ID)
        figures["size"] = (out / "risk.npz").stat().st_size
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--probes", type=Path, default=Path("tests/data/risk_probes"))
    parser.add_argument("--out", type=Path, default=None, help="write the head here too")
    args = parser.parse_args(argv)
    from mentalize.research.datasets import dataset_root

    try:
        figures = train_risk(dataset_root(args.data), args.probes, args.out)
    except MentalizeError as exc:
        print(f"train_risk: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
