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
from mentalize.report.palette import PATIENT_COLOURS
from mentalize.report.text import e

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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="Entries and signs per {"month" if data.by_month else "week"}">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 16}" y2="{top + plot_h}" '
        'stroke="#444" stroke-width="1"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#444">{tick}</text>'
        )
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 16}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
    for i, period in enumerate(data.periods):
        x0 = left + i * group_w + (group_w - bar_w * (len(kinds) + 1)) / 2
        bars = [("entries", "Entries written", "#bbbbbb", period.entries)]
        bars += [(k, sign_title(k), SIGN_COLOURS[k], period.signs.get(k, 0)) for k in kinds]
        for j, (_, title, colour, count) in enumerate(bars):
            h = plot_h * count / peak
            x, y = x0 + j * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{e(period.label)}: {e(title)}: {count}</title></rect>'
            )
            if count:
                parts.append(
                    f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" '
                    f'text-anchor="middle" font-size="10" fill="#222">{count}</text>'
                )
        parts.append(
            f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle" font-size="12" fill="#222">{e(period.label)}</text>'
        )
    y = top + plot_h + 44.0
    for title, colour in [("Entries written", "#bbbbbb")] + [
        (sign_title(k), SIGN_COLOURS[k]) for k in kinds
    ]:
        parts.append(f'<rect x="{left}" y="{y - 11}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{left + 22}" y="{y}" font-size="13" fill="#222">{e(title)}</text>')
        y += 22.0
    parts.append("</svg>")
    return "".join(parts)
