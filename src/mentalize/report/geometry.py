"""Where things go in the timeline SVG: fixed layout in viewBox units and the turn axis.

A fixed 1000-unit-wide viewBox scales to any screen; the numbers here are the whole layout, so
the chart and its strips stay aligned because they read the same constants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mentalize.analysis.results import SessionAnalysis
from mentalize.report.svg import nice_step, num, value_y

__all__ = [
    "AROUSAL_TOP",
    "AXIS_Y",
    "DETAIL_LIMIT",
    "EPISODE_H",
    "EPISODE_LANES",
    "EPISODE_LANE_H",
    "EPISODE_TOP",
    "LABEL_CHAR_W",
    "LABEL_PAD",
    "LEFT",
    "MAX_LINE_POINTS",
    "MENTALIZING_TOP",
    "PANEL_H",
    "PLOT_W",
    "RELATIONSHIP_TOP",
    "RIGHT",
    "STRIP_H",
    "THERAPIST_TOP",
    "TITLE_GAP",
    "Axis",
    "H",
    "W",
    "finite",
    "label_width",
    "n_turns",
    "nice_step",
    "num",
    "y_of",
]

MAX_LINE_POINTS = 1500
DETAIL_LIMIT = 400  # up to this many marks, each gets its own element with a hover title

W = 1000.0
LEFT, RIGHT = 86.0, 22.0
PLOT_W = W - LEFT - RIGHT
TITLE_GAP = 14.0
"""Panel titles sit this far above their panel: clear of the risk marks just above arousal."""
AROUSAL_TOP, PANEL_H = 34.0, 130.0
MENTALIZING_TOP = AROUSAL_TOP + PANEL_H + 34.0
EPISODE_TOP = MENTALIZING_TOP + PANEL_H + 8.0
"""The strip under the panels that names the breakdown bands (B1, B2…): a label drawn inside a
panel sits on the very peaks a band marks."""
EPISODE_LANE_H = 13.0
EPISODE_LANES = 2
EPISODE_H = 4.0 + EPISODE_LANES * EPISODE_LANE_H
THERAPIST_TOP = EPISODE_TOP + EPISODE_H + 6.0
STRIP_H = 16.0
RELATIONSHIP_TOP = THERAPIST_TOP + STRIP_H + 8.0
AXIS_Y = RELATIONSHIP_TOP + STRIP_H + 6.0
H = AXIS_Y + 34.0
LABEL_CHAR_W = 7.0
"""Width a character of a strip label may take (10.5 px semibold, generously), for placing
labels so that none overlaps another."""
LABEL_PAD = 2.0


def n_turns(analysis: SessionAnalysis) -> int:
    """Width of the turn axis: the largest index anything refers to, so nothing falls off."""
    indices = [t.index for t in analysis.turns]
    for s in analysis.series:
        indices.extend(s.turns)
    for ep in analysis.episodes:
        indices.extend((ep.start_turn, ep.end_turn, *ep.response_turns))
    indices.extend(r.turn for r in analysis.session.ruptures)
    indices.extend(r.turn for r in analysis.session.repairs)
    indices.extend(f.turn for f in analysis.session.risk_flags)
    valid = [i for i in indices if isinstance(i, int) and i >= 0]
    return max(max(valid, default=0) + 1, len(analysis.turns), 1)


class Axis:
    """Turn index -> x: each turn owns an equal slot and sits in its middle (works for 1 turn)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.slot = PLOT_W / n

    def x(self, index: float) -> float:
        return LEFT + (index + 0.5) * self.slot


def y_of(value: float, top: float) -> float:
    """A 0-1 value inside the panel starting at ``top``; out-of-range values are clamped."""
    return value_y(value, top, PANEL_H)


def finite(turns: Sequence[int], values: Sequence[float]) -> list[tuple[int, float]]:
    """(turn, value) pairs with anything non-numeric or non-finite dropped, not drawn as 0."""
    out = []
    for t, v in zip(turns, values, strict=False):
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append((int(t), f))
    return out


def label_width(text: str) -> float:
    """The room a strip label takes, padding included (see :data:`LABEL_CHAR_W`)."""
    return LABEL_CHAR_W * len(text) + 2 * LABEL_PAD
