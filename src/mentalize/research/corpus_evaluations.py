"""The analyser against the MBT corpus's labels, on the dev split (``mentalize evaluate``).

Whole sessions of the dev split (AnnoMI transcripts and the written sessions of the dev
authors) are analysed as a user would analyse them, and each turn's reading is compared with its
adjudicated label (``docs/codebook.md``). The baseline is the same analyser on markers alone.
The reader's heads were chosen on this split (``learned/heads/reader.md``), so these are
development figures; the test split is run once, when the reader is final.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mentalize.analysis.results import SessionAnalysis, TurnAnalysis
from mentalize.analysis.session import ModelChoice, analyze_transcript
from mentalize.learned.reading import POLARITIES
from mentalize.research import datasets as ds
from mentalize.research.corpus.labels import BY_NAME, NA
from mentalize.research.corpus.units import annomi_sessions, fixed_splits, written_sessions
from mentalize.research.marker_evaluations import evaluation
from mentalize.research.rows import ValidationRow, project_row
from mentalize.transcript import Transcript
from mentalize.transcript.readers import read_transcript
from mentalize.transcript.roles import assign_roles

DATASET = "mbt_corpus"
MODES = tuple(v for v in BY_NAME["mode"].values if v != "minimal")
"""The six modes the mode figure averages (``minimal`` is a backchannel, scored apart)."""
INTERVENTIONS = BY_NAME["intervention"].values
POLES = {name: tuple(v for v in BY_NAME[name].values if v != NA) for name in POLARITIES}
Pair = tuple[TurnAnalysis, dict[str, Any]]
SOURCES = ("annomi", "written")


def _annomi_sessions(root: Path, split: str) -> Iterator[tuple[list[str], Transcript]]:
    splits = fixed_splits()
    for session in annomi_sessions(str(root)):
        if splits.get(f"annomi:{session.transcript_id}") == split:
            yield list(session.unit_ids), session.transcript


def _written_sessions(split: str) -> Iterator[tuple[list[str], Transcript]]:
    splits = fixed_splits()
    for path in written_sessions():
        author = path.parent.name
        if splits.get(f"written:{author}") != split:
            continue
        transcript = assign_roles(read_transcript(path, format="jsonl"))
        ids = [f"written:{author}:{path.stem}:{n}" for n in range(1, len(transcript.turns) + 1)]
        yield ids, transcript


def labelled_turns(
    root: Path | None, split: str, model: ModelChoice, sources: tuple[str, ...] = SOURCES
) -> list[Pair]:
    """(reading, label) for every coded turn of the split's sessions, the sessions analysed
    whole; each turn is matched to its unit by position (the units were made from the same
    files in the same order: :mod:`mentalize.research.corpus.units`)."""
    from mentalize.research.training.reader_data import final_labels

    labels = {k: v for source in sources for k, v in final_labels(source).items()}
    pairs: list[Pair] = []
    sessions = [
        *(_annomi_sessions(root, split) if "annomi" in sources and root is not None else ()),
        *(_written_sessions(split) if "written" in sources else ()),
    ]
    for ids, transcript in sessions:
        analysis: SessionAnalysis = analyze_transcript(transcript, model=model)
        for turn, unit_id in zip(analysis.turns, ids, strict=True):
            record = labels.get(unit_id)
            if record is not None and record["role"] == turn.role:
                pairs.append((turn, record))
    return pairs


def macro_f1(
    pairs: list[Pair], label: str, read: Callable[[TurnAnalysis], Any], classes: tuple[str, ...]
) -> tuple[float, int]:
    from sklearn.metrics import f1_score

    kept = [(t, r) for t, r in pairs if r.get(label) not in (None, NA, "minimal")]
    truth = [str(r[label]) for _, r in kept]
    predicted = [str(read(t)) for t, _ in kept]
    value = f1_score(truth, predicted, labels=list(classes), average="macro", zero_division=0)
    return float(value), len(kept)


def weighted_kappa(
    pairs: list[Pair], label: str, read: Callable[[TurnAnalysis], Any]
) -> tuple[float | None, int]:
    from sklearn.metrics import cohen_kappa_score

    kept = [(t, r) for t, r in pairs if isinstance(r.get(label), int) and read(t) is not None]
    if len(kept) < 2:
        return None, len(kept)
    truth = [int(r[label]) for _, r in kept]
    predicted = [int(np.rint(read(t))) for t, _ in kept]
    return float(cohen_kappa_score(truth, predicted, weights="quadratic")), len(kept)


_row = project_row(DATASET)


def reader_field(name: str) -> Callable[[TurnAnalysis], Any]:
    return lambda t: getattr(t.reading, name) if t.reading is not None else None


@evaluation(
    "mbt_corpus",
    datasets=("mbt_corpus", "annomi"),
    title="MBT corpus dev split (the analyser on whole sessions)",
)
def evaluate_corpus_dev(root: Path) -> list[ValidationRow]:
    """The analyser's per-turn readings against the corpus labels, dev split."""
    ds.load_annomi(root)  # a missing AnnoMI skips this evaluation before anything loads
    ours = labelled_turns(root, "dev", "auto")
    markers = labelled_turns(root, "dev", "markers")
    rows: list[ValidationRow] = []
    note = "dev split, development figure (heads chosen on it)"

    def pair(
        construct: str,
        metric: str,
        a: tuple[float | None, int],
        b: tuple[float | None, int] | None,
        target: float,
    ) -> None:
        rows.append(_row(construct, metric, a[0], a[1], "ours", note))
        if b is not None:
            rows.append(_row(construct, metric, b[0], b[1], "baseline", "markers alone"))
        rows.append(
            _row(construct, metric, target, a[1], "target", anchor=f"target ≥ {target:.2f}")
        )

    mode = lambda t: t.mode  # noqa: E731
    pair(
        "patient mode (6 classes) → mode",
        "macro-F1",
        macro_f1(ours, "mode", mode, MODES),
        macro_f1(markers, "mode", mode, MODES),
        0.65,
    )
    intervention = lambda t: t.intervention  # noqa: E731
    pair(
        "therapist intervention (8 classes) → intervention",
        "macro-F1",
        macro_f1(ours, "intervention", intervention, INTERVENTIONS),
        macro_f1(markers, "intervention", intervention, INTERVENTIONS),
        0.70,
    )
    pair(
        "mentalizing level (rf_level 0-4) → reading.rf_level",
        "weighted κ",
        weighted_kappa(ours, "rf_level", reader_field("rf_level")),
        weighted_kappa(markers, "rf_level", lambda t: None if t.minimal else 4 * t.mentalizing),
        0.60,
    )
    for name, poles in POLES.items():
        kept = [(t, r) for t, r in ours if r.get(name) not in (None, NA)]
        pair(
            f"polarity {name} (coded turns) → reading.{name}",
            "macro-F1",
            macro_f1(kept, name, reader_field(name), poles),
            None,
            0.60,
        )
    return rows
