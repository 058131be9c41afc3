"""Scores with their band in words, and the key that explains the bands once.

A number such as "mentalizing 0.42" has no clinical anchor on its own; every score the report
shows goes through :func:`banded`, so the word beside it ("0.42 — partial") comes from the one
table in :data:`mentalize.outputs.labels.BANDS` that the terminal summary reads too.
"""

from __future__ import annotations

from mentalize.outputs.labels import BANDS, band, band_meaning
from mentalize.report.text import e, fmt

__all__ = ["KEY_ORDER", "band", "band_key", "band_meaning", "banded", "shown"]

KEY_ORDER: tuple[str, ...] = ("mentalizing", "arousal", "stance", "calibration")
"""The scales the key explains, in the order a reader meets them; the reader's level (rf_level)
follows where the report shows it."""


def shown(scale: str, value: float | None) -> str:
    """The number as the report prints it on this scale ("0.42"; "1.4" for a 0-4 level)."""
    text = fmt(value)
    decimals = BANDS[scale].decimals
    if decimals == 2 or text in ("—", "n/a"):
        return text
    return f"{float(value):.{decimals}f}"  # type: ignore[arg-type]  # fmt showed a number


def banded(scale: str, value: float | None) -> str:
    """ "0.42 — partial": the number and its band, escaped for HTML. A missing value shows as
    the report shows any missing number ("—"), with no band: a word without a reading would
    read as a finding."""
    word = band(scale, value)
    number = shown(scale, value)
    return e(f"{number} — {word}") if word else e(number)


def _ranges(scale: str) -> str:
    """ "absent below 0.13 · very low 0.13–0.37 · …": each band with the numbers it covers, as
    the report prints them."""
    table = BANDS[scale]
    step = 10.0**-table.decimals
    lows = [None, *table.edges]
    parts = []
    for i, word in enumerate(table.words):
        low = lows[i]
        high = table.edges[i] if i < len(table.edges) else None
        # Banding is on the shown number, so a band ends one shown step below the next edge.
        low_txt = None if low is None else f"{_up(low, table.decimals):.{table.decimals}f}"
        high_txt = (
            None if high is None else f"{_up(high, table.decimals) - step:.{table.decimals}f}"
        )
        if low_txt is None:
            parts.append(f"{word} below {_up(high or 0, table.decimals):.{table.decimals}f}")
        elif high_txt is None:
            parts.append(f"{word} from {low_txt}")
        else:
            parts.append(f"{word} {low_txt}–{high_txt}")
    return " · ".join(parts)


def _up(edge: float, decimals: int) -> float:
    """The smallest shown number at or above ``edge`` (0.125 -> 0.13, 0.6 -> 0.6)."""
    scale = 10**decimals
    shown_value = round(edge * scale) / scale
    return shown_value if shown_value >= edge else shown_value + 1 / scale


THERAPIST_SCALES: tuple[str, ...] = ("stance", "calibration")
"""Scales read from therapist turns: a transcript without any has no such number to explain."""


def band_key(with_level: bool = False, with_therapist: bool = True) -> str:
    """The words beside the numbers, explained once: each scale's bands and their anchor, and
    the trained reader's mean level (0-4) where the report shows one (``with_level``); the
    therapist's scales only where a therapist speaks (``with_therapist``)."""
    scales = tuple(s for s in KEY_ORDER if with_therapist or s not in THERAPIST_SCALES)
    scales = (*scales, "rf_level") if with_level else scales
    items = "".join(
        f"<li><strong>{e(BANDS[s].title)}</strong> (0–{BANDS[s].high:g}): {e(_ranges(s))} "
        f'<span class="muted">({e(BANDS[s].anchor)})</span></li>'
        for s in scales
    )
    return (
        '<div class="bands" id="bands" style="margin-top:14px">'
        '<h2 class="mini">Words beside the numbers</h2>'
        f'<ul class="plain caption" style="margin:0;max-width:none">{items}</ul></div>'
    )
