"""The strips under the timeline panels: the breakdown labels, therapist interventions,
ruptures and repairs, and the risk marks above the arousal panel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from mentalize.analysis.results import SessionAnalysis
from mentalize.report.geometry import (
    AROUSAL_TOP,
    DETAIL_LIMIT,
    EPISODE_LANE_H,
    EPISODE_LANES,
    EPISODE_TOP,
    LEFT,
    RELATIONSHIP_TOP,
    RIGHT,
    STRIP_H,
    THERAPIST_TOP,
    Axis,
    W,
    label_width,
    num,
)
from mentalize.report.palette import (
    BAND_MARK_COLOUR,
    INTERVENTION_COLOURS,
    REPAIR_COLOUR,
    RISK_COLOUR,
    RUPTURE_COLOUR,
)
from mentalize.report.text import INTERVENTION_LABELS, RISK_LABELS, e, label, turn_label

__all__ = ["episode_labels", "place_labels", "relationship_marks", "risk_marks", "therapist_ticks"]

LABEL_GAP = 3.0
"""Clear space between two labels in one lane."""


def place_labels(
    wanted: Sequence[tuple[float, str]], left: float, right: float, lanes: int
) -> list[tuple[float, int, str]]:
    """(centre x, lane, text) for each label that fits, kept inside ``left``-``right``.

    Labels go left to right into the first lane where they clear the one before; a label that
    fits no lane is left out rather than drawn over another (its band keeps its hover title).
    """
    ends = [-float("inf")] * lanes
    placed: list[tuple[float, int, str]] = []
    for x, text in sorted(wanted):
        half = label_width(text) / 2
        centre = min(max(x, left + half), right - half)
        for lane in range(lanes):
            if centre - half >= ends[lane] + LABEL_GAP:
                ends[lane] = centre + half
                placed.append((centre, lane, text))
                break
    return placed


def episode_labels(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    """The strip under the panels naming each breakdown band (B1, B2…), with a bracket showing
    the band's extent, so no label sits on a peak inside the panels."""
    if not analysis.episodes:
        return []
    parts = [f'<text class="sl" x="{num(LEFT - 6)}" y="{num(EPISODE_TOP + 12)}">Breakdowns</text>']
    wanted = []
    for number, ep in enumerate(analysis.episodes, start=1):
        lo, hi = sorted((ep.start_turn, ep.end_turn))
        x0 = axis.x(lo) - axis.slot / 2
        width = max(axis.slot * (hi - lo + 1), 3.0)
        parts.append(
            f'<rect x="{num(x0)}" y="{num(EPISODE_TOP)}" width="{num(width)}" height="3" '
            f'fill="{BAND_MARK_COLOUR}"/>'
        )
        wanted.append((x0 + width / 2, f"B{number}"))
    for centre, lane, text in place_labels(wanted, LEFT, W - RIGHT, EPISODE_LANES):
        y = EPISODE_TOP + 4 + (lane + 1) * EPISODE_LANE_H - 2.5
        parts.append(f'<text class="bl" x="{num(centre)}" y="{num(y)}">{text}</text>')
    return parts


def therapist_ticks(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    """One tick per therapist turn, coloured by intervention; grouped into paths when many."""
    ticks = [
        (t.index, t.intervention or "other", t.speaker)
        for t in analysis.turns
        if t.role == "therapist" and not t.minimal
    ]
    width = max(1.0, min(7.0, axis.slot * 0.7))
    top, height = THERAPIST_TOP + 2, STRIP_H - 4
    parts = [
        f'<text class="sl" x="{num(LEFT - 6)}" y="{num(THERAPIST_TOP + 12)}">Therapist</text>',
        f'<line class="bs" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" '
        f'y1="{num(THERAPIST_TOP + STRIP_H)}" y2="{num(THERAPIST_TOP + STRIP_H)}"/>',
    ]
    if len(ticks) <= DETAIL_LIMIT:
        for index, kind, speaker in ticks:
            colour = INTERVENTION_COLOURS.get(kind, INTERVENTION_COLOURS["other"])
            faint = ' opacity="0.45"' if kind == "other" else ""
            tip = f"{turn_label(index)} · {speaker}: {label(INTERVENTION_LABELS, kind)}"
            parts.append(
                f'<rect x="{num(axis.x(index) - width / 2)}" y="{num(top)}" width="{num(width)}" '
                f'height="{num(height)}" fill="{colour}"{faint}><title>{e(tip)}</title></rect>'
            )
        return parts
    return parts + _tick_bins(ticks, axis, top, height)


def _tick_bins(
    ticks: Sequence[tuple[int, str, str]], axis: Axis, top: float, height: float
) -> list:
    """Too many turns for one tick each: colour each stretch by its most frequent intervention.

    Drawing thousands of overlapping ticks would show only whichever colour was drawn last.
    """
    bins = 250
    per_bin = axis.n / bins
    counts: list[Counter[str]] = [Counter() for _ in range(bins)]
    for index, kind, _ in ticks:
        counts[min(bins - 1, int(index / per_bin))][kind] += 1
    runs: list[list] = []  # [first_bin, last_bin, kind, n_kind, n_all]
    for b, counter in enumerate(counts):
        if not counter:
            continue
        kind, n = counter.most_common(1)[0]
        if runs and runs[-1][2] == kind and runs[-1][1] == b - 1:
            runs[-1][1] = b
            runs[-1][3] += n
            runs[-1][4] += counter.total()
        else:
            runs.append([b, b, kind, n, counter.total()])
    parts = []
    for first, last, kind, n, total in runs:
        x0 = axis.x(first * per_bin) - axis.slot / 2
        x1 = axis.x((last + 1) * per_bin) - axis.slot / 2
        colour = INTERVENTION_COLOURS.get(kind, INTERVENTION_COLOURS["other"])
        lo, hi = int(first * per_bin) + 1, int((last + 1) * per_bin)
        tip = (
            f"Turns {lo}–{hi}: mostly {label(INTERVENTION_LABELS, kind).lower()} "
            f"({n} of {total} therapist turns)"
        )
        parts.append(
            f'<rect x="{num(x0)}" y="{num(top)}" width="{num(max(x1 - x0, 1.0))}" '
            f'height="{num(height)}" fill="{colour}"><title>{e(tip)}</title></rect>'
        )
    return parts


def relationship_marks(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    mid = RELATIONSHIP_TOP + STRIP_H / 2
    parts = [
        f'<text class="sl" x="{num(LEFT - 6)}" y="{num(RELATIONSHIP_TOP + 12)}">'
        "Rupture/repair</text>"
    ]
    for r in analysis.session.ruptures[:2000]:
        x = axis.x(r.turn)
        low = num(mid + 4.5)
        pts = f"{num(x)},{num(mid - 5)} {num(x - 5.5)},{low} {num(x + 5.5)},{low}"
        tip = f"{turn_label(r.turn)} · {r.speaker}: rupture ({r.kind})"
        parts.append(
            f'<polygon points="{pts}" fill="{RUPTURE_COLOUR}"><title>{e(tip)}</title></polygon>'
        )
    for p in analysis.session.repairs[:2000]:
        of = (
            "repair on its own (the therapist owned a misstep)"
            if p.rupture_turn is None
            else f"repair of the rupture at {turn_label(p.rupture_turn).lower()}"
        )
        tip = f"{turn_label(p.turn)}: {of}"
        parts.append(
            f'<circle cx="{num(axis.x(p.turn))}" cy="{num(mid)}" r="4.5" '
            f'fill="{REPAIR_COLOUR}"><title>{e(tip)}</title></circle>'
        )
    return parts


def risk_marks(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    """Risk turns get a red mark above the arousal panel: risk is never averaged away."""
    parts = []
    for f in analysis.session.risk_flags[:2000]:
        x = axis.x(f.turn)
        y = AROUSAL_TOP - 3
        tip = f"{turn_label(f.turn)} · {f.speaker}: {label(RISK_LABELS, f.risk)}"
        pts = f"{num(x)},{num(y)} {num(x - 4.5)},{num(y - 6)} {num(x + 4.5)},{num(y - 6)}"
        parts.append(
            f'<polygon points="{pts}" fill="{RISK_COLOUR}"><title>{e(tip)}</title></polygon>'
        )
    return parts
