"""From marker counts to per-turn estimates: arousal, certainty, mentalizing, focus, mode.

Arousal and certainty are computed in :mod:`mentalize.language.scales` (the learned layer reads
them too) and re-exported here, so every per-turn estimate has one import path.

Each estimate is a small, documented formula over marker counts, so a clinician can trace any
number back to the words that produced it. Weights are the mentalize team's judgement from the MBT
descriptions in ``docs/markers.md``; they were not fitted to any dataset.
"""

from __future__ import annotations

from mentalize.analysis.results import Focus, Mode
from mentalize.language import MarkerSet
from mentalize.language.scales import AROUSAL_WEIGHTS, arousal, certainty

__all__ = [
    "MENTAL_STATE_KINDS",
    "arousal",
    "blanking",
    "certainty",
    "focus",
    "is_minimal",
    "mentalizing",
    "mode",
    "non_mentalizing_signals",
]

MENTAL_STATE_KINDS = ("cognitive", "affective", "desire", "intention")
MINIMAL_WORDS = 6
"""Turns shorter than this with no marker ("Mm.", "Yeah, okay") are backchannels."""


def is_minimal(markers: MarkerSet) -> bool:
    meaningful = markers.count(
        *MENTAL_STATE_KINDS,
        *AROUSAL_WEIGHTS,
        "risk_negated",
        "validation",
        "advice",
        "interpretation",
        "relationship",
        "challenge",
        "structural_label",
    )
    return markers.word_count < MINIMAL_WORDS and meaningful == 0


def blanking(markers: MarkerSet) -> int:
    """Going-blank phrases not covered by an opacity phrase: "I don't know." stops a thought,
    "I don't know what she meant" opens one."""
    opacity = markers.of("opacity")
    return sum(
        1
        for span in markers.of("blanking")
        if not any(o.start <= span.start < o.end for o in opacity)
    )


def non_mentalizing_signals(markers: MarkerSet) -> dict[Mode, float]:
    """Strength of the evidence for each non-mentalizing mode (0 = none)."""
    teleological = markers.counts["action_as_proof"]
    psychic = (
        1.2 * markers.counts["intent_certainty"]
        + 1.0 * markers.counts["feeling_as_fact"]
        + 0.7 * markers.counts["global_attribution"]
        + (0.4 if markers.counts["absolutist"] >= 2 and not markers.has("hedge", "opacity") else 0)
    )
    jargon = markers.counts["jargon"]
    affect = markers.counts["affective"]
    pretend = 0.0
    if jargon >= 2 and markers.word_count >= 25:
        pretend = jargon * (1.0 if affect <= 1 else 0.6) * min(1.0, markers.word_count / 50)
    concrete = 1.0 * markers.counts["structural_label"] + 0.5 * blanking(markers)
    return {
        "teleological": float(teleological),
        "psychic_equivalence": float(psychic),
        "pretend": float(pretend),
        "concrete": float(concrete),
    }


def mentalizing(markers: MarkerSet) -> float:
    """An RF-like screening estimate (0-1): mental states named, linked to behaviour, held
    tentatively, seen from more than one side and over time; minus non-mentalizing signals."""
    blank = blanking(markers)
    kinds = sum(1 for k in MENTAL_STATE_KINDS if markers.counts[k])
    states = markers.count(*MENTAL_STATE_KINDS)
    foci = sum(1 for f in ("focus_self", "focus_other") if markers.counts[f])
    score = (
        0.08
        + 0.09 * min(kinds, 3)
        + 0.03 * min(states, 5)
        + 0.12 * min(markers.counts["causal_link"], 2)
        + 0.10 * min(max(0, markers.counts["opacity"] + markers.counts["hedge"] - blank), 2)
        + 0.12 * min(markers.counts["perspective"], 1)
        + 0.08 * (foci == 2)
        + 0.10 * min(markers.counts["change_over_time"], 1)
    )
    signals = non_mentalizing_signals(markers)
    rigid = certainty(markers) >= 0.85 and not markers.has("hedge", "opacity")
    penalty = (
        0.15 * rigid
        + 0.22 * min(signals["teleological"], 2)
        + 0.18 * min(signals["psychic_equivalence"], 3)
        + 0.12 * min(signals["pretend"], 3)
        + 0.20 * min(signals["concrete"], 1)
    )
    return round(min(1.0, max(0.0, score - penalty)), 4)


def focus(markers: MarkerSet) -> Focus:
    """Whose mental states the turn is mostly about."""
    counts: dict[Focus, float] = {
        "self": markers.counts["focus_self"],
        "other": markers.counts["focus_other"],
        "relationship": markers.counts["focus_relationship"] * 1.5,
    }
    if not any(counts.values()):
        return "none"
    return max(counts, key=lambda k: counts[k])


def mode(markers: MarkerSet, mentalizing_score: float) -> Mode:
    """The patient's mode in this turn: the strongest non-mentalizing signal if it is clear,
    genuine mentalizing if the RF-like score is good, else concrete (no mental states in play)."""
    signals = non_mentalizing_signals(markers)
    strongest: Mode = max(signals, key=lambda k: signals[k])
    if signals["teleological"] >= 1:
        return "teleological"
    if signals[strongest] >= 1.0 and mentalizing_score < 0.55:
        return strongest
    if signals["psychic_equivalence"] >= 0.7 and certainty(markers) >= 0.7:
        return "psychic_equivalence"
    if mentalizing_score >= 0.4:
        return "mentalizing"
    if signals["pretend"] >= 1.0:
        return "pretend"
    if markers.count(*MENTAL_STATE_KINDS) == 0 or signals["concrete"]:
        return "concrete"
    if certainty(markers) >= 0.75:
        return "psychic_equivalence"
    return "concrete" if mentalizing_score < 0.25 else "mentalizing"
