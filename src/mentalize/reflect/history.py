"""Over time: how often signs of collapse appeared, and which situations brought them.

A person sees their own pattern, not a score: per month (or per week for a short history) how
many entries were written and in how many each sign appeared, drawn as one SVG (no script, no
library, readable in greyscale: every bar has its count written on it and a ``<title>``); and per
situation (the short label the person gives an entry) how many entries showed any sign and which
signs came most. Entries that held risk language are counted apart: they were not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import get_args

from mentalize.reflect.vault import Entry
from mentalize.reflect.wording import SIGNS, SignKind
from mentalize.report import svg
from mentalize.report.palette import PATIENT_COLOURS

#: The signs drawn, in a fixed order with fixed colours, so a colour means one sign throughout.
SIGN_ORDER: tuple[SignKind, ...] = get_args(SignKind)
SIGN_COLOURS: dict[str, str] = {
    kind: PATIENT_COLOURS[i % len(PATIENT_COLOURS)] for i, kind in enumerate(SIGN_ORDER)
}
#: Situations listed in the summary, most frequent first.
MAX_SITUATIONS = 12


@dataclass(slots=True)
class Period:
    """One month or week: entries written, and entries in which each sign appeared."""

    label: str
    entries: int = 0
    risk: int = 0
    signs: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class Situation:
    label: str
    entries: int
    with_signs: int
    top_signs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class History:
    periods: tuple[Period, ...]
    situations: tuple[Situation, ...]
    total: int
    by_month: bool


def _day(entry: Entry) -> date:
    return datetime.fromisoformat(entry.created).date()


def history(entries: Sequence[Entry]) -> History:
    """Counts per period (months when the entries span more than ten weeks, else ISO weeks)
    and per situation."""
    if not entries:
        return History((), (), 0, True)
    days = sorted(_day(x) for x in entries)
    by_month = (days[-1] - days[0]).days > 70

    def label(d: date) -> str:
        if by_month:
            return d.strftime("%Y-%m")
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"

    periods: dict[str, Period] = {}
    for entry in sorted(entries, key=lambda x: x.created):
        key = label(_day(entry))
        period = periods.setdefault(key, Period(key))
        period.entries += 1
        period.risk += entry.risk
        period.signs.update(set(entry.signs))

    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        name = entry.situation.strip() or "(no situation named)"
        grouped.setdefault(name, []).append(entry)
    situations = [
        Situation(
            label=name,
            entries=len(items),
            with_signs=sum(1 for x in items if x.signs),
            top_signs=tuple(
                k for k, _ in Counter(s for x in items for s in set(x.signs)).most_common(3)
            ),
        )
        for name, items in grouped.items()
    ]
    situations.sort(key=lambda s: (-s.with_signs, -s.entries, s.label))
    return History(
        tuple(periods.values()), tuple(situations[:MAX_SITUATIONS]), len(entries), by_month
    )


def sign_title(kind: str) -> str:
    wording = SIGNS.get(kind)  # type: ignore[call-overload]
    return wording.title if wording is not None else kind


def history_svg(data: History) -> str:
    """Grouped bars: per period, one bar for entries written and one per sign that appeared."""
    if not data.periods:
        return ""
    kinds = [k for k in SIGN_ORDER if any(p.signs.get(k) for p in data.periods)]
    width, left, top, plot_h = 1000.0, 56.0, 24.0, 220.0
    legend_h = 22.0 * (len(kinds) + 1)
    height = top + plot_h + 40.0 + legend_h
    peak = max(p.entries for p in data.periods) or 1
    group_w = (width - left - 16.0) / len(data.periods)
    bar_w = max(3.0, min(26.0, group_w * 0.8 / (len(kinds) + 1)))
    base = top + plot_h
    parts = [svg.line(left, base, width - 16, base, stroke="#444", stroke_width=1)]
    for tick in sorted({0, peak // 2, peak}):
        y = svg.value_y(tick, top, plot_h, 0, peak)
        parts.append(
            svg.text(left - 8, y + 4, str(tick), text_anchor="end", font_size=12, fill="#444")
        )
        parts.append(svg.line(left, y, width - 16, y, stroke="#ddd", stroke_width=1))
    for i, period in enumerate(data.periods):
        x0 = left + i * group_w + (group_w - bar_w * (len(kinds) + 1)) / 2
        bars = [("entries", "Entries written", "#bbbbbb", period.entries)]
        bars += [(k, sign_title(k), SIGN_COLOURS[k], period.signs.get(k, 0)) for k in kinds]
        for j, (_, title, colour, count) in enumerate(bars):
            h = plot_h * count / peak
            x, y = x0 + j * bar_w, base - h
            tip = f"{period.label}: {title}: {count}"
            parts.append(svg.rect(x, y, bar_w - 2, h, tip=tip, fill=colour))
            if count:
                parts.append(
                    svg.text(
                        x + (bar_w - 2) / 2,
                        y - 3,
                        str(count),
                        text_anchor="middle",
                        font_size=10,
                        fill="#222",
                    )
                )
        parts.append(
            svg.text(
                left + i * group_w + group_w / 2,
                base + 18,
                period.label,
                text_anchor="middle",
                font_size=12,
                fill="#222",
            )
        )
    y = base + 44.0
    for title, colour in [("Entries written", "#bbbbbb")] + [
        (sign_title(k), SIGN_COLOURS[k]) for k in kinds
    ]:
        parts.append(svg.rect(left, y - 11, 14, 14, fill=colour))
        parts.append(svg.text(left + 22, y, title, font_size=13, fill="#222"))
        y += 22.0
    label = f"Entries and signs per {'month' if data.by_month else 'week'}"
    return svg.document(width, height, label, parts)
