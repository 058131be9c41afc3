"""What the collapse head reads about one patient turn: the reader's mode and how sure it is,
mentalizing level, arousal, valence, certainty about minds and strain, the turn's own arousal and
mentalizing estimates and length, the same patient's turns either side, and how demanding the
therapist's turn before it was.

Why a second stage on the reader's outputs: the codebook's collapse episode (3.1) is a stretch
of turns, often quiet, where mentalizing is lost; the rules that build episodes from single-turn
thresholds miss most quiet collapse and keep some calm stretches. A small linear head over these
readings, trained on the coded episodes of the train authors' sessions (``python -m
mentalize.research.training.collapse``), weighs them together; the episode logic
(:mod:`mentalize.analysis.episodes`) uses it to add quiet collapse and to drop rule-read
episodes in which no turn reads as collapse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mentalize.analysis.episodes import CollapseHeadReading
from mentalize.analysis.results import TurnAnalysis

if TYPE_CHECKING:  # numpy and the heads load only with the learned layer, never at import
    from mentalize.learned.heads import LinearHead

READER_MODES = (
    "concrete",
    "hypermentalizing",
    "mentalizing",
    "minimal",
    "pretend",
    "psychic_equivalence",
    "teleological",
)
NEIGHBOUR_PARTS = ("rf_level", "arousal", "non_mentalizing_p", "present")

COLLAPSE_FEATURES = (
    *(f"p_{mode}" for mode in READER_MODES),
    "rf_level",
    "reader_arousal",
    "valence",
    "certainty_about_minds",
    "p_withdrawal",
    "p_confrontation",
    "arousal",
    "mentalizing",
    "log_words",
    *(f"before_{part}" for part in NEIGHBOUR_PARTS),
    *(f"after_{part}" for part in NEIGHBOUR_PARTS),
    "therapist_intensity_before",
)
"""The order of the head's inputs (stored in the head's metadata and checked at load)."""

_ABSENT = (2.0, 2.0, 0.0, 0.0)
"""A neighbour the patient does not have: middling level and arousal, no collapse, absent."""


def _neighbour(turns: Sequence[TurnAnalysis], i: int, step: int) -> tuple[float, ...]:
    """The same patient's nearest read turn before (``step`` -1) or after (+1) turn ``i``:
    collapse lasts across turns, so a turn between two collapsed ones reads differently."""
    speaker = turns[i].speaker
    j = i + step
    while 0 <= j < len(turns):
        reading = turns[j].reading
        if turns[j].speaker == speaker and reading is not None:
            non_mentalizing = reading.mode not in ("mentalizing", "minimal")
            return (
                reading.rf_level if reading.rf_level is not None else 2.0,
                reading.arousal if reading.arousal is not None else 2.0,
                (reading.mode_p or 0.0) if non_mentalizing else 0.0,
                1.0,
            )
        j += step
    return _ABSENT


def collapse_features(
    turns: Sequence[TurnAnalysis], intensities: Mapping[int, float], i: int
) -> list[float] | None:
    """The head's inputs for patient turn ``i``; None where the reader did not read it."""
    turn = turns[i]
    reading = turn.reading
    if reading is None or turn.role != "patient":
        return None
    strain_p = reading.strain_p or 0.0
    previous = turns[i - 1] if i else None
    demanded = (
        intensities.get(i - 1, 0.0)
        if previous is not None and previous.role == "therapist"
        else 0.0
    )
    return [
        *((reading.mode_p or 0.0) if reading.mode == mode else 0.0 for mode in READER_MODES),
        reading.rf_level if reading.rf_level is not None else 2.0,
        reading.arousal if reading.arousal is not None else 2.0,
        reading.valence if reading.valence is not None else 3.0,
        reading.certainty_about_minds if reading.certainty_about_minds is not None else 0.5,
        strain_p if reading.strain == "withdrawal" else 0.0,
        strain_p if reading.strain == "confrontation" else 0.0,
        turn.arousal,
        turn.mentalizing,
        math.log1p(len(turn.text.split())),
        *_neighbour(turns, i, -1),
        *_neighbour(turns, i, 1),
        demanded,
    ]


def collapse_head_fits(head: LinearHead | None) -> LinearHead | None:
    """``head`` when it reads the features this module computes, in this order, and names its
    collapse class, threshold and keep level; else None (a head from another version is never
    fed inputs it was not trained on). That it was trained on the shipped reader heads' outputs
    is checked where the heads load (:class:`mentalize.learned.layer.LearnedLayer`)."""
    if (
        head is None
        or list(head.meta.get("features", [])) != list(COLLAPSE_FEATURES)
        or "threshold" not in head.meta
        or "keep" not in head.meta
        or "collapse" not in head.classes
    ):
        return None
    return head


def read_collapse(
    head: LinearHead | None, turns: Sequence[TurnAnalysis], intensities: Mapping[int, float]
) -> CollapseHeadReading | None:
    """The collapse head's reading of a whole session, one batch over its read patient turns."""
    head = collapse_head_fits(head)
    if head is None:
        return None
    rows = [(i, collapse_features(turns, intensities, i)) for i in range(len(turns))]
    found = [(i, f) for i, f in rows if f is not None]
    p: dict[int, float] = {}
    if found:
        import numpy as np

        column = head.classes.index("collapse")
        X = np.asarray([f for _, f in found], dtype=np.float64)
        p = {i: float(v) for (i, _), v in zip(found, head.predict_proba(X)[:, column], strict=True)}
    return CollapseHeadReading(
        p=p, threshold=float(head.meta["threshold"]), keep=float(head.meta["keep"])
    )
