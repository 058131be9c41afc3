"""Colours shared by the chart, its legend and the chips, so a colour means one thing throughout.

Restrained and distinguishable in print; risk and rupture share the one strong red.
"""

from __future__ import annotations

from mentalize.analysis.results import SessionAnalysis

__all__ = [
    "BAND_MARK_COLOUR",
    "INTERVENTION_COLOURS",
    "PATIENT_COLOURS",
    "REPAIR_COLOUR",
    "RISK_COLOUR",
    "RUPTURE_COLOUR",
    "patient_colours",
]

PATIENT_COLOURS: tuple[str, ...] = (
    "#2f5d8a",
    "#b3661b",
    "#3f7f4f",
    "#7a4f9a",
    "#a33d5b",
    "#2f8a8a",
    "#6b6b2f",
    "#5c5c5c",
)
INTERVENTION_COLOURS: dict[str, str] = {
    "curious_question": "#2f7f9a",
    "empathic_validation": "#4f9a5a",
    "clarification": "#8fb3cf",
    "challenge": "#d19a2a",
    "relationship": "#7a5aa6",
    "interpretation": "#c0504d",
    "advice": "#8a3b2f",
    "other": "#c9c9c9",
}
RUPTURE_COLOUR = "#b3261e"
REPAIR_COLOUR = "#2e7d4f"
RISK_COLOUR = "#b3261e"
BAND_MARK_COLOUR = "#d9b35f"
"""The bracket under a breakdown band, a shade darker than the band so it shows in print."""


def patient_colours(analysis: SessionAnalysis) -> dict[str, str]:
    """One colour per plotted patient, in series order, shared by chart and legend."""
    return {
        s.speaker: PATIENT_COLOURS[i % len(PATIENT_COLOURS)] for i, s in enumerate(analysis.series)
    }
