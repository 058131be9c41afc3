"""What gets coded: one unit per turn, with the turns before it as context.

A unit's id names its source and place, so labels can be stored without the text and joined back
to it: ``annomi:12:40`` is AnnoMI transcript 12, utterance 40 (text read from
``../shared/datasets``); ``written:a03:s07:12`` is turn 12 (counting from 1) of written session
``s07`` by author ``a03`` (text in ``data/corpus/written/a03/s07.jsonl``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mentalize.errors import InputError
from mentalize.research.datasets import AnnoMIUtterance, load_annomi
from mentalize.transcript import Transcript, Turn
from mentalize.transcript.readers import read_transcript
from mentalize.transcript.roles import assign_roles

__all__ = [
    "CONTEXT_TURNS",
    "SPLITS_FILE",
    "WRITTEN_ROOT",
    "Unit",
    "annomi_units",
    "fixed_splits",
    "ranked_splits",
    "split_of",
    "units_of",
    "written_sessions",
    "written_units",
]

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
    speaker: str = ""
    """The speaker's label where several patients talk (a couple, a group); empty in AnnoMI."""
    context_speakers: tuple[str, ...] = ()
    """The speaker label of each context turn, in the same order (empty in AnnoMI)."""


def first_copy(rows: Iterable[AnnoMIUtterance]) -> list[AnnoMIUtterance]:
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
    rows = first_copy(load_annomi(root))
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


@dataclass(frozen=True, slots=True)
class AnnoMISession:
    transcript_id: int
    unit_ids: tuple[str, ...]
    """The unit id of each turn, in order (as :func:`annomi_units` names them)."""
    transcript: Transcript


def annomi_sessions(root: str | None = None) -> list[AnnoMISession]:
    """Every AnnoMI transcript as a whole session for the analyser (``T`` the therapist, ``P``
    the client), one annotator's copy of each utterance, in transcript order."""
    by_transcript: dict[int, list[AnnoMIUtterance]] = {}
    for row in first_copy(load_annomi(root)):
        by_transcript.setdefault(row.transcript_id, []).append(row)
    return [
        AnnoMISession(
            transcript_id=tid,
            unit_ids=tuple(f"annomi:{tid}:{r.utterance_id}" for r in rows),
            transcript=Transcript(
                source=f"annomi:{tid}",
                turns=tuple(
                    Turn(speaker="T" if r.interlocutor == "therapist" else "P", text=r.text)
                    for r in rows
                ),
                format="annomi",
                roles={"T": "therapist", "P": "patient"},
            ),
        )
        for tid, rows in sorted(by_transcript.items())
    ]


WRITTEN_ROOT = Path("data/corpus/written")
"""The written sessions, one folder per author (``a01``...), from the repository root."""


def written_sessions(root: Path = WRITTEN_ROOT) -> list[Path]:
    """Every written session file (``<author>/sNN.jsonl``), in author and session order."""
    if not root.is_dir():
        raise InputError(str(root), "no such folder; expected <author>/sNN.jsonl session files")
    return sorted(p for p in root.glob("*/s*.jsonl") if p.stem[1:].isdigit())


def written_units(root: Path = WRITTEN_ROOT) -> list[Unit]:
    """Every turn of every written session as a unit. The files are read by the analyser's own
    JSONL reader and role rules (``T`` is the therapist), so a session that codes also analyses."""
    units: list[Unit] = []
    for path in written_sessions(root):
        author, session = path.parent.name, path.stem
        transcript = assign_roles(read_transcript(path, format="jsonl"))
        earlier: list[tuple[str, str, str]] = []
        for number, turn in enumerate(transcript.turns, start=1):
            role = transcript.role_of(turn.speaker)
            if role not in ("patient", "therapist"):
                raise InputError(
                    str(path), "every speaker must be T or a patient (P, P1...)", number
                )
            window = earlier[-CONTEXT_TURNS:]
            units.append(
                Unit(
                    id=f"written:{author}:{session}:{number}",
                    source="written",
                    group=f"written:{author}",
                    role=role,
                    text=turn.text,
                    context=tuple((r, t) for r, _, t in window),
                    speaker=turn.speaker,
                    context_speakers=tuple(s for _, s, _ in window),
                )
            )
            earlier.append((role, turn.speaker, turn.text))
    return units


def units_of(source: str, datasets: str | None = None) -> list[Unit]:
    """The units of a label source by its folder name (``annomi`` or ``written``)."""
    if source == "annomi":
        return annomi_units(datasets)
    if source == "written":
        return written_units()
    raise InputError(source, "unknown corpus source; expected annomi or written")


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


SPLITS_FILE = Path("data/corpus/splits.json")
"""The committed splits, from the repository root: what training and evaluation read."""
_SHARES = (("train", 0.7), ("dev", 0.15), ("test", 0.15))
MIN_HELD_OUT = 2
"""Fewest authors in each of dev and test: with 15 authors the hash alone gave 13/1/1."""


def _point(group: str) -> bytes:
    return hashlib.sha256(group.encode("utf-8")).digest()


def ranked_splits(groups: Sequence[str]) -> dict[str, str]:
    """Splits for a few large groups (written sessions' authors): the same sha256 order as
    :func:`split_of`, but cut by count, the last ``max(2, 15%)`` to test and the ``max(2, 15%)``
    before them to dev, so each held-out split has more than one author's voice."""
    ordered = sorted(groups, key=_point)
    held = max(MIN_HELD_OUT, round(len(ordered) * _SHARES[2][1]))
    cut_test, cut_dev = len(ordered) - held, len(ordered) - 2 * held
    return {
        group: "test" if rank >= cut_test else "dev" if rank >= cut_dev else "train"
        for rank, group in enumerate(ordered)
    }


def fixed_splits(path: Path = SPLITS_FILE) -> dict[str, str]:
    """The committed split of every group (``data/corpus/splits.json``)."""
    try:
        groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(str(path), 'unreadable; expected {"groups": {group: split}}') from None
    if not isinstance(groups, dict):
        raise InputError(str(path), "'groups' must map each group to train, dev or test")
    return {str(k): str(v) for k, v in groups.items()}
