"""The few numbers the overview and the caseload chart from one session's analysis.

They are drawn from the ``mentalize.session/1`` JSON once, when the analysis is stored, and kept
beside it (encrypted like it) as a small JSON object. The caseload counts alerts over every
session of every patient on each visit; parsing each full analysis there took seconds for a
year's caseload (20 patients x 50 sessions of 400 turns: about 4 s per view), the stored figures
take milliseconds.

They hold numbers and fixed names only, never words from the session: the caseload, the overview
and the session page show them to everyone who reads the patient, and decrypt nothing else. The
risk flags are kept per flag as well (:func:`risk_turns`: the turn, the kind, the rung and when),
so the session page can link each one to its turn in the report without reading the analysis.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mentalize.analysis.results import RISKS, SessionAnalysis
from mentalize.language.risk import SEVERITIES
from mentalize.outputs.figures import session_figures as figures_of
from mentalize.outputs.labels import RISK_TEMPORAL_LABELS
from mentalize.outputs.schema import from_json

__all__ = ["figures_json", "finite_number", "risk_turns", "session_figures"]

# Every value a per-flag entry may hold, fixed by the analyser's own vocabularies: anything else
# (a stored analysis from another version, say) is stored as "other", "unspecified" or "" rather
# than copied, and the flag is still listed: a flag is never dropped.
_KINDS = frozenset(RISKS) - {"none"}
_RUNGS = frozenset(rung for ladder in SEVERITIES.values() for rung in ladder) | {"unspecified"}
_WHEN = frozenset(RISK_TEMPORAL_LABELS)


def finite_number(value: Any) -> float | None:
    """A finite float, or None (NaN, strings and missing values are not drawn as 0)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def session_figures(analysis_json: str) -> dict[str, Any]:
    """The stored analysis read back as the typed result, then
    :func:`mentalize.outputs.figures.session_figures`: the one computation the overview, the
    caseload chart and the export all show, with the session page's :func:`risk_turns`."""
    analysis = from_json(analysis_json, source="stored analysis")
    return {**figures_of(analysis).as_dict(), "risk_turns": risk_turns(analysis)}


def risk_turns(analysis: SessionAnalysis) -> list[dict[str, Any]]:
    """One entry per risk flag, in the report's order: ``turn`` (1-based, as the report's
    "Turn N" and its ``turn-N`` anchor count), ``kind``, ``rung`` and ``when``.

    No words, speaker names or reasons are kept: the figures are shown more widely than the
    report, and the flagged words are one click away in it."""
    return [
        {
            "turn": flag.turn + 1,
            "kind": flag.risk if flag.risk in _KINDS else "other",
            "rung": flag.severity if flag.severity in _RUNGS else "unspecified",
            "when": flag.temporal if flag.temporal in _WHEN else "",
        }
        for flag in analysis.session.risk_flags
    ]


def figures_json(analysis_json: str) -> str:
    """:func:`session_figures` as the JSON text stored in ``Session.figures_json``."""
    return json.dumps(session_figures(analysis_json), sort_keys=True)
