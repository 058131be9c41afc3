"""Where help is, shown first when an entry holds risk language.

A person's own local lines come first when configured (a TOML file: ``--crisis-lines FILE``, or
``crisis-lines.toml`` in the Reflect folder); the defaults below are always shown after them:
what to do in immediate danger, and international directories that list free, confidential
helplines by country, so the list is useful wherever the person lives. Numbers in the defaults
are national lines well known to be free and open around the clock; anything else is left to the
directories rather than risk a stale number.

File format::

    [[line]]
    name = "Samaritans"
    contact = "116 123"
    note = "UK and Ireland, any time, free"   # optional
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mentalize.errors import InputError

FILE_NAME = "crisis-lines.toml"


@dataclass(frozen=True, slots=True)
class CrisisLine:
    """One place to turn: a name, how to reach it (number, text code or address), and a note."""

    name: str
    contact: str
    note: str = ""


EMERGENCY = CrisisLine(
    name="If you are in danger now",
    contact="Call your local emergency number",
    note="for example 112 in Europe, 911 in the US and Canada, 999 in the UK, 000 in Australia",
)

DEFAULT_LINES: tuple[CrisisLine, ...] = (
    EMERGENCY,
    CrisisLine(
        name="Find A Helpline",
        contact="https://findahelpline.com",
        note="free, confidential helplines in many countries, searchable by country and topic",
    ),
    CrisisLine(
        name="IASP crisis centre directory",
        contact="https://www.iasp.info/crisis-centres-helplines/",
        note="the International Association for Suicide Prevention's list by country",
    ),
    CrisisLine(
        name="Befrienders Worldwide",
        contact="https://befrienders.org",
        note="emotional support centres around the world",
    ),
    CrisisLine(name="988 Suicide & Crisis Lifeline", contact="call or text 988", note="US"),
    CrisisLine(name="Samaritans", contact="116 123", note="UK and Ireland, free, any time"),
)


def load_lines(path: str | os.PathLike[str]) -> tuple[CrisisLine, ...]:
    """Local lines from a TOML file; a clear one-line :class:`InputError` for anything else."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(where, "file not found") from None
    except UnicodeDecodeError:
        raise InputError(where, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"not valid TOML ({exc})") from None
    entries = data.get("line")
    if not isinstance(entries, list) or not entries:
        raise InputError(where, "expected one or more [[line]] tables with name and contact")
    lines = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InputError(where, f"line {number}: expected a table")
        name, contact, note = entry.get("name"), entry.get("contact"), entry.get("note", "")
        if not isinstance(name, str) or not name.strip():
            raise InputError(where, f"[[line]] {number}: 'name' must be non-empty text")
        if not isinstance(contact, str) or not contact.strip():
            raise InputError(where, f"[[line]] {number}: 'contact' must be non-empty text")
        if not isinstance(note, str):
            raise InputError(where, f"[[line]] {number}: 'note' must be text")
        lines.append(CrisisLine(name.strip(), contact.strip(), note.strip()))
    return tuple(lines)


def crisis_lines(
    configured: str | os.PathLike[str] | None = None, folder: Path | None = None
) -> tuple[CrisisLine, ...]:
    """The lines to show: ``configured`` (a file the person named) or ``folder``'s
    ``crisis-lines.toml`` first, then the defaults."""
    local: tuple[CrisisLine, ...] = ()
    if configured is not None:
        local = load_lines(configured)
    elif folder is not None and (folder / FILE_NAME).is_file():
        local = load_lines(folder / FILE_NAME)
    return local + DEFAULT_LINES
