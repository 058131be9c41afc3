"""Per-turn analysis: markers in, a :class:`TurnAnalysis` out.

Values describe the turn alone; smoothing belongs to the session series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mentalize.analysis import estimates, interventions
from mentalize.analysis.results import Intervention, MBTReading, Mode, Risk, TurnAnalysis
from mentalize.language import MarkerSet, read_markers
from mentalize.language.risk import RiskReading, strongest
from mentalize.language.spans import Span
from mentalize.transcript import Role, Turn

if TYPE_CHECKING:
    from mentalize.learned.layer import LearnedTurn

_HIDDEN_EVIDENCE = frozenset({"question"})
"""Whole-sentence spans that would swamp a highlighted transcript; counted, not shown."""
THERAPIST_MARKERS = frozenset(
    {
        "housekeeping",
        "validation",
        "grounding",
        "clarification",
        "challenge",
        "therapist_acknowledgement",
        "interpretation",
        "knowing_reference",
        "advice",
        "not_knowing",
        "mental_state_question",
        "other_mind_question",
    }
)
"""Markers of therapist moves: shown as evidence on therapist turns only. On a patient turn
("have a seat", "let's pause") they explain no reading and swamp the highlighting."""
PATIENT_MARKERS = frozenset({"rupture_confrontation", "rupture_withdrawal", "sarcasm"})
"""Markers of patient strain towards the therapist: shown on patient turns only."""


def learned_risk(learned: LearnedTurn) -> RiskReading:
    """A flag from the risk reader, where the risk words flagged nothing. The rules keep the
    final say over the words they found (a denial, someone else's risk, an idiom): the reader's
    flag never rests on a sentence holding them, only adds what the words missed, and says so."""
    span = learned.risk_span
    evidence = (Span("risk", span[0], span[1]),) if span is not None else ()
    return RiskReading(
        risk=learned.risk,  # type: ignore[arg-type]
        severity="unspecified",
        temporal="current",
        asserted="asserted",
        evidence=evidence,
        reason=(
            f"read by the learned risk reader (probability {learned.risk_p:.2f}); no risk words "
            "matched these sentences, so read them as a whole"
        ),
    )


def _read_by_reader(
    reading: MBTReading, mode: Mode | None, intervention: Intervention | None
) -> tuple[Mode | None, Intervention | None]:
    """Mode and intervention from the trained reader where it read them. On the corpus's dev
    split the reader's mode scored macro-F1 0.53 against 0.29 for the marker rules and its
    intervention 0.54 against 0.42 for rules plus the AnnoMI behaviour head (docs/validation.md);
    a backchannel (``minimal``) keeps the rules' mode."""
    if mode is not None and reading.mode is not None and reading.mode != "minimal":
        mode = reading.mode  # type: ignore[assignment]
    if intervention is not None and reading.intervention is not None:
        intervention = reading.intervention  # type: ignore[assignment]
    return mode, intervention


def analyze_turn(
    index: int,
    turn: Turn,
    role: Role,
    markers: MarkerSet | None = None,
    learned: LearnedTurn | None = None,
) -> tuple[TurnAnalysis, MarkerSet]:
    """Read one turn; the marker set is returned too so session rules can reuse it.

    With a ``learned`` reading, arousal and certainty combine markers and heads
    (:mod:`mentalize.analysis.combine`), mode and intervention come from the trained MBT reader
    (:mod:`mentalize.learned.reader`), and the reader's other labels ride along in ``reading``;
    the mentalizing score, focus and risk stay marker-based, so evidence spans explain them.
    """
    if markers is None:
        markers = read_markers(turn.text)
    minimal = estimates.is_minimal(markers)
    mentalizing = estimates.mentalizing(markers)
    certainty = estimates.certainty(markers)
    arousal = estimates.arousal(markers)
    intervention = interventions.classify(markers) if role == "therapist" else None
    if learned is not None:
        from mentalize.analysis import combine

        arousal = combine.combined_arousal(arousal, learned.arousal)
        certainty = combine.combined_certainty(certainty, learned.certainty)
        if intervention is not None:
            intervention = combine.combined_intervention(intervention, learned.behaviour, markers)
    spans = [s for s in markers.spans if s.marker not in _HIDDEN_EVIDENCE]
    risk: Risk = "none"
    risk_detail = markers.risk
    if role == "therapist":
        spans = [
            s for s in spans if not s.marker.startswith("risk_") and s.marker not in PATIENT_MARKERS
        ]
        risk_detail = ()
    else:
        if role == "patient":
            spans = [s for s in spans if s.marker not in THERAPIST_MARKERS]
        if learned is not None and learned.risk != "none":
            # The learned layer applies the gates (the rules flagged nothing; the speaker's own
            # sentences, none holding words the rules read); what the rules read stays beside.
            risk_detail = (*risk_detail, learned_risk(learned))
        lead = strongest(risk_detail)
        risk = lead.risk if lead is not None else "none"
    reading = learned.reading if learned is not None else None
    mode = estimates.mode(markers, mentalizing) if role == "patient" else None
    if reading is not None:
        mode, intervention = _read_by_reader(reading, mode, intervention)
    analysis = TurnAnalysis(
        index=index,
        speaker=turn.speaker,
        role=role,
        text=turn.text,
        start=turn.start,
        arousal=arousal,
        certainty=certainty,
        mentalizing=mentalizing,
        focus=estimates.focus(markers),
        risk=risk,
        risk_detail=risk_detail,
        mode=mode,
        intervention=intervention,
        evidence=tuple(spans),
        minimal=minimal,
        moves=interventions.moves(markers, intervention) if intervention is not None else (),
        reading=reading,
    )
    return analysis, markers
