"""The few numbers that stand for one session wherever sessions are listed side by side: the
clinic's overview, its caseload chart and its CSV export.

One function from the typed :class:`SessionAnalysis`, so two screens can never compute "the
patient's mentalizing" two ways again (the overview once averaged the readable series, the export
every patient turn, backchannels included: 0.58 against 0.25 for one session).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mentalize.analysis.results import ReadingProfile, RiskFlag, SessionAnalysis, leading_pole
from mentalize.language.risk import SEVERITIES

__all__ = ["SessionFigures", "highest_rungs", "reader_balance", "session_figures"]


@dataclass(frozen=True, slots=True)
class SessionFigures:
    """Means over the patients' readable turns (the session series, which leave backchannels
    such as "Mm." out; a group's patients are pooled), the session's calibration and stance, and
    its risk flags by kind with the highest rung of each. No words are kept."""

    mentalizing: float | None
    arousal: float | None
    calibration: float | None
    stance: float | None
    patient_turns: int
    risk_kinds: dict[str, int]
    risk_rungs: dict[str, str]
    hyper_share: float | None = None
    """Share of the patients' readable turns the trained reader read as hypermentalizing."""
    hypo_share: float | None = None
    """Share read as concrete or teleological (hypomentalizing; includes factual answers)."""
    leanings: dict[str, str] = field(default_factory=dict)
    """Per polarity, the pole most of the patients' turns sat at (trained reader)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite(values: tuple[float, ...] | list[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def highest_rungs(flags: tuple[RiskFlag, ...]) -> dict[str, str]:
    """Per kind of risk, the highest rung flagged (Columbia ladder for ideation; urge or act;
    thoughts, intent or act), so a list of sessions says how far it went without any words."""
    best: dict[str, str] = {}
    for flag in flags:
        ladder = SEVERITIES.get(flag.risk, ())
        if flag.severity not in ladder:
            continue
        if flag.risk not in best or ladder.index(flag.severity) > ladder.index(best[flag.risk]):
            best[flag.risk] = flag.severity
    return dict(sorted(best.items()))


def session_figures(analysis: SessionAnalysis) -> SessionFigures:
    mentalizing: list[float] = []
    arousal: list[float] = []
    turns = 0
    for series in analysis.series:
        turns += len(series.turns)
        mentalizing.extend(_finite(series.mentalizing))
        arousal.extend(_finite(series.arousal))
    found = analysis.session
    kinds = Counter(str(flag.risk) for flag in found.risk_flags)
    return SessionFigures(
        mentalizing=_mean(mentalizing),
        arousal=_mean(arousal),
        calibration=_finite_or_none(found.calibration),
        stance=_finite_or_none(found.stance),
        patient_turns=turns,
        risk_kinds=dict(sorted(kinds.items())),
        risk_rungs=highest_rungs(found.risk_flags),
        **_reader_figures(analysis),
    )


def reader_balance(profiles: Sequence[ReadingProfile]) -> tuple[float | None, float | None]:
    """Shares of all the patients' readable turns read as hyper- and as hypomentalizing
    (``None`` on markers alone, when no profile was read)."""
    turns = sum(p.turns for p in profiles)
    if not turns:
        return None, None
    return (
        round(sum(p.hyper for p in profiles) / turns, 3),
        round(sum(p.hypo for p in profiles) / turns, 3),
    )


def _reader_figures(analysis: SessionAnalysis) -> dict[str, Any]:
    """The trained reader's balance and polarity leanings, pooled over the patients; nothing
    when the session was read on markers alone."""
    profiles = analysis.session.profiles
    hyper, hypo = reader_balance(profiles)
    if hyper is None:
        return {}
    pooled: dict[str, Counter[str]] = {}
    for profile in profiles:
        for polarity, counts in profile.polarities.items():
            pooled.setdefault(polarity, Counter()).update(counts)
    return {
        "hyper_share": hyper,
        "hypo_share": hypo,
        "leanings": {k: lean for k, c in pooled.items() if (lean := leading_pole(c))},
    }
