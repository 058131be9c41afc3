"""Which of a turn's evidence spans decided what the report shows beside it.

A turn's evidence is every marker hit in it: hedges, mental-state words, absolutist words,
greetings, sequencing words. Marking them all made the transcript wall-to-wall colour, and some
marks contradicted the reading beside them (a therapist's "Let's pause here for a moment,
everyone" drawn as certainty; a patient's "I don't know why I even bother" drawn as a reflective
hedge beside a non-mentalizing mode). A supervisor reads a mark as "this is why", so the report
marks only the spans that decided a reading it shows:

- risk words, always (safety: a risk word is never softened away);
- on a patient turn, the words behind its strain towards the therapist (ruptures); unless it is a
  backchannel, the words behind its arousal figure; and unless a risk flag hides its mode, the
  words that decided the mode: the mode's defining markers, and either the markers the trained
  reader named as pushing towards it (where the reader decided the mode) or those the marker
  rules count towards it. Nothing drawn contradicts the mode: no reflective mark beside a
  non-mentalizing mode, no certainty mark beside mentalizing;
- on a therapist turn, the markers that define its intervention and the other moves the report
  names, and the therapist-move markers the trained reader named where it decided the
  intervention. Greetings and housekeeping decide no MBT move and are never marked, nor are the
  patient-mode families (certainty, hedges, mental-state words) on a therapist's line.

This is display only: the readings, and the evidence in the JSON output, are untouched. A marker
name no registered marker produces is kept, since the report cannot tell what it decided and
hiding evidence silently would be worse.
"""

from __future__ import annotations

from functools import cache

from mentalize.analysis.results import Evidence, TurnAnalysis
from mentalize.language.markers import MARKERS, highlight_of

__all__ = [
    "INTERVENTION_SIGNATURE",
    "MODE_SIGNATURE",
    "MODE_SUPPORT",
    "deciding_evidence",
]

_MENTAL_STATES = frozenset({"cognitive", "affective", "desire", "intention"})
_FOCUS = frozenset({"focus_self", "focus_other", "focus_relationship"})

MODE_SIGNATURE: dict[str, frozenset[str]] = {
    "mentalizing": frozenset({"opacity", "perspective", "change_over_time"}),
    "psychic_equivalence": frozenset({"intent_certainty", "feeling_as_fact", "global_attribution"}),
    "teleological": frozenset({"action_as_proof"}),
    "pretend": frozenset({"jargon"}),
    "concrete": frozenset({"structural_label", "blanking"}),
    "hypermentalizing": frozenset({"intent_certainty"}),
}
"""Markers whose words are what the codebook means by the mode: evidence for it whichever
reader decided it."""

MODE_SUPPORT: dict[str, frozenset[str]] = {
    "mentalizing": MODE_SIGNATURE["mentalizing"]
    | {"hedge", "causal_link"}
    | _MENTAL_STATES
    | _FOCUS,
    "psychic_equivalence": MODE_SIGNATURE["psychic_equivalence"] | {"absolutist", "booster"},
    "teleological": MODE_SIGNATURE["teleological"],
    "pretend": MODE_SIGNATURE["pretend"],
    "concrete": MODE_SIGNATURE["concrete"],
    "hypermentalizing": MODE_SIGNATURE["hypermentalizing"] | {"booster"},
}
"""Markers the marker rules count towards each mode (:mod:`mentalize.analysis.estimates`):
the evidence where the rules, not the trained reader, decided the mode."""

INTERVENTION_SIGNATURE: dict[str, frozenset[str]] = {
    "curious_question": frozenset({"not_knowing", "mental_state_question", "other_mind_question"}),
    "clarification": frozenset({"clarification"}),
    "empathic_validation": frozenset({"validation", "grounding"}),
    "challenge": frozenset({"challenge"}),
    "relationship": frozenset({"therapist_acknowledgement", "relationship"}),
    "interpretation": frozenset({"interpretation", "knowing_reference"}),
    "advice": frozenset({"advice"}),
    "other": frozenset(),
}
"""Markers that name each therapist move (:mod:`mentalize.analysis.interventions`); ``other``
(greetings, scheduling, housekeeping) is no MBT move, so nothing on it is marked."""

_CONTRADICTS = {"mentalizing": "rigid"}
"""The highlight reading a mode's marks may not have; every other mode forbids ``reflective``."""


@cache
def _families() -> dict[str, str]:
    """Marker and evidence names to their family, built once every marker is registered."""
    return {name: spec.family for spec in MARKERS.values() for name in (spec.name, *spec.produces)}


@cache
def _in_family(family: str) -> frozenset[str]:
    return frozenset(name for name, of in _families().items() if of == family)


def deciding_evidence(turn: TurnAnalysis, *, flagged: bool = False) -> tuple[Evidence, ...]:
    """The spans of ``turn.evidence`` that decided a reading the report shows (module docstring).

    ``flagged`` says the report treats the turn as flagged for risk even where ``turn.risk`` does
    not (the transcript row also flags turns whose words a risk flag quoted): the mode is then
    not shown beside it, so neither is its evidence.
    """
    flagged = flagged or turn.risk not in (None, "none")
    if turn.role == "patient":
        keep = _patient_markers(turn, flagged)
    elif turn.role == "therapist":
        keep = _therapist_markers(turn)
    else:
        keep = frozenset()  # no reading is shown beside another speaker's turn
    families = _families()
    return tuple(
        span
        for span in turn.evidence
        if span.marker in keep or span.marker not in families or families[span.marker] == "risk"
    )


def _patient_markers(turn: TurnAnalysis, flagged: bool) -> frozenset[str]:
    """Strain always; arousal unless a backchannel; the mode's evidence where the mode shows."""
    keep = set(_in_family("rupture"))
    if turn.minimal:
        return frozenset(keep)
    keep |= _in_family("arousal")
    if turn.mode is not None and not flagged:
        keep |= _mode_markers(turn.mode, turn)
    return frozenset(keep)


def _mode_markers(mode: str, turn: TurnAnalysis) -> set[str]:
    """The mode's defining markers, and those of whichever reader decided it that fit it."""
    keep = set(MODE_SIGNATURE.get(mode, ()))
    reading = turn.reading
    if reading is not None and reading.mode == mode:
        keep |= set(reading.evidence_for("mode"))
    else:
        keep |= MODE_SUPPORT.get(mode, frozenset())
    forbidden = _CONTRADICTS.get(mode, "reflective")
    return {name for name in keep if highlight_of([name]) != forbidden}


def _therapist_markers(turn: TurnAnalysis) -> frozenset[str]:
    """The markers of the moves the report names for the turn, and the therapist-move markers
    the trained reader named where it decided the intervention; never housekeeping."""
    shown = {m for m in (turn.intervention, *turn.moves) if m is not None and m != "other"}
    keep: set[str] = set()
    for move in shown:
        keep |= INTERVENTION_SIGNATURE.get(move, frozenset())
    reading = turn.reading
    if reading is not None and reading.intervention == turn.intervention and shown:
        keep |= set(reading.evidence_for("intervention")) & _in_family("therapist")
    if turn.intervention == "empathic_validation" and not turn.evidence_for(
        *INTERVENTION_SIGNATURE["empathic_validation"]
    ):
        keep.add("affective")  # a reflection of feeling: the feeling named back is the move
    keep.discard("housekeeping")
    return frozenset(keep)
