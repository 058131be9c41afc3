"""The fuzz target of the transcript readers, without atheris, so a saved input can be replayed
anywhere (``fuzz/replay.py``) and measured with coverage.py.

The first byte of an input picks the format (its value modulo 6: ``0`` auto-detect, ``1`` text,
``2`` vtt, ``3`` srt, ``4`` csv, ``5`` jsonl); the rest goes through the public entry points,
:func:`mentalize.transcript.readers.decode_text` then
:func:`mentalize.transcript.readers.parse_transcript` (what ``read_transcript`` and the
clinic's upload do). The only acceptable outcomes are a well-formed transcript or the project's
one-line InputError (``tests/property/wellformed.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.property.wellformed import check_error, check_transcript

from mentalize.errors import InputError
from mentalize.transcript import readers

CHOICES: tuple[str | None, ...] = (None, *readers.FORMATS)
SOURCE = "fuzz-input"


def test_one_input(data: bytes) -> None:
    """Decode and parse one input; raise (so libFuzzer reports it) if any promise is broken."""
    if not data:
        return
    fmt = CHOICES[data[0] % len(CHOICES)]
    try:
        text = readers.decode_text(data[1:], SOURCE)
        transcript = readers.parse_transcript(text, source=SOURCE, format=fmt)
    except InputError as error:
        check_error(error, SOURCE)
        return
    check_transcript(transcript, text, fmt, SOURCE)
