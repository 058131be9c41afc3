"""The MBT corpus as training rows for the reader: each coded turn, its adjudicated labels, its
split, and the features the reader sees at run time.

Why the previous turn is a feature
    Several codes are read *in context* (codebook section 0.3): a patient's "Fine." after a
    mental-state question is withdrawal, after a greeting it is nothing; a therapist's "I'm sorry,
    I rushed that" is a repair only after strain. At run time every turn of a session is embedded
    once anyway, so the reader gets the previous turn's embedding at no extra cost, and a turn's
    reading still depends only on its own conversation, never on the other turns in a batch.

Only adjudicated labels are used (codebook section 5); a unit whose two passes read the speaker
differently has no final label and is left out. The splits are the committed ones
(``data/corpus/splits.json``): training reads ``train``, selection reads ``dev``, and ``test`` is
read once, by :mod:`mentalize.research.training.reader` with ``--test``, when the reader is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mentalize.models.encoder import EMBEDDING_DIM
from mentalize.research.corpus.adjudicate import adjudicate
from mentalize.research.corpus.batches import read_passes
from mentalize.research.corpus.units import Unit, fixed_splits, units_of
from mentalize.research.training.corpora import Embed, featurize

LABELS_ROOT = Path("data/corpus/labels")
SOURCES = ("annomi", "written")


@dataclass(frozen=True)
class CodedTurn:
    unit: Unit
    labels: dict[str, Any]
    split: str


@dataclass(frozen=True)
class ReaderRows:
    """Coded turns of one role with their features: the turn's embedding and marker columns,
    then the previous turn's embedding (zeros at the start of a conversation)."""

    turns: tuple[CodedTurn, ...]
    X: np.ndarray

    def column(self, label: str) -> np.ndarray:
        return np.asarray([t.labels.get(label) for t in self.turns], dtype=object)

    def split(self) -> np.ndarray:
        return np.asarray([t.split for t in self.turns])

    def groups(self) -> np.ndarray:
        return np.asarray([t.unit.group for t in self.turns])


def final_labels(source: str, labels_root: Path = LABELS_ROOT) -> dict[str, dict[str, Any]]:
    """Adjudicated labels of every unit of one source (``annomi`` or ``written``)."""
    passes = read_passes(labels_root / source)
    a, b = passes["pass-a"], passes["pass-b"]
    return adjudicate(a, b, passes.get("pass-c"))


def coded_turns(datasets: str | None = None, labels_root: Path = LABELS_ROOT) -> list[CodedTurn]:
    """Every coded turn of both sources, in conversation order, with its committed split."""
    splits = fixed_splits()
    out: list[CodedTurn] = []
    for source in SOURCES:
        final = final_labels(source, labels_root)
        for unit in units_of(source, datasets):
            record = final.get(unit.id)
            if record is None or record["role"] != unit.role:
                continue
            out.append(CodedTurn(unit=unit, labels=record, split=splits[unit.group]))
    return out


def previous_text(unit: Unit) -> str:
    """The turn just before this one in its conversation ('' at the start)."""
    return unit.context[-1][1] if unit.context else ""


def reader_rows(turns: Sequence[CodedTurn], role: str, embed: Embed, encoder_id: str) -> ReaderRows:
    """Rows for one role (``patient`` or ``therapist``)."""
    chosen = tuple(t for t in turns if t.unit.role == role)
    own = featurize([t.unit.text for t in chosen], embed, encoder_id, f"reader-{role}")
    before = [previous_text(t.unit) for t in chosen]
    present = [i for i, text in enumerate(before) if text]
    context = np.zeros((len(chosen), EMBEDDING_DIM), dtype=np.float32)
    if present:
        vectors = featurize(
            [before[i] for i in present], embed, encoder_id, f"reader-{role}-previous"
        )
        context[present] = vectors[:, : context.shape[1]]
    return ReaderRows(turns=chosen, X=np.hstack([own, context]))
