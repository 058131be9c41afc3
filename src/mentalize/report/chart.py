"""The session timeline as one inline SVG, drawn in Python so the report needs no script or CDN.

Two stacked panels share the turn axis: arousal on top, mentalizing below, so the MBT pattern
(arousal up, mentalizing down) reads as lines moving apart. Each patient's line is smoothed over
their own turns only within a stretch where they kept speaking, and a member of a group who
spoke a few times is shown as points, so no line claims a course through turns nobody observed.
Breakdown episodes are bands across both panels, named in a strip beneath; further strips carry
therapist interventions, ruptures and repairs. Long sessions are downsampled (min/max per bucket
keeps peaks) so the file stays small at 10,000 turns.
"""

from __future__ import annotations

from collections.abc import Sequence

from mentalize.analysis.results import Series, SessionAnalysis, TurnAnalysis
from mentalize.analysis.series import smooth
from mentalize.outputs.labels import band
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
    TITLE_GAP,
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
from mentalize.report.strips import (
    episode_labels,
    relationship_marks,
    risk_marks,
    therapist_ticks,
)
from mentalize.report.text import MODE_SHORT, e, fmt, label, turn_label

__all__ = ["LINE_GAP", "MIN_LINE_TURNS", "as_points", "downsample", "stretches", "timeline_svg"]

MIN_LINE_TURNS = 5
"""A member with fewer readable turns than this is drawn as points, not a smoothed line."""
LINE_GAP = 6
"""A member's line breaks where two of their readable turns are more than this many turns apart
(six or more turns between them by others, or too short to read): a line across the gap would
draw a course through turns they did not speak."""


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
        f'<text class="pt" x="{num(LEFT)}" y="{num(top - TITLE_GAP)}">{e(title)}</text>',
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


def as_points(series: Series) -> bool:
    """Whether a member's readings are drawn as points only: a smoothed line through a few turns
    spread over a session suggests a course nobody observed."""
    return len(finite(series.turns, series.mentalizing)) < MIN_LINE_TURNS


def stretches(points: Sequence[tuple[int, float]], gap: int = LINE_GAP) -> list[list]:
    """Runs of a member's readings with no more than ``gap`` turns between neighbours: the line
    breaks where they did not speak for longer, instead of bridging the silence."""
    runs: list[list[tuple[int, float]]] = []
    for point in points:
        if runs and point[0] - runs[-1][-1][0] <= gap:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _tip(analysis_turn: TurnAnalysis | None, t: int, speaker: str, name: str, v: float) -> str:
    mode = (
        f", mode: {label(MODE_SHORT, analysis_turn.mode).lower()}"
        if analysis_turn is not None and analysis_turn.mode
        else ""
    )
    return f"{turn_label(t)} · {speaker}: {name} {fmt(v)} — {band(name, v)}{mode}"


def _line(runs: list[list], top: float, axis: Axis, colour: str, title: str) -> list[str]:
    """Each run smoothed on its own (1-2-1, as the analysis smooths) and drawn as one line; a run
    of one reading is a dot. Long runs are downsampled in proportion to their length."""
    total = sum(len(r) for r in runs) or 1
    parts: list[str] = []
    for run in runs:
        if len(run) == 1:
            t, v = run[0]
            parts.append(
                f'<circle cx="{num(axis.x(t))}" cy="{num(y_of(v, top))}" r="3.2" '
                f'fill="{colour}"><title>{e(title)}</title></circle>'
            )
            continue
        smoothed = smooth([v for _, v in run])
        limit = max(2, MAX_LINE_POINTS * len(run) // total)
        line = downsample(list(zip((t for t, _ in run), smoothed, strict=True)), limit)
        pts = " ".join(f"{num(axis.x(t))},{num(y_of(v, top))}" for t, v in line)
        parts.append(
            f'<polyline class="ln" stroke="{colour}" points="{pts}">'
            f"<title>{e(title)}</title></polyline>"
        )
    return parts


def _series(analysis: SessionAnalysis, axis: Axis, colours: dict[str, str]) -> list[str]:
    parts: list[str] = []
    by_index = {t.index: t for t in analysis.turns}
    for s in analysis.series:
        colour = colours[s.speaker]
        points_only = as_points(s)
        for top, raw, name in (
            (AROUSAL_TOP, s.arousal, "arousal"),
            (MENTALIZING_TOP, s.mentalizing, "mentalizing"),
        ):
            readings = finite(s.turns, raw)
            if points_only:
                # Few readings: each one solid, with a white rim so it stays legible on a band.
                for t, v in readings:
                    tip = _tip(by_index.get(t), t, s.speaker, name, v)
                    parts.append(
                        f'<circle class="pm" cx="{num(axis.x(t))}" cy="{num(y_of(v, top))}" '
                        f'r="3.8" fill="{colour}" stroke="#fff" stroke-width="1.2">'
                        f"<title>{e(tip)}</title></circle>"
                    )
                continue
            dots = downsample(readings)
            if len(dots) <= DETAIL_LIMIT:
                for t, v in dots:
                    tip = _tip(by_index.get(t), t, s.speaker, name, v)
                    parts.append(
                        f'<circle class="dt" cx="{num(axis.x(t))}" cy="{num(y_of(v, top))}" '
                        f'r="2.4" fill="{colour}"><title>{e(tip)}</title></circle>'
                    )
            elif dots:
                d = "".join(f"M{num(axis.x(t))} {num(y_of(v, top))}h0" for t, v in dots)
                parts.append(f'<path class="dp" stroke="{colour}" d="{d}"/>')
            title = f"{s.speaker}: smoothed {name}"
            parts.extend(_line(stretches(readings), top, axis, colour, title))
    return parts


def _bands(analysis: SessionAnalysis, axis: Axis) -> list[str]:
    """A shaded band across both panels per breakdown; its label (B1…) is in the strip below
    (:func:`mentalize.report.strips.episode_labels`), never on the peaks it marks."""
    parts: list[str] = []
    for number, ep in enumerate(analysis.episodes, start=1):
        lo, hi = sorted((ep.start_turn, ep.end_turn))
        x0 = axis.x(lo) - axis.slot / 2
        width = max(axis.slot * (hi - lo + 1), 3.0)
        tip = f"Breakdown {number}: {turn_label(lo).lower()}–{hi + 1}, {ep.speaker}"
        # One band per panel, not one across the gap, so the mentalizing title stays clear.
        for top in (AROUSAL_TOP, MENTALIZING_TOP):
            parts.append(
                f'<rect class="bd" x="{num(x0)}" y="{num(top)}" width="{num(width)}" '
                f'height="{num(PANEL_H)}"><title>{e(tip)}</title></rect>'
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
        *episode_labels(analysis, axis),
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
