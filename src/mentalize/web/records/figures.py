"""The few numbers the overview and the caseload chart from one session's analysis.

They are drawn from the ``mentalize.session/1`` JSON once, when the analysis is stored, and kept
beside it (encrypted like it) as a small JSON object. The caseload counts alerts over every
session of every patient on each visit; parsing each full analysis there took seconds for a
year's caseload (20 patients x 50 sessions of 400 turns: about 4 s per view), the stored figures
take milliseconds.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from mentalize.language.risk import SEVERITIES

__all__ = ["figures_json", "finite_number", "session_figures"]


def finite_number(value: Any) -> float | None:
    """A finite float, or None (NaN, strings and missing values are not drawn as 0)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _finite(values: list[Any]) -> list[float]:
    return [v for v in map(finite_number, values) if v is not None]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def session_figures(analysis_json: str) -> dict[str, Any]:
    """Means over the patient series, the session's calibration and stance, and risk flags.

    The series hold every readable patient turn (backchannels such as "Mm." are left out by the
    analyser); in a group session all patients' turns are pooled into one mean. Risk flags are
    counted by kind, with the highest rung of each: no risk words are kept.
    """
    data = json.loads(analysis_json)
    mentalizing: list[float] = []
    arousal: list[float] = []
    turns = 0
    for series in data.get("series", []):
        turns += len(series.get("turns", []))
        mentalizing.extend(_finite(series.get("mentalizing", [])))
        arousal.extend(_finite(series.get("arousal", [])))
    found = data.get("session", {})
    flags = found.get("risk_flags", [])
    kinds = Counter(str(f.get("risk", "")) for f in flags)
    return {
        "mentalizing": _mean(mentalizing),
        "arousal": _mean(arousal),
        "calibration": finite_number(found.get("calibration")),
        "stance": finite_number(found.get("stance")),
        "patient_turns": turns,
        "risk_kinds": dict(sorted(kinds.items())),
        "risk_rungs": highest_rungs(flags),
    }


def highest_rungs(flags: list[dict[str, Any]]) -> dict[str, str]:
    """Per kind of risk, the highest rung flagged in the session (Columbia ladder for ideation;
    urge or act; thoughts, intent or act), so the overview says how far it went without words."""
    best: dict[str, str] = {}
    for flag in flags:
        kind, rung = str(flag.get("risk", "")), str(flag.get("severity", "unspecified"))
        ladder = SEVERITIES.get(kind, ())
        if rung not in ladder:
            continue
        if kind not in best or ladder.index(rung) > ladder.index(best[kind]):
            best[kind] = rung
    return dict(sorted(best.items()))


def figures_json(analysis_json: str) -> str:
    """:func:`session_figures` as the JSON text stored in ``Session.figures_json``."""
    return json.dumps(session_figures(analysis_json), sort_keys=True)
