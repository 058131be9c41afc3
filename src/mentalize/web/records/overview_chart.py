"""The patient overview as one inline SVG, drawn on the server: no script, no library, no CDN.

Panels stacked on **one date axis** (so a spike in arousal, a PHQ-9 rise and a crisis contact in
the same week line up): patient mentalizing and arousal per session; therapist calibration and
stance per session; risk flags per session; one panel per questionnaire; outcome events, whose
dates also run as dashed lines through every panel. Reliable change is marked by shape *and* a
letter (B baseline, D deterioration, I improvement, R recovered), never by colour alone, so the
chart reads in greyscale print. Every mark has a ``<title>`` with its date and value.

Layout numbers follow :mod:`mentalize.report.geometry` (same 1000-unit viewBox and margins) and
colours :mod:`mentalize.report.palette`, so the overview looks like the session report.
Only numbers, dates and instrument and event names are drawn: no clinical free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mentalize.report.geometry import LEFT, PLOT_W, RIGHT, W
from mentalize.report.palette import PATIENT_COLOURS, REPAIR_COLOUR, RISK_COLOUR
from mentalize.report.svg import mark, num, value_y
from mentalize.report.text import e
from mentalize.web.records.overview import Overview, ScoreSeries

__all__ = ["EVENT_CODES", "overview_svg"]

PANEL_H = 110.0
SCORE_H = 96.0
GAP = 44.0  # room for a panel's title line above it
STRIP_H = 22.0
TOP = 30.0

MENTALIZING, AROUSAL = PATIENT_COLOURS[0], PATIENT_COLOURS[1]
CALIBRATION, STANCE = PATIENT_COLOURS[2], PATIENT_COLOURS[3]
SCALE_COLOURS = (PATIENT_COLOURS[0], PATIENT_COLOURS[1])
WORSE, BETTER, EVENT = RISK_COLOUR, REPAIR_COLOUR, "#5c2a6e"

EVENT_CODES = {
    "self_harm": "SH",
    "suicide_attempt": "SA",
    "hospitalisation": "H",
    "crisis_contact": "C",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHANGE_MARK = {
    "deteriorated": ("D", "reliable deterioration from the first administration"),
    "improved": ("I", "reliable improvement from the first administration"),
    "recovered": ("R", "recovered: reliable improvement and out of the clinical range"),
    "unchanged": ("", "no reliable change from the first administration"),
}

_STYLE = (
    "<style>"
    ".ov text{font:12px system-ui,sans-serif;fill:#1f2a33}"
    ".ov .pt{font-size:13.5px;font-weight:600}"
    ".ov .yl{text-anchor:end;fill:#5b6b77;font-size:11px}"
    ".ov .xl{text-anchor:middle;fill:#5b6b77;font-size:11.5px}"
    ".ov .lg{font-size:11.5px;fill:#3b4a55}"
    ".ov .nt{font-size:11px;fill:#5b6b77;font-style:italic}"
    ".ov .cm{font-size:10.5px;font-weight:700;text-anchor:middle}"
    ".ov .pf{fill:#fbfcfd;stroke:#d8e0e6}"
    ".ov .gl{stroke:#e7edf1}"
    ".ov .ax{stroke:#8796a0}"
    ".ov .ln{fill:none;stroke-width:1.8}"
    ".ov .dash{stroke-dasharray:5 3}"
    ".ov .rb{fill:#e9eef2}"
    ".ov .co{stroke:#8796a0;stroke-dasharray:2 3}"
    f".ov .ev{{stroke:{EVENT};stroke-width:1;stroke-dasharray:3 3;opacity:.7}}"
    ".ov .em{text-anchor:middle;fill:#5b6b77;font-style:italic}"
    "</style>"
)


class DateAxis:
    """Date -> x over the whole treatment, padded so the first and last marks are not cut."""

    def __init__(self, dates: Sequence[date]) -> None:
        first, last = min(dates), max(dates)
        span = (last - first).days
        pad = max(3, round(span * 0.03)) if span else 14
        self.start = first - timedelta(days=pad)
        self.end = last + timedelta(days=pad)
        self.days = max(1, (self.end - self.start).days)

    def x(self, when: date) -> float:
        return LEFT + PLOT_W * (when - self.start).days / self.days

    def ticks(self) -> list[tuple[date, str]]:
        """Weekly ticks for a few weeks, monthly up to about 15 months, quarterly beyond."""
        if self.days <= 70:
            out, day = [], self.start + timedelta(days=1)
            while day <= self.end:
                out.append((day, f"{day.day} {_MONTHS[day.month - 1]}"))
                day += timedelta(days=7)
            return out
        step = 1 if self.days <= 460 else 3
        year, month = self.start.year, self.start.month
        out = []
        while True:
            month += 1
            if month > 12:
                year, month = year + 1, 1
            day = date(year, month, 1)
            if day > self.end:
                return out
            if (month - 1) % step == 0:
                name = _MONTHS[month - 1]
                out.append((day, f"{name} {year}" if month == 1 or not out else name))


@dataclass
class _Canvas:
    axis: DateAxis
    parts: list[str]
    y: float = TOP

    def add(self, *items: str) -> None:
        self.parts.extend(items)


def _legend(canvas: _Canvas, top: float, items: Sequence[tuple[str, str, str, bool]]) -> None:
    """Right-aligned key on the panel's title line: (shape, colour, label, dashed)."""
    x = W - RIGHT
    for shape, colour, text, dashed in reversed(items):
        x -= 6.6 * len(text) + 4
        canvas.add(f'<text class="lg" x="{num(x)}" y="{num(top - 9)}">{e(text)}</text>')
        x -= 28
        dash = " dash" if dashed else ""
        if shape != "none":
            canvas.add(
                f'<line class="ln{dash}" stroke="{colour}" x1="{num(x)}" x2="{num(x + 22)}" '
                f'y1="{num(top - 13)}" y2="{num(top - 13)}"/>',
                mark(shape, x + 11, top - 13, colour, text),
            )
        x -= 14


def _frame(
    canvas: _Canvas, title: str, height: float, lo: float, hi: float, ticks: Sequence[float]
) -> float:
    top = canvas.y + GAP
    canvas.add(
        f'<text class="pt" x="{num(LEFT)}" y="{num(top - 9)}">{e(title)}</text>',
        f'<rect class="pf" x="{num(LEFT)}" y="{num(top)}" width="{num(PLOT_W)}" '
        f'height="{num(height)}"/>',
    )
    for v in ticks:
        y = value_y(v, top, height, lo, hi)
        canvas.add(
            f'<line class="gl" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" y1="{num(y)}" '
            f'y2="{num(y)}"/>',
            f'<text class="yl" x="{num(LEFT - 6)}" y="{num(y + 3.5)}">{_short(v)}</text>',
        )
    canvas.y = top + height
    return top


def _short(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _line(
    canvas: _Canvas,
    points: Sequence[tuple[date, float | None, str]],
    top: float,
    height: float,
    lo: float,
    hi: float,
    colour: str,
    shape: str,
    dashed: bool,
) -> None:
    """A polyline through consecutive readings (broken where a session has none) and a mark at
    each reading, with its tooltip."""
    run: list[str] = []
    runs: list[list[str]] = []
    for when, value, _tip in points:
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{num(canvas.axis.x(when))},{num(value_y(value, top, height, lo, hi))}")
    if run:
        runs.append(run)
    dash = " dash" if dashed else ""
    for r in runs:
        if len(r) > 1:
            canvas.add(f'<polyline class="ln{dash}" stroke="{colour}" points="{" ".join(r)}"/>')
    for when, value, tip in points:
        if value is not None and shape != "none":
            x, y = canvas.axis.x(when), value_y(value, top, height, lo, hi)
            canvas.add(mark(shape, x, y, colour, tip))


def _empty(canvas: _Canvas, top: float, height: float, message: str) -> None:
    canvas.add(
        f'<text class="em" x="{num(LEFT + PLOT_W / 2)}" y="{num(top + height / 2 + 4)}">'
        f"{e(message)}</text>"
    )


def _fmt2(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def _session_panels(canvas: _Canvas, overview: Overview) -> None:
    sessions = overview.sessions
    unit = (0.0, 0.5, 1.0)
    top = _frame(
        canvas, "Patient mentalizing and arousal · mean per session (0–1)", PANEL_H, 0, 1, unit
    )
    _legend(
        canvas,
        top,
        [("circle", MENTALIZING, "mentalizing", False), ("square", AROUSAL, "arousal", True)],
    )
    if not sessions:
        _empty(canvas, top, PANEL_H, "No sessions yet")
    for name, attr, colour, shape, dashed in (
        ("mentalizing", "mentalizing", MENTALIZING, "circle", False),
        ("arousal", "arousal", AROUSAL, "square", True),
    ):
        pts = [
            (
                s.date,
                getattr(s, attr),
                f"Session {s.date:%Y-%m-%d}: mean patient {name} {_fmt2(getattr(s, attr))}",
            )
            for s in sessions
        ]
        _line(canvas, pts, top, PANEL_H, 0, 1, colour, shape, dashed)

    top = _frame(
        canvas, "Therapist calibration and MBT stance · per session (0–1)", PANEL_H, 0, 1, unit
    )
    _legend(
        canvas,
        top,
        [("diamond", CALIBRATION, "calibration", False), ("up", STANCE, "stance", True)],
    )
    if not sessions:
        _empty(canvas, top, PANEL_H, "No sessions yet")
    for name, colour, shape, dashed in (
        ("calibration", CALIBRATION, "diamond", False),
        ("stance", STANCE, "up", True),
    ):
        pts = [
            (
                s.date,
                getattr(s, name),
                f"Session {s.date:%Y-%m-%d}: {name} {_fmt2(getattr(s, name))}",
            )
            for s in sessions
        ]
        _line(canvas, pts, top, PANEL_H, 0, 1, colour, shape, dashed)

    top = canvas.y + GAP - 14
    canvas.add(
        f'<text class="pt" x="{num(LEFT)}" y="{num(top - 7)}">Risk language flagged by the '
        "analysis · flags per session</text>",
        f'<rect class="pf" x="{num(LEFT)}" y="{num(top)}" width="{num(PLOT_W)}" '
        f'height="{num(STRIP_H)}"/>',
    )
    flagged = [s for s in sessions if s.risk_flags]
    if sessions and not flagged:
        canvas.add(
            f'<text class="nt" x="{num(LEFT + 8)}" y="{num(top + 15)}">None in any session</text>'
        )
    for s in flagged:
        x = canvas.axis.x(s.date)
        tip = f"Session {s.date:%Y-%m-%d}: {s.risk_flags} risk flag(s)"
        canvas.add(
            f"<g><title>{e(tip)}</title>"
            f'<line stroke="{RISK_COLOUR}" stroke-width="1.5" x1="{num(x)}" x2="{num(x)}" '
            f'y1="{num(top + 4)}" y2="{num(top + 18)}"/>'
            f'<polygon fill="{RISK_COLOUR}" points="{num(x)},{num(top + 4)} {num(x + 9)},'
            f'{num(top + 7.5)} {num(x)},{num(top + 11)}"/>'
            f'<text x="{num(x + 11)}" y="{num(top + 16)}" fill="{RISK_COLOUR}" '
            f'style="font-weight:700">{s.risk_flags}</text></g>'
        )
    canvas.y = top + STRIP_H


def _score_ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    step = next(s for s in (0.5, 1, 2, 5, 10, 20) if span / s <= 6)
    out, v = [], lo
    while v <= hi + 1e-9:
        out.append(v)
        v += step
    return out


def _questionnaire_panel(canvas: _Canvas, scales: Sequence[ScoreSeries]) -> None:
    first = scales[0]
    lo, hi = first.minimum, first.maximum
    names = " and ".join(_scale_name(x) for x in scales)
    if not names.startswith(first.short_title):
        names = f"{first.short_title} · {names}"
    title = f"{names} ({_short(lo)}–{_short(hi)})"
    top = _frame(canvas, title, SCORE_H, lo, hi, _score_ticks(lo, hi))
    if first.change_available:
        _legend(
            canvas,
            top,
            [
                ("circle", "#1f2a33", "B first (baseline)", False),
                ("up", WORSE, "D reliably worse", False),
                ("down", BETTER, "I/R reliably better", False),
                ("ring", "#5b6b77", "no reliable change", False),
            ],
        )
        _change_panel(canvas, first, top, lo, hi)
        return
    shapes = ("circle", "square", "diamond", "up")
    _legend(
        canvas,
        top,
        [
            (shapes[i % 4], SCALE_COLOURS[i % 2], _scale_name(x), i % 2 == 1)
            for i, x in enumerate(scales)
        ],
    )
    for i, x in enumerate(scales):
        pts = [
            (p.date, p.value, f"{x.short_title} {x.scale} {p.date:%Y-%m-%d}: {p.value:.2f}")
            for p in x.points
        ]
        _line(canvas, pts, top, SCORE_H, lo, hi, SCALE_COLOURS[i % 2], shapes[i % 4], i % 2 == 1)
    canvas.add(
        f'<text class="nt" x="{num(LEFT + 8)}" y="{num(top + 14)}">Reliable change not '
        f"classified: the engine has no published parameters for the {e(first.short_title)}."
        "</text>"
    )


def _scale_name(x: ScoreSeries) -> str:
    """``RFQ_c (certainty about mental states)`` -> ``RFQ_c``; ``PHQ-9 total`` stays."""
    return x.label.split(" (")[0]


def _change_panel(canvas: _Canvas, x: ScoreSeries, top: float, lo: float, hi: float) -> None:
    """Baseline band (first score ± the reliable-change criterion), the clinical cut-off, and
    each later score marked by its classification against the baseline."""
    base = x.baseline.value
    if x.criterion is not None:
        y_hi = value_y(base + x.criterion, top, SCORE_H, lo, hi)
        y_lo = value_y(base - x.criterion, top, SCORE_H, lo, hi)
        canvas.add(
            f'<rect class="rb" x="{num(LEFT)}" y="{num(y_hi)}" width="{num(PLOT_W)}" '
            f'height="{num(y_lo - y_hi)}"><title>{e(_band_tip(x))}</title></rect>',
            f'<text class="nt" x="{num(W - RIGHT - 6)}" y="{num(max(y_hi, top) + 11)}" '
            f'style="text-anchor:end">band: first score ± {_short(x.criterion)}, '
            "no reliable change</text>",
        )
    if x.cutoff is not None and lo <= x.cutoff <= hi:
        y = value_y(x.cutoff, top, SCORE_H, lo, hi)
        canvas.add(
            f'<line class="co" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" y1="{num(y)}" '
            f'y2="{num(y)}"/>',
            f'<text class="nt" x="{num(W - RIGHT - 6)}" y="{num(y + 13)}" '
            f'style="text-anchor:end">{e(x.cutoff_label or "cut-off")} {_short(x.cutoff)}</text>',
        )
    pts = [(p.date, p.value, "") for p in x.points]
    _line(canvas, pts, top, SCORE_H, lo, hi, "#5b6b77", "none", False)
    for n, p in enumerate(x.points):
        px, py = canvas.axis.x(p.date), value_y(p.value, top, SCORE_H, lo, hi)
        if n == 0:
            letter, shape, colour = "B", "circle", "#1f2a33"
            what = "first administration (baseline)"
        else:
            letter, what = _CHANGE_MARK.get(p.classification or "", ("", "change not classified"))
            shape, colour = {
                "D": ("up", WORSE),
                "I": ("down", BETTER),
                "R": ("down", BETTER),
            }.get(letter, ("circle", "#5b6b77"))
        change = "" if p.change is None else f" ({'+' if p.change > 0 else ''}{_short(p.change)})"
        tip = f"{x.short_title} {x.scale} {p.date:%Y-%m-%d}: {_short(p.value)}{change}, {what}"
        if p.flags:
            tip += "; a critical item was answered at or above its threshold"
            canvas.add(
                f'<circle cx="{num(px)}" cy="{num(py)}" r="8" fill="none" '
                f'stroke="{RISK_COLOUR}" stroke-width="1.5"><title>{e(tip)}</title></circle>'
            )
        canvas.add(mark(shape, px, py, colour, tip, filled=bool(letter)))
        if letter:
            ly = py - 9 if py - 9 > top + 8 else py + 17
            canvas.add(
                f'<text class="cm" x="{num(px)}" y="{num(ly)}" fill="{colour}" '
                f'style="fill:{colour}">{letter}</text>'
            )


def _band_tip(x: ScoreSeries) -> str:
    return (
        f"Within {_short(x.criterion or 0)} points of the first {x.short_title} "
        f"({_short(x.baseline.value)}): no reliable change by the published criterion"
    )


def _lanes(xs: Sequence[float], half: float = 10.0) -> list[int]:
    """A lane per mark so that marks closer than their width stack instead of overlapping."""
    edges: list[float] = []
    out = []
    for x in xs:
        lane = next((i for i, edge in enumerate(edges) if x - half > edge), len(edges))
        if lane == len(edges):
            edges.append(0.0)
        edges[lane] = x + half
        out.append(lane)
    return out


def _events(canvas: _Canvas, overview: Overview, first_top: float) -> None:
    top = canvas.y + GAP - 14
    xs = [canvas.axis.x(o.date) for o in overview.outcomes]
    lanes = _lanes(xs)
    height = max(STRIP_H, 4 + 18 * (max(lanes) + 1)) if lanes else STRIP_H
    keys = " · ".join(f"{code} {_EVENT_WORDS[k]}" for k, code in EVENT_CODES.items())
    canvas.add(
        f'<text class="pt" x="{num(LEFT)}" y="{num(top - 7)}" id="events">Outcome events</text>',
        f'<text class="lg" x="{num(W - RIGHT)}" y="{num(top - 7)}" style="text-anchor:end">'
        f"{e(keys)}</text>",
        f'<rect class="pf" x="{num(LEFT)}" y="{num(top)}" width="{num(PLOT_W)}" '
        f'height="{num(height)}"/>',
    )
    if not overview.outcomes:
        canvas.add(f'<text class="nt" x="{num(LEFT + 8)}" y="{num(top + 15)}">None recorded</text>')
    for o, x, lane in zip(overview.outcomes, xs, lanes, strict=True):
        y = top + 3 + 18 * lane
        canvas.add(
            f'<line class="ev" x1="{num(x)}" x2="{num(x)}" y1="{num(first_top)}" y2="{num(y)}"/>',
            f"<g><title>{e(o.label)} on {o.date:%Y-%m-%d}</title>"
            f'<rect x="{num(x - 10)}" y="{num(y)}" width="20" height="16" rx="3" '
            f'fill="{EVENT}"/>'
            f'<text class="cm" x="{num(x)}" y="{num(y + 11.5)}" style="fill:#fff">'
            f"{EVENT_CODES.get(o.kind, '?')}</text></g>",
        )
    canvas.y = top + height


_EVENT_WORDS = {
    "self_harm": "self-harm",
    "suicide_attempt": "suicide attempt",
    "hospitalisation": "hospitalisation",
    "crisis_contact": "crisis contact",
}


def _x_axis(canvas: _Canvas) -> None:
    y = canvas.y + 8
    canvas.add(
        f'<line class="ax" x1="{num(LEFT)}" x2="{num(W - RIGHT)}" y1="{num(y)}" y2="{num(y)}"/>'
    )
    for when, text in canvas.axis.ticks():
        x = canvas.axis.x(when)
        canvas.add(
            f'<line class="ax" x1="{num(x)}" x2="{num(x)}" y1="{num(y)}" y2="{num(y + 4)}"/>',
            f'<text class="xl" x="{num(x)}" y="{num(y + 16)}">{e(text)}</text>',
        )
    canvas.y = y + 24


def overview_svg(overview: Overview) -> str | None:
    """The whole overview as an ``<svg>`` string, or ``None`` when there is nothing dated yet."""
    dates = overview.dates()
    if not dates:
        return None
    canvas = _Canvas(DateAxis(dates), [])
    canvas.y = TOP - GAP + 8
    first_top = canvas.y + GAP
    _session_panels(canvas, overview)
    groups: dict[str, list[ScoreSeries]] = {}
    for x in overview.series:
        groups.setdefault(x.instrument, []).append(x)
    for scales in groups.values():
        _questionnaire_panel(canvas, scales)
    _events(canvas, overview, first_top)
    _x_axis(canvas)
    height = canvas.y + 4
    summary = (
        f"{len(overview.sessions)} sessions, "
        f"{sum(len(x.points) for x in overview.series)} questionnaire scores and "
        f"{len(overview.outcomes)} outcome events from {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}"
    )
    head = (
        f'<svg class="ov" viewBox="0 0 {num(W)} {num(height)}" role="img" '
        'aria-labelledby="ov-title ov-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="ov-title">Treatment overview on one time axis: session readings, '
        "questionnaire scores with reliable change, and outcome events</title>"
        f'<desc id="ov-desc">{e(summary)}. The tables below the chart give every value.</desc>'
        + _STYLE
    )
    return head + "".join(canvas.parts) + "</svg>"
