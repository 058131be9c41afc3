"""Marker features that sit beside the sentence embedding in every head's input.

The embedding carries meaning; these carry what a lexicon sees reliably and a small encoder can
blur: question marks, named feelings, hedges, directives. Counts are capped so one long turn
cannot dominate a linear head.
"""

from __future__ import annotations

import math

from mentalize.language import MarkerSet
from mentalize.language.scales import arousal, certainty

FEATURE_MARKERS: tuple[str, ...] = (
    "cognitive",
    "affective",
    "desire",
    "intention",
    "hedge",
    "booster",
    "absolutist",
    "intensity",
    "swearing",
    "bodily_activation",
    "catastrophising",
    "exclamation",
    "caps",
    "repetition",
    "opacity",
    "causal_link",
    "blanking",
    "validation",
    "grounding",
    "clarification",
    "challenge",
    "advice",
    "interpretation",
    "not_knowing",
    "mental_state_question",
    "other_mind_question",
    "relationship",
    "housekeeping",
    "focus_self",
    "focus_other",
)
CAP = 3

FEATURE_NAMES: tuple[str, ...] = (
    *FEATURE_MARKERS,
    "has_question",
    "questions",
    "ends_with_question",
    "log_words",
    "marker_arousal",
    "marker_certainty",
)


def marker_features(markers: MarkerSet) -> list[float]:
    """The feature vector for one text, in :data:`FEATURE_NAMES` order."""
    values = [float(min(markers.counts[name], CAP)) for name in FEATURE_MARKERS]
    text = markers.text.rstrip()
    values += [
        1.0 if markers.questions else 0.0,
        float(min(markers.questions, CAP)),
        1.0 if text.endswith("?") else 0.0,
        math.log1p(markers.word_count),
        arousal(markers),
        certainty(markers),
    ]
    return values
