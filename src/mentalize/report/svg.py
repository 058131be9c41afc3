"""The SVG primitives every chart is drawn with: the session report's timeline, the clinic's
patient overview and Reflect's history.

Numbers are written compactly (:func:`num`), values are placed on a panel the same way
(:func:`value_y`, clamped so a stray value cannot leave its panel), marks carry their meaning in
their shape as well as their colour (:func:`mark`), and every piece of text is escaped here, so a
chart cannot carry markup from its data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

__all__ = [
    "MARK_SHAPES",
    "document",
    "line",
    "mark",
    "nice_step",
    "num",
    "rect",
    "text",
    "value_y",
]

MARK_SHAPES = ("circle", "ring", "square", "diamond", "up", "down")


def num(v: float) -> str:
    """Coordinates with one decimal: enough at chart sizes, and keeps long sessions compact."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def value_y(value: float, top: float, height: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """Where ``value`` sits in a panel from ``top`` down ``height``, ``hi`` at the top; values
    outside ``lo``-``hi`` are clamped to the panel's edge."""
    span = (hi - lo) or 1.0
    clamped = min(hi, max(lo, value))
    return top + height * (1.0 - (clamped - lo) / span)


def nice_step(n: float, target: int = 10) -> int:
    """A 1-2-5 step giving about ``target`` axis labels over ``n`` units."""
    raw = max(1.0, n / target)
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if mult * power >= raw:
            return int(mult * power)
    return int(10 * power)


def _attrs(attributes: dict[str, object]) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attributes.items()
        if value is not None
    )


def text(x: float, y: float, content: str, **attributes: object) -> str:
    """A text element; ``content`` is escaped. Attribute names use ``_`` for ``-``
    (``text_anchor="end"``) and a trailing ``_`` for Python words (``class_="lg"``)."""
    return f'<text x="{num(x)}" y="{num(y)}"{_attrs(attributes)}>{escape(content)}</text>'


def line(x1: float, y1: float, x2: float, y2: float, **attributes: object) -> str:
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"{_attrs(attributes)}/>'
    )


def rect(
    x: float, y: float, width: float, height: float, *, tip: str | None = None, **attributes: object
) -> str:
    """A rectangle, with a hover title when ``tip`` is given (escaped)."""
    head = (
        f'<rect x="{num(x)}" y="{num(y)}" width="{num(width)}" height="{num(height)}"'
        f"{_attrs(attributes)}"
    )
    return f"{head}><title>{escape(tip)}</title></rect>" if tip is not None else f"{head}/>"


def mark(shape: str, x: float, y: float, colour: str, tip: str, filled: bool = True) -> str:
    """A mark whose shape carries its meaning (so colour is never the only cue)."""
    if shape == "ring":
        shape, filled = "circle", False
    fill = colour if filled else "#fff"
    common = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    if shape == "square":
        tag, geometry = "rect", f'x="{num(x - 3.6)}" y="{num(y - 3.6)}" width="7.2" height="7.2"'
    elif shape == "diamond":
        tag = "polygon"
        geometry = (
            f'points="{num(x)},{num(y - 5)} {num(x + 5)},{num(y)} {num(x)},{num(y + 5)} '
            f'{num(x - 5)},{num(y)}"'
        )
    elif shape in ("up", "down"):
        s = -1 if shape == "up" else 1
        tag = "polygon"
        geometry = (
            f'points="{num(x)},{num(y + s * 5.5)} {num(x - 5.5)},{num(y - s * 4.5)} '
            f'{num(x + 5.5)},{num(y - s * 4.5)}"'
        )
    else:
        tag, geometry = "circle", f'cx="{num(x)}" cy="{num(y)}" r="3.8"'
    return f"<{tag} {geometry} {common}><title>{escape(tip)}</title></{tag}>"


def document(
    width: float, height: float, label: str, parts: Iterable[str], **attributes: object
) -> str:
    """A standalone ``<svg>`` (an image with an accessible name) around ``parts``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(width)} {num(height)}" '
        f'role="img" aria-label="{escape(label)}"{_attrs(attributes)}>' + "".join(parts) + "</svg>"
    )
