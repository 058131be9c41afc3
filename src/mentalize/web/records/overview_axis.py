"""The patient overview's date axis: whole calendar months, each one labelled.

A treatment is read in months ("she was worse in March"), so the axis runs from the first day
of the first month with anything dated to the first day of the month after the last, and every
month in between gets its label, centred in its own stretch of the axis, whether or not
anything happened in it (a gap month is itself information). Years get a row of their own, so
a treatment that crosses 31 December reads "Nov Dec Jan" over "2025 | 2026" rather than
repeating the year on every label. On a short axis (three months or less) the days 8, 15, 22
and 29 are marked too, so weekly sessions can be told apart without hovering.

The axis only knows where things go (x in the chart's viewBox units) and what the labels say;
drawing is :mod:`.overview_chart`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["MONTHS", "Band", "DateAxis"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

SHORT_AXIS_DAYS = 92
"""Axes this short (about three months) also mark days within the month."""
MONTH_WORD_W = 28.0
"""A month's stretch at least this wide (viewBox units) gets its three-letter name ..."""
MONTH_INITIAL_W = 10.0
"""... at least this wide, its initial; narrower (a treatment of over six years), only every
third month is labelled, by its initial."""


@dataclass(frozen=True)
class Band:
    """One calendar month (or year) on the axis: where it starts and ends, and its label."""

    start: date
    left: float
    right: float
    label: str

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


class DateAxis:
    """Date -> x between ``left`` and ``right`` (viewBox units), over whole months."""

    def __init__(self, dates: Sequence[date], left: float, right: float) -> None:
        self.start = min(dates).replace(day=1)
        self.end = _next_month(max(dates))
        self.days = (self.end - self.start).days
        self.left, self.right = left, right

    def x(self, when: date) -> float:
        """Where ``when`` sits; a day owns a slot and sits at its middle, so the first of the
        month is not drawn on the axis's very edge."""
        offset = (when - self.start).days + 0.5
        return self.left + (self.right - self.left) * offset / self.days

    def _edge(self, day: date) -> float:
        """Where the day ``day`` begins (a month boundary, say)."""
        return self.left + (self.right - self.left) * (day - self.start).days / self.days

    def months(self) -> list[Band]:
        """Every month on the axis, in order, each labelled as wide as its stretch allows."""
        out: list[Band] = []
        day = self.start
        while day < self.end:
            following = _next_month(day)
            left, right = self._edge(day), self._edge(following)
            width = right - left
            name = MONTHS[day.month - 1]
            if width >= MONTH_WORD_W:
                label = name
            elif width >= MONTH_INITIAL_W or (day.month - 1) % 3 == 0:
                label = name[0]
            else:
                label = ""
            out.append(Band(day, left, right, label))
            day = following
        return out

    def years(self) -> list[Band]:
        """Each calendar year's stretch of the axis, labelled with the year."""
        out: list[Band] = []
        year = self.start.year
        while date(year, 1, 1) < self.end:
            first = max(self.start, date(year, 1, 1))
            last = min(self.end, date(year + 1, 1, 1))
            out.append(Band(first, self._edge(first), self._edge(last), str(year)))
            year += 1
        return out

    def days_marked(self) -> list[date]:
        """The 8th, 15th, 22nd and 29th of each month, on a short axis only."""
        if self.days > SHORT_AXIS_DAYS:
            return []
        out = []
        for band in self.months():
            for n in (8, 15, 22, 29):
                try:
                    out.append(band.start.replace(day=n))
                except ValueError:  # 29 February in a common year
                    continue
        return out
