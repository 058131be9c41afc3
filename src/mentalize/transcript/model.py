"""Typed transcripts: who spoke, what they said, when, and in which role.

Readers for the input formats live in :mod:`mentalize.transcript.readers`; they all return a
:class:`Transcript`, so the analysis layer never sees a file format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

Role = Literal["therapist", "patient", "other"]
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted contribution, in file order.

    ``line`` is the 1-based line in the source where the turn starts (for error messages and for
    finding the turn again in the original file); ``start``/``end`` are seconds when the format
    carries timestamps, else ``None``.
    """

    speaker: str
    text: str
    line: int | None = None
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole session: turns in file order and the role of each speaker.

    ``roles`` maps every speaker label that occurs in ``turns`` to a :data:`Role`. Speakers keep
    their own identity (group sessions have several patients, co-therapy two therapists).
    """

    source: str
    turns: tuple[Turn, ...]
    format: str
    roles: dict[str, Role] = field(default_factory=dict)

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            seen.setdefault(turn.speaker, None)
        return tuple(seen)

    def role_of(self, speaker: str) -> Role:
        return self.roles.get(speaker, "other")

    def with_roles(self, roles: dict[str, Role]) -> Transcript:
        return replace(self, roles=dict(roles))


def from_pairs(pairs: Iterable[tuple[str, str]], source: str = "<text>") -> Transcript:
    """Build a transcript from ``(speaker, text)`` pairs, e.g. in tests or notebooks.

    Roles are left empty; :func:`mentalize.transcript.roles.assign_roles` fills them.
    """
    turns = tuple(Turn(speaker=s, text=t, line=i + 1) for i, (s, t) in enumerate(pairs))
    return Transcript(source=source, turns=turns, format="pairs")
