"""The session timeline as one inline SVG, drawn in Python so the report needs no script or CDN.

Two stacked panels share the turn axis: arousal on top, mentalizing below, so the MBT pattern
(arousal up, mentalizing down) reads as lines moving apart. Breakdown episodes are bands across
both panels; strips underneath carry therapist interventions, ruptures and repairs. Long sessions
are downsampled (min/max per bucket keeps peaks) so the file stays small at 10,000 turns.
"""

from __future__ import annotations

from collections.abc import Sequence

from mentalize.analysis.results import SessionAnalysis
from mentalize.report.geometry import (
    AROUSAL_TOP,
    AXIS_Y,
    DETAIL_LIMIT,
    LEFT,
    MAX_LINE_POINTS,
    MENTALIZING_TOP,
    PANEL_H,
    PLOT_W,
    RIGHT,
    Axis,
    H,
    W,
    finite,
    n_turns,
    nice_step,
    num,
    y_of,
)
from mentalize.report.palette import patient_colours
from mentalize.report.strips import relationship_marks, risk_marks, therapist_ticks
from mentalize.report.text import MODE_SHORT, e, fmt, label, turn_label

__all__ = ["downsample", "timeline_svg"]


def downsample(points: Sequence[tuple[int, float]], limit: int = MAX_LINE_POINTS) -> list:
    """At most ``limit`` points, keeping each bucket's minimum and maximum in turn order.

    Plain striding would drop exactly the spikes a clinician looks for; min/max keeps them.
    """
    if len(points) <= limit:
        return list(points)
    buckets = max(1, limit // 2)
    size = len(points) / buckets
    out: list[tuple[int, float]] = []
    for b in range(buckets):
        chunk = points[int(b * size) : int((b + 1) * size)]
        if not chunk:
            continue
        low = min(chunk, key=lambda p: p[1])
        high = max(chunk, key=lambda p: p[1])
        out.extend(sorted({low, high}))
    return out


def _panel(title: str, top: float) -> list[str]:
    parts = [
        f'<text class="pt" x="{num(LEFT)}" y="{num(top - 9)}">{e(title)}</text>',
        f'<rect class="pf" x="{num(LEFT)}" y="{num(top)}" width="{num(PLOT_W)}" '
        f'height="{num(PANEL_H)}"/>',
    ]
    for v in (0.0, 0.5, 1.0):
        y = y_of(v, top)
        parts.append(
            f'<line class="gl" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" y1="{num(y)}" y2="{num(y)}"/>'
        )
        parts.append(f'<text class="yl" x="{num(LEFT - 6)}" y="{num(y + 4)}">{v:.1f}</text>')
    return parts


def _series(analysis: SessionAnalysis, axis: Axis, colours: dict[str, str]) -> list[str]:
    parts: list[str] = []
    by_index = {t.index: t for t in analysis.turns}
    for s in analysis.series:
        colour = colours[s.speaker]
        for top, raw, smooth, name in (
            (AROUSAL_TOP, s.arousal, s.arousal_smoothed, "arousal"),
            (MENTALIZING_TOP, s.mentalizing, s.mentalizing_smoothed, "mentalizing"),
        ):
            dots = downsample(finite(s.turns, raw))
            if len(dots) <= DETAIL_LIMIT:
                for t, v in dots:
                    turn = by_index.get(t)
                    mode = f", {label(MODE_SHORT, turn.mode)}" if turn and turn.mode else ""
                    tip = f"{turn_label(t)} · {s.speaker}: {name} {fmt(v)}{mode}"
                    parts.append(
                        f'<circle class="dt" cx="{num(axis.x(t))}" cy="{num(y_of(v, top))}" '
                        f'r="2.4" fill="{colour}"><title>{e(tip)}</title></circle>'
                    )
            elif dots:
                d = "".join(f"M{num(axis.x(t))} {num(y_of(v, top))}h0" for t, v in dots)
                parts.append(f'<path class="dp" stroke="{colour}" d="{d}"/>')
            line = downsample(finite(s.turns, smooth))
            if len(line) == 1:
                t, v = line[0]
                parts.append(
                    f'<circle cx="{num(axis.x(t))}" cy="{num(y_of(v, top))}" r="3.2" '
                    f'fill="{colour}"/>'
                )
            elif line:
                pts = " ".join(f"{num(axis.x(t))},{num(y_of(v, top))}" for t, v in line)
                parts.append(
                    f'<polyline class="ln" stroke="{colour}" points="{pts}">'
                    f"<title>{e(s.speaker)}: smoothed {name}</title></polyline>"
                )
    return parts


def _bands(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    parts: list[str] = []
    for number, ep in enumerate(analysis.episodes, start=1):
        lo, hi = sorted((ep.start_turn, ep.end_turn))
        x0 = axis.x(lo) - axis.slot / 2
        width = max(axis.slot * (hi - lo + 1), 3.0)
        tip = f"Breakdown {number}: {turn_label(lo).lower()}–{hi + 1}, {ep.speaker}"
        parts.append(
            f'<rect class="bd" x="{num(x0)}" y="{num(AROUSAL_TOP)}" width="{num(width)}" '
            f'height="{num(MENTALIZING_TOP + PANEL_H - AROUSAL_TOP)}">'
            f"<title>{e(tip)}</title></rect>"
        )
        if len(analysis.episodes) <= 60:
            parts.append(
                f'<text class="bl" x="{num(x0 + width / 2)}" y="{num(AROUSAL_TOP + 11)}">'
                f"B{number}</text>"
            )
    return parts


def _x_axis(axis: Axis) -> list[str]:
    step = nice_step(axis.n)
    parts = [
        f'<line class="ax" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" y1="{num(AXIS_Y)}" '
        f'y2="{num(AXIS_Y)}"/>'
    ]
    # 1, 3, 5... for small steps (1 and 2 would collide); 1, 5, 10... or 1, 10, 20... above.
    numbers = list(range(1, axis.n + 1, step)) if step <= 2 else [1, *range(step, axis.n + 1, step)]
    for number in sorted(set(numbers)):
        x = axis.x(number - 1)
        parts.append(
            f'<line class="ax" x1="{num(x)}" x2="{num(x)}" y1="{num(AXIS_Y)}" '
            f'y2="{num(AXIS_Y + 4)}"/>'
        )
        parts.append(f'<text class="xl" x="{num(x)}" y="{num(AXIS_Y + 16)}">{number}</text>')
    parts.append(
        f'<text class="xt" x="{num(LEFT + PLOT_W / 2)}" y="{num(AXIS_Y + 31)}">'
        "Turn (1 = first turn of the session)</text>"
    )
    return parts


def timeline_svg(analysis: SessionAnalysis) -> str:
    """The whole timeline as an ``<svg>`` string; complete and readable without JavaScript."""
    axis = Axis(n_turns(analysis))
    colours = patient_colours(analysis)
    parts = [
        f'<svg class="timeline" id="timeline" viewBox="0 0 {num(W)} {num(H)}" role="img" '
        'aria-labelledby="timeline-title">',
        '<title id="timeline-title">Arousal and mentalizing across the session, with breakdown '
        "episodes, therapist interventions, ruptures and repairs</title>",
        *_panel("Arousal  (0 calm – 1 overwhelmed)", AROUSAL_TOP),
        *_panel("Mentalizing  (0 absent – 1 reflective)", MENTALIZING_TOP),
        *_bands(analysis, axis),
        *_series(analysis, axis, colours),
        *risk_marks(analysis, axis),
        *therapist_ticks(analysis, axis),
        *relationship_marks(analysis, axis),
        *_x_axis(axis),
    ]
    if not analysis.series:
        message = (
            "No patient turns to plot"
            if not analysis.patient_turns
            else ("No readable patient turns to plot")
        )
        for top in (AROUSAL_TOP, MENTALIZING_TOP):
            parts.append(
                f'<text class="em" x="{num(LEFT + PLOT_W / 2)}" '
                f'y="{num(top + PANEL_H / 2 + 4)}">{message}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
