"""What each written session's author says it is: setting, presentation, the therapist's
attunement and the stretches the author meant as collapse, rupture, repair or risk.

The manifest is the author's intent, written before anyone coded the session. It is kept apart
from the labels (annotators never see it), so intent and coding can be compared later, and the
datasheet can say what the written sessions cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentalize.errors import InputError
from mentalize.research.corpus.batches import json_lines

__all__ = ["SETTINGS", "THERAPISTS", "IntendedStretch", "SessionEntry", "read_manifest"]

SETTINGS = ("individual", "couple", "family", "parent", "group")
THERAPISTS = ("attuned", "misattuned", "mixed")
MIN_TURNS, MAX_TURNS = 40, 70


@dataclass(frozen=True, slots=True)
class IntendedStretch:
    first_turn: int
    last_turn: int
    what: str


@dataclass(frozen=True, slots=True)
class SessionEntry:
    author: str
    session: str
    setting: str
    presentation: str
    patient: str
    therapist: str
    register: str
    turns: int
    intent: tuple[IntendedStretch, ...]


def _text(record: dict[str, Any], key: str, where: str, line: int) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, f"'{key}' must be a non-empty string", line)
    return value


def _entry(record: Any, author: str, where: str, line: int) -> SessionEntry:
    if not isinstance(record, dict):
        raise InputError(where, "expected one JSON object per session", line)
    setting = _text(record, "setting", where, line)
    if setting not in SETTINGS:
        raise InputError(where, f"'setting' must be one of {', '.join(SETTINGS)}", line)
    therapist = _text(record, "therapist", where, line)
    if therapist not in THERAPISTS:
        raise InputError(where, f"'therapist' must be one of {', '.join(THERAPISTS)}", line)
    turns = record.get("turns")
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise InputError(where, "'turns' must be the session's number of turns", line)
    stretches = record.get("author_intent", [])
    if not isinstance(stretches, list):
        raise InputError(where, "'author_intent' must be a list of stretches", line)
    intent = []
    for stretch in stretches:
        first = stretch.get("first_turn") if isinstance(stretch, dict) else None
        last = stretch.get("last_turn") if isinstance(stretch, dict) else None
        if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= turns):
            raise InputError(where, f"'author_intent' turns must lie within 1-{turns}", line)
        intent.append(IntendedStretch(first, last, _text(stretch, "what", where, line)))
    return SessionEntry(
        author=author,
        session=_text(record, "session", where, line),
        setting=setting,
        presentation=_text(record, "presentation", where, line),
        patient=_text(record, "patient", where, line),
        therapist=therapist,
        register=_text(record, "register", where, line),
        turns=turns,
        intent=tuple(intent),
    )


def read_manifest(author_folder: Path) -> list[SessionEntry]:
    """An author's ``manifest.jsonl``, each entry checked against its session file: the file
    exists and has ``turns`` lines, 40-70 of them."""
    path = author_folder / "manifest.jsonl"
    if not path.is_file():
        raise InputError(str(path), "missing; every author folder needs a manifest")
    entries = []
    for number, record in json_lines(path):
        entry = _entry(record, author_folder.name, str(path), number)
        session_file = author_folder / f"{entry.session}.jsonl"
        if not session_file.is_file():
            raise InputError(str(path), f"no session file {entry.session}.jsonl", number)
        lines = [x for x in session_file.read_text(encoding="utf-8").splitlines() if x.strip()]
        if len(lines) != entry.turns:
            raise InputError(
                str(path), f"'turns' is {entry.turns}; {session_file.name} has {len(lines)}", number
            )
        if not MIN_TURNS <= entry.turns <= MAX_TURNS:
            raise InputError(str(path), f"a session has {MIN_TURNS}-{MAX_TURNS} turns", number)
        entries.append(entry)
    return entries
