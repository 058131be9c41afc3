"""What gets coded: one unit per turn, with the turns before it as context.

A unit's id names its source and place (``annomi:12:40`` is AnnoMI transcript 12, utterance 40),
so labels can be stored without the text and joined back to it from ``../shared/datasets``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mentalize.research.datasets import AnnoMIUtterance, load_annomi

__all__ = ["CONTEXT_TURNS", "Unit", "annomi_units", "split_of"]

CONTEXT_TURNS = 4
"""Turns before a unit that annotators see (docs/codebook.md, section 0)."""
_ROLE = {"client": "patient", "therapist": "therapist"}


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    source: str
    group: str
    """What a split keeps together: an AnnoMI transcript, a written session's author."""
    role: str
    text: str
    context: tuple[tuple[str, str], ...]
    """Up to :data:`CONTEXT_TURNS` earlier ``(role, text)`` turns of the same conversation."""


def _first_copy(rows: Iterable[AnnoMIUtterance]) -> list[AnnoMIUtterance]:
    """One annotator's copy of each utterance: three AnnoMI transcripts were coded by several
    annotators and appear more than once (the dataset's README)."""
    seen: set[tuple[int, int]] = set()
    kept = []
    for row in rows:
        key = (row.transcript_id, row.utterance_id)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def annomi_units(root: str | None = None) -> list[Unit]:
    """Every AnnoMI utterance as a unit, in file order."""
    rows = _first_copy(load_annomi(root))
    units: list[Unit] = []
    history: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        earlier = history.setdefault(row.transcript_id, [])
        role = _ROLE[row.interlocutor]
        units.append(
            Unit(
                id=f"annomi:{row.transcript_id}:{row.utterance_id}",
                source="annomi",
                group=f"annomi:{row.transcript_id}",
                role=role,
                text=row.text,
                context=tuple(earlier[-CONTEXT_TURNS:]),
            )
        )
        earlier.append((role, row.text))
    return units


def split_of(
    group: str,
    shares: Sequence[tuple[str, float]] = (("train", 0.7), ("dev", 0.15), ("test", 0.15)),
) -> str:
    """A fixed split for a group, from the sha256 of its name (no author or transcript is ever
    in two splits, and the assignment does not move when units are added)."""
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    for name, share in shares:
        edge += share
        if point < edge:
            return name
    return shares[-1][0]
