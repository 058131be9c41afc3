"""How a learned reading and the marker reading make one per-turn value.

The rules are written down so a clinician can follow them: markers keep the MBT categories no
public dataset labels (relationship, interpretation, challenge) and every piece of evidence
they find; the heads add what a lexicon cannot see (an aroused sentence without a strong word, a
reflection without a stock phrase).
"""

from __future__ import annotations

from mentalize.analysis.interventions import question_kind
from mentalize.analysis.results import Intervention
from mentalize.language import MarkerSet

MARKER_ONLY_INTERVENTIONS: frozenset[str] = frozenset(
    {"relationship", "interpretation", "challenge"}
)
"""MBT moves AnnoMI has no label for: the rule-based reading always decides them."""


def combined_arousal(marker_value: float, learned_value: float) -> float:
    """The higher of the two: arousal cues in the words are never discounted, and the head can
    only raise a turn the lexicon read as calm."""
    return round(max(marker_value, learned_value), 4)


def combined_certainty(marker_value: float, learned_value: float, weight: float = 0.5) -> float:
    """Markers and head averaged; both are 0-1 with 0.5 as neutral."""
    return round(min(1.0, max(0.0, (1 - weight) * marker_value + weight * learned_value)), 4)


def combined_intervention(rule: Intervention, behaviour: str, markers: MarkerSet) -> Intervention:
    """The MBT intervention from the rule-based reading and the AnnoMI behaviour head.

    - relationship, interpretation, challenge: the rules decide (no dataset labels them);
    - advice found by the rules stays advice (a directive phrase is unambiguous);
    - head ``question``: a curious question or a clarification, by the question rules;
    - head ``reflection``: empathic validation (reflecting feeling and meaning back);
    - head ``therapist_input``: advice (giving information or advice is the directive stance);
    - head ``other``: the rule's reading when it saw validation or grounding, else ``other``.
    """
    if rule in MARKER_ONLY_INTERVENTIONS or rule == "advice":
        return rule
    if behaviour == "question":
        return question_kind(markers)
    if behaviour == "reflection":
        return "empathic_validation"
    if behaviour == "therapist_input":
        return "advice"
    return "empathic_validation" if rule == "empathic_validation" else "other"
