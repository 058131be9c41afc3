"""Which turns an episode card quotes, and what each quoted turn is called.

A supervisor discusses a breakdown by its turning points: where the collapse began, its peak, where
it went quiet and flared again, what the therapist said just before the patient recovered, and the
recovery. A long episode quoted whole buries those turns, so a card quotes a few turns around each
and says how many it leaves out between them; the full transcript still holds every turn. Risk
language inside an episode is always quoted, whatever the length.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from mentalize.analysis.results import Episode
from mentalize.report.text import e, plural, turn_range
from mentalize.report.turns import anchor, turn_link

POINT_WORDS: dict[str, str] = {
    "onset": "collapse begins",
    "peak": "peak",
    "goes_quiet": "goes quiet (flat replies)",
    "flares": "flares again",
    "step_in": "therapist steps in",
    "recovery": "recovers",
    "end": "last collapsed turn",
}
"""What each turning point is called on a card, in a clinician's words."""
CONTEXT = 1
"""Turns quoted either side of a turning point: what led into it and what answered it."""
WHOLE = 12
"""An episode (with the therapist's answer after it) this many turns long or shorter is quoted
whole: there is nothing to leave out that would make it easier to read."""
QUOTE_LIMIT = 24
"""The most turns a card quotes besides risk turns, however long the episode; turning points
past it (later quiet stretches of a very long episode) are listed but not quoted."""
PRIORITY: tuple[str, ...] = ("onset", "peak", "end", "step_in", "recovery", "goes_quiet", "flares")
"""Which windows a card keeps first when they would pass ``QUOTE_LIMIT``."""

__all__ = [
    "CONTEXT",
    "POINT_WORDS",
    "QUOTE_LIMIT",
    "WHOLE",
    "Gap",
    "QuotedTurn",
    "plan",
    "points_html",
]


@dataclass(frozen=True, slots=True)
class QuotedTurn:
    """A turn the card quotes, with the names of the turning points at it."""

    index: int
    names: tuple[str, ...]
    inside: bool
    """Within the episode's first and last collapsed turn (else context before or after)."""


@dataclass(frozen=True, slots=True)
class Gap:
    """Turns left out between two quoted ones (``count`` of them, ``first`` to ``last``)."""

    first: int
    last: int
    count: int


def card_points(ep: Episode) -> tuple[tuple[int, str], ...]:
    """The episode's turning points as ``(turn, kind)``, with its last collapsed turn (``end``).
    An episode read from a file written before turning points has its onset and, where stored,
    its peak."""
    points: list[tuple[int, str]] = [(p.turn, p.kind) for p in ep.turning_points]
    if not points:
        points.append((ep.start_turn, "onset"))
        if ep.peak_turn is not None:
            points.append((ep.peak_turn, "peak"))
    points.append((ep.end_turn, "end"))
    return tuple(points)


def _window(turn: int, kind: str, ep: Episode) -> range:
    """A point with the turn before it and the turn after it; the last collapsed turn with the
    therapist's answer to it, when that answer is judged."""
    if kind == "end":
        answer = max((i for i in ep.response_turns if i > ep.end_turn), default=ep.end_turn)
        return range(turn - CONTEXT, max(answer, turn + CONTEXT) + 1)
    return range(turn - CONTEXT, turn + CONTEXT + 1)


def _names(ep: Episode) -> dict[int, list[str]]:
    """Each quoted point's words; the last collapsed turn is named only where nothing else is."""
    names: dict[int, list[str]] = {}
    for turn, kind in card_points(ep):
        if kind != "end":
            names.setdefault(turn, []).append(POINT_WORDS[kind])
    if ep.end_turn not in names:
        names[ep.end_turn] = [POINT_WORDS["end"]]
    return names


def _chosen(ep: Episode, present: Collection[int]) -> set[int]:
    """Turns to quote within ``QUOTE_LIMIT``: a short episode whole, a long one as windows
    around its points, the most telling first (``PRIORITY``)."""
    last = max((ep.end_turn, *ep.response_turns))
    points = card_points(ep)
    chosen: set[int] = set()
    if last - ep.start_turn + 1 <= WHOLE:
        chosen = {i for i in range(ep.start_turn, last + 1) if i in present}
        points = tuple(p for p in points if not ep.start_turn <= p[0] <= last)
    rank = {kind: n for n, kind in enumerate(PRIORITY)}
    for turn, kind in sorted(points, key=lambda p: (rank[p[1]], p[0])):
        window = {i for i in _window(turn, kind, ep) if i in present}
        if chosen and len(chosen | window) > QUOTE_LIMIT:
            continue
        chosen |= window
    for gap in list(_gaps(sorted(chosen), present)):
        if gap.count == 1 and len(chosen) < QUOTE_LIMIT:
            chosen.add(gap.first)  # "…1 turn…" reads worse than the turn itself
    return chosen


def _gaps(chosen: Sequence[int], present: Collection[int]) -> Iterator[Gap]:
    for a, b in pairwise(chosen):
        missing = [i for i in range(a + 1, b) if i in present]
        if missing:
            yield Gap(first=missing[0], last=missing[-1], count=len(missing))


def plan(
    ep: Episode, present: Collection[int], risky: Collection[int] = ()
) -> list[QuotedTurn | Gap]:
    """The card's quote in turn order: quoted turns with their names, and gaps between them.

    ``present`` holds the indices of turns in the transcript; ``risky`` those with risk language,
    quoted whenever they fall inside the episode or the therapist's answer to it, past the
    limit if need be."""
    last = max((ep.end_turn, *ep.response_turns))
    chosen = _chosen(ep, present)
    chosen |= {i for i in risky if ep.start_turn <= i <= last and i in present}
    ordered = sorted(chosen)
    names = _names(ep)
    out: list[QuotedTurn | Gap] = []
    for n, i in enumerate(ordered):
        out.append(QuotedTurn(i, tuple(names.get(i, ())), ep.start_turn <= i <= ep.end_turn))
        out.extend(_gaps(ordered[n : n + 2], present))
    return out


def points_html(ep: Episode, episodes: Sequence[Episode]) -> str:
    """The turning points as a list a supervisor can follow, the phases when the episode went
    quiet and flared again, and, when no recovery was read, that it was not (never guessed: an
    episode read from a file written before turning points shows none)."""
    if not ep.turning_points:
        return ""
    items = "".join(
        f"<li>{turn_link(p.turn)}: {e(POINT_WORDS[p.kind])}</li>" for p in ep.turning_points
    )
    notes = []
    if len(ep.phases) > 1:
        parts = "; ".join(
            f'{turn_range(x.start_turn, x.end_turn)} (peak at <a href="#{anchor(x.peak_turn)}">'
            f"turn {x.peak_turn + 1}</a>)"
            for x in ep.phases
        )
        notes.append(
            f"It flared in {plural(len(ep.phases), 'phase')}, with flat, short replies between "
            f"(collapse going on quietly, not recovery): {parts}."
        )
    if ep.recovery_turn is None:
        later = any(o.speaker == ep.speaker and o.start_turn > ep.end_turn for o in episodes)
        until = "this patient's next breakdown" if later else "the session ended"
        notes.append(f"No calm return to mentalizing was read before {until}.")
    note_html = "".join(f'<p class="muted">{n}</p>' for n in notes)
    return (
        f'<div class="modes points"><span class="mini">Turning points</span>'
        f"<ol>{items}</ol>{note_html}</div>"
    )
