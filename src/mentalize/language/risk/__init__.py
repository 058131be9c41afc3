"""Risk language: who is at risk, what kind, how severe, when, and whether it is asserted.

Tuned for recall: every asserted mention is surfaced for a clinician to review in context, and a
mention that is not flagged (denied, asked, about someone else, an idiom, harm-reduction talk) is
kept with the reason, so the reader sees what was found and why it was not flagged. Concepts are
data (``lexicons/risk_readings.toml`` and ``lexicons/risk.toml``); :mod:`.scope` judges each hit;
:func:`read_risk` gives the readings of one text. Context across turns (a reply to a safety
question) is the session layer's job (:mod:`mentalize.analysis.risk`).
"""

from __future__ import annotations

from mentalize.language.risk.reading import read_risk
from mentalize.language.risk.types import (
    RISK_KINDS,
    SEVERITIES,
    RiskAssertion,
    RiskKind,
    RiskReading,
    RiskSeverity,
    RiskTemporal,
)
from mentalize.language.spans import Span
from mentalize.language.text import TextView

RISK_MARKERS = {
    "risk_ideation": "ideation",
    "risk_self_harm": "self_harm",
    "risk_harm_to_others": "harm_to_others",
}
_MARKER_OF = {kind: marker for marker, kind in RISK_MARKERS.items()}
_KIND_ORDER = ("ideation", "self_harm", "harm_to_others")

__all__ = [
    "RISK_KINDS",
    "RISK_MARKERS",
    "SEVERITIES",
    "RiskAssertion",
    "RiskKind",
    "RiskReading",
    "RiskSeverity",
    "RiskTemporal",
    "classify_risk",
    "find_risk",
    "read_risk",
    "strongest",
]


def find_risk(view: TextView) -> list[Span]:
    """Evidence spans for the markers layer: ``risk_*`` for asserted mentions, ``risk_negated``
    for denied or asked ones (kept visible), ``risk_reported`` for someone else's risk or
    medical talk. Idioms give no span."""
    spans: list[Span] = []
    for reading in read_risk(view):
        words = [s for s in reading.evidence if s.marker == "risk"]
        if reading.flagged:
            marker = _MARKER_OF[reading.risk]
        elif reading.asserted in ("negated", "questioned"):
            marker = "risk_negated"
        elif reading.asserted in ("reported", "other"):
            marker = "risk_reported"
        else:
            continue
        spans.extend(Span(marker, s.start, s.end) for s in words)
    return spans


def strongest(readings: tuple[RiskReading, ...] | list[RiskReading]) -> RiskReading | None:
    """The flagged reading that leads: ideation before self-harm before harm to others, then the
    highest rung, then the current over history."""
    flagged = [r for r in readings if r.flagged]
    if not flagged:
        return None
    return min(
        flagged,
        key=lambda r: (_KIND_ORDER.index(r.risk), -r.rank, r.temporal != "current"),
    )


def classify_risk(spans: list[Span]) -> str:
    """The most severe asserted kind among marker spans (ideation and self-harm before harm to
    others); kept for callers that hold only spans."""
    found = {RISK_MARKERS[s.marker] for s in spans if s.marker in RISK_MARKERS}
    for risk in _KIND_ORDER:
        if risk in found:
            return risk
    return "none"
