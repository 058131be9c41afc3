"""The patient overview as one inline SVG, drawn on the server: no script, no library, no CDN.

Panels stacked on **one date axis** (so a spike in arousal, a PHQ-9 rise and a crisis contact in
the same week line up): patient mentalizing and arousal per session; therapist calibration and
stance per session; risk flags per session; one panel per questionnaire; outcome events, whose
dates also run as dashed lines through every panel. Reliable change is marked by shape *and* a
letter (B baseline, D deterioration, I improvement, R recovered), never by colour alone, so the
chart reads in greyscale print. Every mark has a ``<title>`` with its date and value.

Sizes are chosen for the smallest place the chart is read, a printed A4 page: the viewBox is
800 units wide (narrower than the session report's 1000, which fills a window of its own), so
at the about 718 px of an A4 page's width 12-unit text prints at about 11 px and every data
panel (:data:`PANEL_H`) is at least :data:`MIN_PANEL_PX` px tall; the whole chart still fits one
page with all three questionnaires. Keys sit in each panel's header, above its plot area, and
event lines are drawn inside the plot areas only, so nothing runs through a key. Colours come
from :mod:`mentalize.report.palette` and marks from :mod:`mentalize.report.svg`, so the
overview looks like the session report. Only numbers, dates and instrument and event names are
drawn: no clinical free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from mentalize.report.palette import PATIENT_COLOURS, REPAIR_COLOUR, RISK_COLOUR
from mentalize.report.svg import line, mark, num, rect, text, value_y
from mentalize.report.text import e
from mentalize.web.records.overview import Overview, ScoreSeries
from mentalize.web.records.overview_axis import DateAxis

__all__ = [
    "EVENT_CODES",
    "MIN_PANEL_PX",
    "PANEL_H",
    "PRINT_WIDTH_PX",
    "W",
    "overview_svg",
    "text_width",
]

W = 800.0
LEFT, RIGHT = 50.0, 14.0
PLOT_W = W - LEFT - RIGHT
PANEL_H = 136.0
"""Height of every data panel, in viewBox units."""
PRINT_WIDTH_PX = 718
"""An A4 page's width less Chrome's default 1 cm margins, at 96 px to the inch: the narrowest
the chart is drawn (the print style takes the card's padding away)."""
MIN_PANEL_PX = 120
"""No data panel is drawn shorter than this, in print included (136 x 718 / 800 = 122)."""
STRIP_H = 24.0
GAP = 14.0  # between the bottom of one panel and the next panel's header
LINE_H = 17.0  # one line of a panel's header (title, key, note)
TOP = 4.0

MENTALIZING, AROUSAL = PATIENT_COLOURS[0], PATIENT_COLOURS[1]
CALIBRATION, STANCE = PATIENT_COLOURS[2], PATIENT_COLOURS[3]
SCALE_COLOURS = (PATIENT_COLOURS[0], PATIENT_COLOURS[1])
WORSE, BETTER, EVENT, INK, GREY = RISK_COLOUR, REPAIR_COLOUR, "#5c2a6e", "#1f2a33", "#5b6b77"

EVENT_CODES = {
    "self_harm": "SH",
    "suicide_attempt": "SA",
    "hospitalisation": "H",
    "crisis_contact": "C",
}
_EVENT_WORDS = {
    "self_harm": "self-harm",
    "suicide_attempt": "suicide attempt",
    "hospitalisation": "hospitalisation",
    "crisis_contact": "crisis contact",
}
_CHANGE_MARK = {
    "deteriorated": ("D", "reliable deterioration from the first administration"),
    "improved": ("I", "reliable improvement from the first administration"),
    "recovered": ("R", "recovered: reliable improvement and out of the clinical range"),
    "unchanged": ("", "no reliable change from the first administration"),
}

# Advance of a character in ems, by kind, for laying out titles and keys: about DejaVu Sans's,
# one of the widest fonts a browser falls back to, so the estimates err towards more room (the
# browser test measures the real boxes).
_EM_UPPER, _EM_DIGIT, _EM_LOWER, _EM_SPACE = 0.72, 0.64, 0.6, 0.32
_KEY_PX, _TITLE_PX, _ASIDE_PX = 11.5, 13.5 * 1.08, 11.0  # the title is bold
_SWATCH = 30.0  # a key item's swatch and the space after it
_KEY_SPACE = 16.0  # between key items

_STYLE = (
    "<style>"
    ".ov text{font:12px system-ui,sans-serif;fill:#1f2a33}"
    ".ov .pt{font-size:13.5px;font-weight:600}"
    ".ov .yl{text-anchor:end;fill:#5b6b77;font-size:11px}"
    ".ov .xm,.ov .xy,.ov .xd{text-anchor:middle;fill:#3b4a55;font-size:11.5px}"
    ".ov .xy{font-weight:600}"
    ".ov .xd{fill:#5b6b77;font-size:10px}"
    ".ov .lg{font-size:11.5px;fill:#3b4a55}"
    ".ov .lgb{fill:none;stroke:none}"
    ".ov .nt{font-size:11px;fill:#5b6b77;font-style:italic;font-weight:400}"
    ".ov .cm{font-size:10.5px;font-weight:700;text-anchor:middle}"
    ".ov .pf{fill:#fbfcfd;stroke:#d8e0e6}"
    ".ov .gl{stroke:#e7edf1}"
    ".ov .mg{stroke:#eef2f5}"
    ".ov .ax{stroke:#8796a0}"
    ".ov .ln{fill:none;stroke-width:1.8}"
    ".ov .dash{stroke-dasharray:5 3}"
    ".ov .rb{fill:#e9eef2}"
    ".ov .co{stroke:#8796a0;stroke-dasharray:2 3}"
    f".ov .ev{{stroke:{EVENT};stroke-width:1.2;stroke-dasharray:3 3;opacity:.75}}"
    ".ov .em{text-anchor:middle;fill:#5b6b77;font-style:italic}"
    "</style>"
)


@dataclass(frozen=True)
class KeyItem:
    """One entry of a panel's key. ``swatch``: ``line`` (a line with the mark), ``dashed``,
    ``mark`` (the mark alone), ``band``, ``cutoff`` or ``code`` (an event's boxed code)."""

    swatch: str
    colour: str
    label: str
    shape: str = "circle"
    code: str = ""

    @property
    def width(self) -> float:
        return _SWATCH + text_width(self.label, _KEY_PX)


@dataclass
class _Canvas:
    """The chart being drawn, in two layers: ``back`` (plot areas, grids, bands and, added last,
    the event lines over them) under ``parts`` (marks, labels, keys); and where each plot area
    is, for the event lines."""

    axis: DateAxis
    back: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    plots: list[tuple[float, float]] = field(default_factory=list)
    y: float = TOP

    def add(self, *items: str) -> None:
        self.parts.extend(items)


def text_width(words: str, size: float) -> float:
    """About how wide ``words`` are at ``size`` px, in viewBox units (generously)."""
    ems = sum(
        _EM_UPPER
        if c.isupper()
        else _EM_DIGIT
        if c.isdigit()
        else _EM_SPACE
        if c == " "
        else _EM_LOWER
        for c in words
    )
    return ems * size


def _short(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _fmt2(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def _key_rows(items: Sequence[KeyItem], first_row_room: float) -> list[list[KeyItem]]:
    """The key's items in rows: all on the title's line when they fit beside it, else in as
    few left-aligned rows under the title as the plot's width allows."""
    total = sum(i.width for i in items) + _KEY_SPACE * (len(items) - 1)
    if total <= first_row_room:
        return [list(items)]
    rows: list[list[KeyItem]] = [[]]
    used = 0.0
    for item in items:
        need = item.width + (_KEY_SPACE if rows[-1] else 0)
        if rows[-1] and used + need > PLOT_W:
            rows.append([])
            used, need = 0.0, item.width
        rows[-1].append(item)
        used += need
    return [[], *rows]  # the first row (the title's) is left to the title


def _swatch(item: KeyItem, x: float, y: float) -> list[str]:
    """The swatch of a key item, 22 units wide from ``x``, centred on ``y``."""
    if item.swatch == "band":
        return [rect(x, y - 5, 22, 10, class_="rb")]
    if item.swatch == "cutoff":
        return [line(x, y, x + 22, y, class_="co")]
    if item.swatch == "code":
        return [
            rect(x + 1, y - 8, 20, 16, rx=3, fill=EVENT),
            text(x + 11, y + 3.5, item.code, class_="cm", style="fill:#fff"),
        ]
    out = []
    if item.swatch in ("line", "dashed"):
        dash = " dash" if item.swatch == "dashed" else ""
        out.append(line(x, y, x + 22, y, class_=f"ln{dash}", stroke=item.colour))
    filled = item.shape != "ring"
    out.append(mark(item.shape, x + 11, y, item.colour, item.label, filled=filled))
    return out


def _key(canvas: _Canvas, rows: list[list[KeyItem]], first_baseline: float) -> None:
    """Draw the key, right-aligned on the title's line or left-aligned under it, inside one
    ``<g class="key">`` with an invisible box (``lgb``) over all of it, which the tests read."""
    parts: list[str] = []
    lo_x, hi_x = W, 0.0
    baseline = first_baseline
    for n, row in enumerate(rows):
        if n:
            baseline += LINE_H
        if not row:
            continue
        width = sum(i.width for i in row) + _KEY_SPACE * (len(row) - 1)
        x = W - RIGHT - width if n == 0 else LEFT
        lo_x, hi_x = min(lo_x, x), max(hi_x, x + width)
        for item in row:
            parts.extend(_swatch(item, x, baseline - 4))
            parts.append(text(x + _SWATCH, baseline, item.label, class_="lg"))
            x += item.width + _KEY_SPACE
    if not parts:
        return
    top = first_baseline - 13 + (LINE_H if not rows[0] else 0)
    box = rect(lo_x, top, hi_x - lo_x, baseline + 5 - top, class_="lgb")
    canvas.add('<g class="key">', box, *parts, "</g>")


def _header(
    canvas: _Canvas,
    title: str,
    key: Sequence[KeyItem] = (),
    aside: str = "",
    anchor: str = "",
) -> float:
    """A panel's title (with an ``aside`` in small italics after it) and its key, above the
    plot area; returns the plot area's top."""
    baseline = canvas.y + GAP + 13
    anchor_attr = f' id="{e(anchor)}"' if anchor else ""
    aside_span = f'<tspan class="nt" dx="10">{e(aside)}</tspan>' if aside else ""
    canvas.add(
        f'<text class="pt" x="{num(LEFT)}" y="{num(baseline)}"{anchor_attr}>'
        f"{e(title)}{aside_span}</text>"
    )
    used = text_width(title, _TITLE_PX) + (10 + text_width(aside, _ASIDE_PX) if aside else 0)
    rows = _key_rows(key, PLOT_W - used - 24) if key else [[]]
    _key(canvas, rows, baseline)
    return baseline + LINE_H * (len(rows) - 1) + 8


def _frame(
    canvas: _Canvas,
    top: float,
    height: float,
    lo: float = 0,
    hi: float = 1,
    ticks: Sequence[float] = (),
) -> None:
    """A plot area with its horizontal grid and values, and a faint line at each month's start
    (so a mark can be read against the month labels below)."""
    canvas.back.append(rect(LEFT, top, PLOT_W, height, class_="pf"))
    for band in canvas.axis.months()[1:]:
        canvas.back.append(line(band.left, top, band.left, top + height, class_="mg"))
    for v in ticks:
        y = value_y(v, top, height, lo, hi)
        canvas.back.append(line(LEFT, y, W - RIGHT, y, class_="gl"))
        canvas.add(text(LEFT - 6, y + 3.5, _short(v), class_="yl"))
    canvas.plots.append((top, height))
    canvas.y = top + height


def _line(
    canvas: _Canvas,
    points: Sequence[tuple[date, float | None, str]],
    top: float,
    lo: float,
    hi: float,
    colour: str,
    shape: str,
    dashed: bool,
) -> None:
    """A polyline through consecutive readings (broken where a session has none) and a mark at
    each reading, with its tooltip."""
    runs: list[list[str]] = [[]]
    for when, value, _tip in points:
        if value is None:
            runs.append([])
            continue
        runs[-1].append(f"{num(canvas.axis.x(when))},{num(value_y(value, top, PANEL_H, lo, hi))}")
    dash = " dash" if dashed else ""
    for r in runs:
        if len(r) > 1:
            canvas.add(f'<polyline class="ln{dash}" stroke="{colour}" points="{" ".join(r)}"/>')
    for when, value, tip in points:
        if value is not None and shape != "none":
            x, y = canvas.axis.x(when), value_y(value, top, PANEL_H, lo, hi)
            canvas.add(mark(shape, x, y, colour, tip))


def _empty(canvas: _Canvas, top: float, height: float, message: str) -> None:
    canvas.add(text(LEFT + PLOT_W / 2, top + height / 2 + 4, message, class_="em"))


def _reading_panel(
    canvas: _Canvas,
    overview: Overview,
    title: str,
    readings: Sequence[tuple[str, str, str, str, bool]],
) -> None:
    """One 0-1 panel of per-session readings: (attribute, words, colour, shape, dashed)."""
    key = [KeyItem("dashed" if d else "line", c, a, s) for a, _w, c, s, d in readings]
    top = _header(canvas, title, key)
    _frame(canvas, top, PANEL_H, 0, 1, (0.0, 0.5, 1.0))
    if not overview.sessions:
        _empty(canvas, top, PANEL_H, "No sessions yet")
    for attr, words, colour, shape, dashed in readings:
        pts = [
            (
                s.date,
                getattr(s, attr),
                f"Session {s.date:%Y-%m-%d}: {words} {_fmt2(getattr(s, attr))}",
            )
            for s in overview.sessions
        ]
        _line(canvas, pts, top, 0, 1, colour, shape, dashed)


def _lanes(xs: Sequence[float], half: float) -> list[int]:
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


def _risk_strip(canvas: _Canvas, overview: Overview) -> None:
    """A flag and its count for each session with risk flags; flags too close to sit side by
    side (weekly sessions on a long axis) stack in lanes."""
    top = _header(canvas, "Risk language flagged by the analysis · flags per session")
    flagged = [s for s in overview.sessions if s.risk_flags]
    xs = [canvas.axis.x(s.date) for s in flagged]
    lanes = _lanes([x + 10 for x in xs], 11)
    height = max(STRIP_H, 6 + 16 * (max(lanes) + 1)) if lanes else STRIP_H
    _frame(canvas, top, height)
    if overview.sessions and not flagged:
        canvas.add(text(LEFT + 8, top + 16, "None in any session", class_="nt"))
    for s, x, lane in zip(flagged, xs, lanes, strict=True):
        y = top + 4 + 16 * lane
        tip = f"Session {s.date:%Y-%m-%d}: {s.risk_flags} risk flag(s)"
        canvas.add(
            f"<g><title>{e(tip)}</title>",
            line(x, y, x, y + 14, stroke=RISK_COLOUR, stroke_width=1.5),
            f'<polygon fill="{RISK_COLOUR}" points="{num(x)},{num(y)} {num(x + 9)},'
            f'{num(y + 3.5)} {num(x)},{num(y + 7)}"/>',
            text(x + 11, y + 12, str(s.risk_flags), fill=RISK_COLOUR, style="font-weight:700"),
            "</g>",
        )


def _score_ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    step = next(s for s in (0.5, 1, 2, 5, 10, 20) if span / s <= 6)
    out, v = [], lo
    while v <= hi + 1e-9:
        out.append(v)
        v += step
    return out


def _scale_name(x: ScoreSeries) -> str:
    """``RFQ_c (certainty about mental states)`` -> ``RFQ_c``; ``PHQ-9 total`` stays."""
    return x.label.split(" (")[0]


def _change_key(x: ScoreSeries) -> list[KeyItem]:
    key = [
        KeyItem("mark", INK, "B first (baseline)"),
        KeyItem("mark", WORSE, "D reliably worse", "up"),
        KeyItem("mark", BETTER, "I/R reliably better", "down"),
        KeyItem("mark", GREY, "no reliable change", "ring"),
    ]
    if x.criterion is not None:
        key.append(KeyItem("band", GREY, f"within ± {_short(x.criterion)} of first"))
    if x.cutoff is not None and x.minimum <= x.cutoff <= x.maximum:
        key.append(KeyItem("cutoff", GREY, f"{x.cutoff_label or 'cut-off'} {_short(x.cutoff)}"))
    return key


def _questionnaire_panel(canvas: _Canvas, scales: Sequence[ScoreSeries]) -> None:
    first = scales[0]
    lo, hi = first.minimum, first.maximum
    names = " and ".join(_scale_name(x) for x in scales)
    if not names.startswith(first.short_title):
        names = f"{first.short_title} · {names}"
    title = f"{names} ({_short(lo)}–{_short(hi)})"
    if first.change_available:
        top = _header(canvas, title, _change_key(first))
        _frame(canvas, top, PANEL_H, lo, hi, _score_ticks(lo, hi))
        _change_panel(canvas, first, top, lo, hi)
        return
    shapes = ("circle", "square", "diamond", "up")
    key = [
        KeyItem("dashed" if i % 2 else "line", SCALE_COLOURS[i % 2], _scale_name(x), shapes[i % 4])
        for i, x in enumerate(scales)
    ]
    # The reason in full is under the table below the chart (ScoreSeries.change_note).
    top = _header(canvas, title, key, "change not classified: no published criterion")
    _frame(canvas, top, PANEL_H, lo, hi, _score_ticks(lo, hi))
    for i, x in enumerate(scales):
        pts = [
            (p.date, p.value, f"{x.short_title} {x.scale} {p.date:%Y-%m-%d}: {p.value:.2f}")
            for p in x.points
        ]
        _line(canvas, pts, top, lo, hi, SCALE_COLOURS[i % 2], shapes[i % 4], i % 2 == 1)


def _band_tip(x: ScoreSeries) -> str:
    return (
        f"Within {_short(x.criterion or 0)} points of the first {x.short_title} "
        f"({_short(x.baseline.value)}): no reliable change by the published criterion"
    )


def _change_panel(canvas: _Canvas, x: ScoreSeries, top: float, lo: float, hi: float) -> None:
    """Baseline band (first score ± the reliable-change criterion), the clinical cut-off, and
    each later score marked by its classification against the baseline."""
    base = x.baseline.value
    if x.criterion is not None:
        y_hi = value_y(base + x.criterion, top, PANEL_H, lo, hi)
        y_lo = value_y(base - x.criterion, top, PANEL_H, lo, hi)
        canvas.back.append(rect(LEFT, y_hi, PLOT_W, y_lo - y_hi, tip=_band_tip(x), class_="rb"))
    if x.cutoff is not None and lo <= x.cutoff <= hi:
        y = value_y(x.cutoff, top, PANEL_H, lo, hi)
        canvas.back.append(line(LEFT, y, W - RIGHT, y, class_="co"))
    _line(canvas, [(p.date, p.value, "") for p in x.points], top, lo, hi, GREY, "none", False)
    for n, p in enumerate(x.points):
        px, py = canvas.axis.x(p.date), value_y(p.value, top, PANEL_H, lo, hi)
        if n == 0:
            letter, shape, colour = "B", "circle", INK
            what = "first administration (baseline)"
        else:
            letter, what = _CHANGE_MARK.get(p.classification or "", ("", "change not classified"))
            shape, colour = {
                "D": ("up", WORSE),
                "I": ("down", BETTER),
                "R": ("down", BETTER),
            }.get(letter, ("circle", GREY))
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
            ly = py - 9 if py - 9 > top + 10 else py + 17
            canvas.add(text(px, ly, letter, class_="cm", fill=colour, style=f"fill:{colour}"))


def _events(canvas: _Canvas, overview: Overview) -> None:
    """The events strip, and each event's dashed line down through every plot area above
    (plot areas only: never through a title or a key)."""
    key = [
        KeyItem("code", EVENT, words, code=EVENT_CODES[kind])
        for kind, words in _EVENT_WORDS.items()
    ]
    top = _header(canvas, "Outcome events", key, anchor="events")
    xs = [canvas.axis.x(o.date) for o in overview.outcomes]
    lanes = _lanes(xs, 11)
    height = max(STRIP_H, 4 + 18 * (max(lanes) + 1)) if lanes else STRIP_H
    plots = list(canvas.plots)
    _frame(canvas, top, height)
    if not overview.outcomes:
        canvas.add(text(LEFT + 8, top + 16, "None recorded", class_="nt"))
    for o, x, lane in zip(overview.outcomes, xs, lanes, strict=True):
        y = top + 3 + 18 * lane
        canvas.back.extend(line(x, t, x, t + h, class_="ev") for t, h in plots)
        if lane:
            canvas.back.append(line(x, top, x, y, class_="ev"))
        canvas.add(
            f"<g><title>{e(o.label)} on {o.date:%Y-%m-%d}</title>",
            rect(x - 10, y, 20, 16, rx=3, fill=EVENT),
            text(x, y + 11.5, EVENT_CODES.get(o.kind, "?"), class_="cm", style="fill:#fff"),
            "</g>",
        )


def _x_axis(canvas: _Canvas) -> None:
    """Day marks (short axes), a label for every month and one for every year, the years'
    boundaries ticked through the month row."""
    axis = canvas.axis
    y = canvas.y + 6
    canvas.add(line(LEFT, y, W - RIGHT, y, class_="ax"))
    row = y + 15
    days = axis.days_marked()
    for day in days:
        x = axis.x(day)
        canvas.add(line(x, y, x, y + 3, class_="ax"), text(x, row, str(day.day), class_="xd"))
    if days:
        row += 15
    months = axis.months()
    for band in months:
        canvas.add(line(band.left, y, band.left, y + 6, class_="ax"))
        if band.label:
            month = f"{band.start:%Y-%m}"
            canvas.add(text(band.centre, row, band.label, class_="xm", data_month=month))
    canvas.add(line(W - RIGHT, y, W - RIGHT, y + 6, class_="ax"))
    row += 16
    for n, band in enumerate(axis.years()):
        if n:
            canvas.add(line(band.left, y, band.left, row + 2, class_="ax"))
        x = min(max(band.centre, LEFT + 16), W - RIGHT - 16)
        canvas.add(text(x, row, band.label, class_="xy", data_year=band.label))
    canvas.y = row + 8


def overview_svg(overview: Overview) -> str | None:
    """The whole overview as an ``<svg>`` string, or ``None`` when there is nothing dated yet."""
    dates = overview.dates()
    if not dates:
        return None
    canvas = _Canvas(DateAxis(dates, LEFT, W - RIGHT))
    canvas.y = TOP - GAP + 4
    _reading_panel(
        canvas,
        overview,
        "Patient mentalizing and arousal · mean per session (0–1)",
        [
            ("mentalizing", "mean patient mentalizing", MENTALIZING, "circle", False),
            ("arousal", "mean patient arousal", AROUSAL, "square", True),
        ],
    )
    _reading_panel(
        canvas,
        overview,
        "Therapist calibration and MBT stance · per session (0–1)",
        [
            ("calibration", "calibration", CALIBRATION, "diamond", False),
            ("stance", "stance", STANCE, "up", True),
        ],
    )
    _risk_strip(canvas, overview)
    groups: dict[str, list[ScoreSeries]] = {}
    for x in overview.series:
        groups.setdefault(x.instrument, []).append(x)
    for scales in groups.values():
        _questionnaire_panel(canvas, scales)
    _events(canvas, overview)
    _x_axis(canvas)
    height = canvas.y + 2
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
    return head + "".join(canvas.back) + "".join(canvas.parts) + "</svg>"
