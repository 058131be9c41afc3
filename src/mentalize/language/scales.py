"""Two marker-only scales, arousal and certainty: pure functions of a :class:`MarkerSet`.

They sit in the language layer because both the analysis (every turn's estimate) and the learned
layer (two of the heads' input features) read them, and the learned layer may not import the
analysis. Weights are the mentalize team's judgement from the MBT descriptions in
``docs/markers.md``; they were not fitted to any dataset.
"""

from __future__ import annotations

import math

from mentalize.language.markers import MarkerSet

__all__ = ["AROUSAL_CAPS", "AROUSAL_WEIGHTS", "arousal", "certainty", "saturate"]

AROUSAL_WEIGHTS = {
    "intensity": 0.75,
    "swearing": 1.0,
    "bodily_activation": 1.1,
    "catastrophising": 0.8,
    "exclamation": 0.45,
    "caps": 0.5,
    "repetition": 0.6,
    "global_attribution": 0.3,
    "risk_ideation": 0.6,
    "risk_self_harm": 0.6,
    "risk_harm_to_others": 0.8,
    "rupture_confrontation": 0.4,
}
AROUSAL_CAPS = {"exclamation": 3, "caps": 3, "intensity": 4}


def saturate(raw: float, scale: float) -> float:
    """Map a non-negative sum onto 0-1 with diminishing returns."""
    return 1.0 - math.exp(-max(raw, 0.0) / scale)


def arousal(markers: MarkerSet) -> float:
    """Sum of weighted arousal cues, saturating: one strong cue ≈ 0.4, three ≈ 0.8."""
    raw = 0.0
    for name, weight in AROUSAL_WEIGHTS.items():
        n = markers.counts[name]
        raw += weight * min(n, AROUSAL_CAPS.get(name, 2))
    raw += 0.15 * min(markers.counts["affective"], 3)
    if markers.counts["hedge"] + markers.counts["opacity"] >= 2:
        raw *= 0.75  # tentative talk is hard to sustain at high arousal (Bateman & Fonagy 2016)
    return round(0.03 + 0.97 * saturate(raw, 1.8), 4)


def certainty(markers: MarkerSet) -> float:
    """0.5 when neutral; boosters, absolutist words and claims about minds raise it, hedges and
    questions lower it."""
    up = (
        1.0 * markers.counts["booster"]
        + 0.5 * markers.counts["absolutist"]
        + 1.2 * markers.counts["intent_certainty"]
        + 0.8 * markers.counts["global_attribution"]
        + 0.8 * markers.counts["feeling_as_fact"]
        + 0.6 * markers.counts["action_as_proof"]
    )
    down = (
        1.0 * markers.counts["hedge"]
        + 1.0 * markers.counts["opacity"]
        + 0.6 * markers.counts["not_knowing"]
        + 0.5 * markers.questions
    )
    return round(0.5 + 0.5 * math.tanh(0.55 * (up - down)), 4)
