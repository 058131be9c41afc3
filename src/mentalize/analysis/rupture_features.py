"""What the rupture head reads about one patient turn: the reader's strain, mood and level,
the turn's length against the patient's own last turn, whether it answers the therapist, and the
rupture words.

Why a second stage on the reader's outputs rather than thresholds: the codebook's rupture is a
stretch of strained turns (3.5), and the strain head's probability alone either misses most
mild strain ("S'pose.", "Right." after a probing question) or fires on calm talk. A small
linear head over these few readings, trained on coded ruptures (``python -m
mentalize.research.training.rupture``), weighs them together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mentalize.analysis.results import TurnAnalysis
from mentalize.language import MarkerSet

RUPTURE_FEATURES = (
    "p_withdrawal",
    "p_confrontation",
    "p_none",
    "p_withdrawal_in_reply",
    "p_confrontation_in_reply",
    "log_words",
    "log_words_own_last_turn",
    "replies_to_therapist",
    "valence",
    "arousal",
    "rf_level",
    "sarcasm_words",
    "confrontation_words",
    "withdrawal_words",
    "goes_flat",
    "displeased_confrontation",
)
"""The order of the head's inputs (stored in the head's metadata and checked at load)."""


def rupture_features(
    turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet], i: int
) -> list[float] | None:
    """The head's inputs for patient turn ``i``; None where the reader did not read it."""
    turn, found = turns[i], markers[i]
    reading = turn.reading
    if reading is None:
        return None
    previous = turns[i - 1] if i else None
    own = next((t for t in reversed(turns[:i]) if t.speaker == turn.speaker), None)
    p = reading.strain_p or 0.0
    withdrawal = p if reading.strain == "withdrawal" else 0.0
    confrontation = p if reading.strain == "confrontation" else 0.0
    calm = p if reading.strain == "none" else 0.0
    words = found.word_count
    own_words = len(own.text.split()) if own is not None else 0
    reply = 1.0 if previous is not None and previous.role == "therapist" else 0.0
    valence = reading.valence if reading.valence is not None else 3.0
    return [
        withdrawal,
        confrontation,
        calm,
        withdrawal * reply,
        confrontation * reply,
        math.log1p(words),
        math.log1p(own_words),
        reply,
        valence,
        reading.arousal if reading.arousal is not None else 2.0,
        reading.rf_level if reading.rf_level is not None else 2.0,
        float(found.counts["sarcasm"] > 0),
        float(found.counts["rupture_confrontation"] > 0),
        float(found.counts["rupture_withdrawal"] > 0),
        float(words <= 15 and own_words >= 10 and reply > 0),
        (3.0 - valence) * confrontation,
    ]
