"""Per-patient reading profiles: the polarities and the hyper/hypo balance of a session.

MBT describes a person's mentalizing by where it sits on four polarities (self-other,
cognitive-affective, internal-external, automatic-controlled) and by whether it fails through
too little mentalizing or too much (Bateman & Fonagy 2016). The trained reader reads each pole
turn by turn; this module counts them per patient, so a group session names the member.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from mentalize.analysis.results import ReadingProfile, TurnAnalysis
from mentalize.learned.reading import POLARITIES

HYPO_MODES = frozenset({"concrete", "teleological"})


def reading_profiles(turns: Sequence[TurnAnalysis]) -> tuple[ReadingProfile, ...]:
    """One profile per patient with at least one readable turn the reader read, in order of
    first appearance."""
    by_speaker: dict[str, list[TurnAnalysis]] = {}
    for turn in turns:
        reading = turn.reading
        readable = turn.role == "patient" and not turn.minimal
        if readable and reading is not None and reading.mode not in (None, "minimal"):
            by_speaker.setdefault(turn.speaker, []).append(turn)
    return tuple(_profile(speaker, read) for speaker, read in by_speaker.items())


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None


def _profile(speaker: str, turns: Sequence[TurnAnalysis]) -> ReadingProfile:
    readings = [t.reading for t in turns if t.reading is not None]
    poles = {
        name: dict(Counter(pole for r in readings if (pole := r.polarities().get(name))))
        for name in POLARITIES
    }
    return ReadingProfile(
        speaker=speaker,
        turns=len(turns),
        polarities=poles,
        hyper=sum(1 for t in turns if t.mode == "hypermentalizing"),
        hypo=sum(1 for t in turns if t.mode in HYPO_MODES),
        rf_level=_mean([r.rf_level for r in readings]),
        valence=_mean([r.valence for r in readings]),
    )
