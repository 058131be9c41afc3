"""The text split into runs, each marked or not, so a template can highlight quoted words in
place with ``<mark>`` while Jinja escapes every character (no HTML is built here).

Quotes come as offsets into the text (:class:`mentalize.reflect.Quote`); quotes of different
signs may overlap, so a run is marked when any quote covers it and carries the titles of every
sign whose quotes cover it. Words quoted only as a strength (room for not knowing) are marked
apart, so the page can show them in a different colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from mentalize.reflect.reading import Quote, Reflection


@dataclass(frozen=True, slots=True)
class Run:
    """``text`` of one stretch; ``kind`` is ``""`` (plain), ``"sign"`` or ``"strength"``."""

    text: str
    kind: str = ""
    titles: str = ""


def runs(text: str, reflection: Reflection) -> list[Run]:
    """``text`` as runs covering it exactly, in order."""
    covers: list[tuple[Quote, str, str]] = []
    if reflection.risk is not None:
        covers += [(q, "sign", reflection.risk.title) for q in reflection.risk.quotes]
    for sign in reflection.signs:
        covers += [(q, "sign", sign.title) for q in sign.quotes]
    for sign in reflection.strengths:
        covers += [(q, "strength", sign.title) for q in sign.quotes]
    cuts = {0, len(text)}
    for quote, _, _ in covers:
        cuts.update((max(0, min(quote.start, len(text))), max(0, min(quote.end, len(text)))))
    bounds = sorted(cuts)
    out: list[Run] = []
    for start, end in pairwise(bounds):
        over = [(kind, title) for q, kind, title in covers if q.start <= start and end <= q.end]
        kind = "sign" if any(k == "sign" for k, _ in over) else ("strength" if over else "")
        titles = "; ".join(dict.fromkeys(title for _, title in over))
        if out and out[-1].kind == kind and out[-1].titles == titles:
            out[-1] = Run(out[-1].text + text[start:end], kind, titles)
        else:
            out.append(Run(text[start:end], kind, titles))
    return out
