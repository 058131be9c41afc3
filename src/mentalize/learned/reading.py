"""What the trained MBT reader reads in one turn, as a plain value (no numpy), so the typed
results and every output can carry it without the ``models`` extra installed."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NEUTRAL_VALENCE", "NOT_APPLICABLE", "POLARITIES", "MBTReading"]

POLARITIES = ("self_other", "cognitive_affective", "internal_external", "automatic_controlled")
NOT_APPLICABLE = "not_applicable"
NEUTRAL_VALENCE = 3.0
"""The middle of the 1-5 valence scale: evidence for a reading below it is the markers that
lowered it, at or above it the markers that raised it."""


@dataclass(frozen=True, slots=True)
class MBTReading:
    """The codebook's labels as the reader heads read one turn (``docs/codebook.md``).

    Patient turns fill the patient fields, therapist turns the therapist ones; the rest stay
    ``None``. Numbers keep the codebook's scales (rf_level 0-4, arousal, valence and certainty
    about minds 1-5, spectrum level 1-4) and are ``None`` on a backchannel (mode ``minimal``),
    where the codebook codes them not applicable."""

    mode: str | None = None
    mode_p: float | None = None
    rf_level: float | None = None
    self_other: str | None = None
    cognitive_affective: str | None = None
    internal_external: str | None = None
    automatic_controlled: str | None = None
    arousal: float | None = None
    valence: float | None = None
    certainty_about_minds: float | None = None
    strain: str | None = None
    strain_p: float | None = None
    intervention: str | None = None
    mbt_level: float | None = None
    repair: bool | None = None
    repair_p: float | None = None
    stance: str | None = None
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """For each categorical reading, the marker kinds that pushed it towards its value; for
    rf_level, arousal and certainty about minds, the marker kinds that raised the number."""

    def polarities(self) -> dict[str, str]:
        """The four polarities that apply to this turn, by name."""
        values = {name: getattr(self, name) for name in POLARITIES}
        return {k: v for k, v in values.items() if v is not None and v != NOT_APPLICABLE}

    def evidence_for(self, reading: str) -> tuple[str, ...]:
        return next((markers for name, markers in self.evidence if name == reading), ())
