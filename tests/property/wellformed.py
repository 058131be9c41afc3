"""What a reader's answer must look like, shared by the Hypothesis tests and the atheris fuzzer.

A reader either returns a well-formed :class:`Transcript` or raises the project's own one-line
:class:`InputError`; anything else (another exception, a turn with an empty speaker, a negative
time) is a bug. Keeping the rules in one place means a crash the fuzzer finds and a failing
property test mean the same thing.
"""

from __future__ import annotations

import math

from mentalize.errors import InputError
from mentalize.transcript import Transcript
from mentalize.transcript.readers import FORMATS, UNLABELLED


def check_transcript(transcript: Transcript, text: str, fmt: str | None, source: str) -> None:
    """Assert the invariants every reader promises for a successful read of ``text``."""
    assert isinstance(transcript, Transcript)
    assert transcript.source == source
    assert transcript.format in FORMATS
    if fmt is not None:
        assert transcript.format == fmt
    assert transcript.roles == {}
    assert transcript.turns, "a successful read has at least one turn"
    assert any(turn.speaker != UNLABELLED for turn in transcript.turns)
    lines = text.count("\n") + text.count("\r") + 1
    for turn in transcript.turns:
        assert isinstance(turn.speaker, str) and turn.speaker
        assert turn.speaker == " ".join(turn.speaker.split()), "labels are whitespace-squashed"
        assert "\x00" not in turn.speaker
        assert isinstance(turn.text, str) and turn.text
        assert turn.text == " ".join(turn.text.split()), "turn text is whitespace-squashed"
        assert "\x00" not in turn.text
        assert isinstance(turn.line, int) and 1 <= turn.line <= lines
        for value in (turn.start, turn.end):
            assert value is None or (
                isinstance(value, float) and math.isfinite(value) and value >= 0
            )
        if turn.start is not None and turn.end is not None:
            assert turn.end >= turn.start


def check_error(error: InputError, source: str) -> None:
    """An InputError is one line that starts with the source name and says what was wrong."""
    message = str(error)
    assert isinstance(error, InputError)
    assert error.source == source
    assert message.startswith(source)
    assert "\n" not in message and "\r" not in message, "errors are one line"
    assert error.problem.strip(), "errors say what was wrong"
    assert error.line is None or error.line >= 1
