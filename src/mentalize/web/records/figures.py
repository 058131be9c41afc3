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
from typing import Any

from mentalize.outputs.figures import session_figures as figures_of
from mentalize.outputs.schema import from_json

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


def session_figures(analysis_json: str) -> dict[str, Any]:
    """The stored analysis read back as the typed result, then
    :func:`mentalize.outputs.figures.session_figures`: the one computation the overview, the
    caseload chart and the export all show."""
    analysis = from_json(analysis_json, source="stored analysis")
    return figures_of(analysis).as_dict()


def figures_json(analysis_json: str) -> str:
    """:func:`session_figures` as the JSON text stored in ``Session.figures_json``."""
    return json.dumps(session_figures(analysis_json), sort_keys=True)
