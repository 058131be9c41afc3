"""Train the shipped heads on train-ok data, with cross-validated figures for their model cards.

Run: ``python -m mentalize.research.training.heads [--data ../shared/datasets]`` (needs the
``models`` and ``research`` extras). Seeded and deterministic: the same data and encoder give
the same files. Only ``train-ok`` datasets are read here (AnnoMI, EmoBank, Pei & Jurgens
certainty); the ``eval-only`` sets never reach this module.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mentalize.analysis.combine import combined_intervention
from mentalize.analysis.interventions import classify
from mentalize.language import read_markers
from mentalize.learned.affect_scale import AffectScale
from mentalize.learned.heads import LinearHead, heads_folder
from mentalize.research.annomi_shipped import MBT_TO_ANNOMI
from mentalize.research.training import corpora
from mentalize.research.training.fit import (
    SEED,
    fit_classifier,
    fit_regressor,
    grouped_folds,
    update_manifest,
)

BEHAVIOUR_C = 0.001
"""Chosen by grouped cross-validation on AnnoMI: 0.0001-0.5 tried, macro-F1 of the head peaks at
0.001 (0.732; 0.716 at 0.01, 0.720 at 0.0001). The reported figure comes from the same folds,
so it may be optimistic by about the spread between neighbouring values (≈ 0.005)."""


@dataclass(frozen=True)
class BehaviourFigures:
    macro_f1: float
    question_f1: float
    input_f1: float
    n: int


def behaviour_figures(truth: Sequence[str], predicted: Sequence[str]) -> BehaviourFigures:
    from sklearn.metrics import f1_score

    labels = list(corpora.ANNOMI_CLASSES)
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return BehaviourFigures(
        macro_f1=float(np.mean(per_class)),
        question_f1=float(per_class[labels.index("question")]),
        input_f1=float(per_class[labels.index("therapist_input")]),
        n=len(truth),
    )


def annomi_predictions(corpus: corpora.Corpus) -> dict[str, list[str]]:
    """Out-of-fold AnnoMI behaviours from markers alone, the head alone, and the shipped
    combination, with transcripts kept whole in each fold."""
    markers = [read_markers(t) for t in corpus.texts]
    rules = [classify(m) for m in markers]
    head_only = np.empty(len(corpus.texts), dtype=object)
    combined = np.empty(len(corpus.texts), dtype=object)
    assert corpus.groups is not None, "AnnoMI rows carry their transcript"
    for train, test in grouped_folds(corpus.groups):
        head = fit_classifier(corpus.X[train], corpus.y[train], name="fold", C=BEHAVIOUR_C)
        predicted = head.predict(corpus.X[test])
        for i, behaviour in zip(test, predicted, strict=True):
            head_only[i] = behaviour
            combined[i] = MBT_TO_ANNOMI[combined_intervention(rules[i], behaviour, markers[i])]
    return {
        "markers": [MBT_TO_ANNOMI[r] for r in rules],
        "head": list(head_only),
        "combined": list(combined),
    }


def arousal_scale(head: LinearHead, X: np.ndarray) -> AffectScale:
    scores = head.predict(X)
    return AffectScale(low=float(np.median(scores)), high=float(np.quantile(scores, 0.99)))


def train(root: Path, out: Path) -> dict[str, object]:
    from mentalize.models.encoder import MODEL_ID, load_encoder

    encoder = load_encoder()
    embed = encoder.encode
    figures: dict[str, object] = {}

    annomi = corpora.annomi_therapist(root, embed, MODEL_ID)
    predictions = annomi_predictions(annomi)
    figures["annomi"] = {
        k: behaviour_figures(list(annomi.y), v).__dict__ for k, v in predictions.items()
    }
    behaviour = fit_classifier(
        annomi.X, annomi.y, name="therapist_behaviour", C=BEHAVIOUR_C, meta={"seed": SEED}
    )

    emobank = corpora.emobank(root, embed, MODEL_ID)
    train_rows = emobank.split == "train"
    arousal = fit_regressor(emobank.X[train_rows], emobank.y[train_rows], name="arousal")
    scale = arousal_scale(arousal, emobank.X[train_rows])
    arousal = LinearHead(
        **{
            **arousal.__dict__,
            "meta": {
                **arousal.meta,
                "low": scale.low,
                "high": scale.high,
            },
        }
    )

    certainty_corpus = corpora.certainty(root, embed, MODEL_ID)
    certainty = fit_regressor(certainty_corpus.X, certainty_corpus.y, name="certainty")
    scores = certainty.predict(certainty_corpus.X)
    certainty = LinearHead(
        **{
            **certainty.__dict__,
            "meta": {
                **certainty.meta,
                "median": float(np.median(scores)),
                "spread": float(np.std(scores)) * 2,
            },
        }
    )

    out.mkdir(parents=True, exist_ok=True)
    heads = {"therapist_behaviour": behaviour, "arousal": arousal, "certainty": certainty}
    for name, head in heads.items():
        head.save(out / f"{name}.npz")
    update_manifest(out, heads, MODEL_ID)
    figures["sizes"] = {name: (out / f"{name}.npz").stat().st_size for name in heads}
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=heads_folder())
    args = parser.parse_args(argv)
    from mentalize.research.datasets import dataset_root

    figures = train(dataset_root(args.data), args.out)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
