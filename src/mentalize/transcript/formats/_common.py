"""What every input format shares: the turn being assembled, the last check before a
:class:`Transcript` is made, time values, and what counts as a speaker label.

Private to :mod:`mentalize.transcript.formats`; a format module imports what it needs from here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from mentalize.errors import InputError
from mentalize.transcript.model import Transcript, Turn

#: Speaker given to text that comes before the first speaker label (a title line, or caption cues
#: before anyone is named). :mod:`mentalize.transcript.roles` maps it to the role ``"other"``.
UNLABELLED = "UNKNOWN"
TEXT_KEYS = ("text", "utterance", "content")
SPEAKER_KEY = "speaker"
TIME_KEY = "timestamp"
VALID_TIME = "expected seconds (e.g. 12.5) or HH:MM:SS(.mmm)"

CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,6}))?$")
# The name is everything before the first colon; is_speaker_name decides whether it is one.
# A colon followed by a digit (a clock time, a ratio) or "//" (a URL) is never a label.
# The name starts with a non-space: with "[^:]" first, a long run of spaces before the text made
# the leading \s* and the name trade spaces, and one 20 kB line of spaces took 20 s.
_PREFIX = re.compile(r"^\s*(?P<name>[^:\s][^:]{0,39}?)\s*:(?!\d)(?!//)\s*(?P<text>.*)$")
# Lower-case words allowed inside a multi-word name ("Ana de Souza").
_NAME_PARTICLES = frozenset(
    {"al", "bin", "da", "de", "del", "della", "den", "der", "di", "du", "el", "la", "le", "van"}
    | {"von", "y"}
)
_MAX_NAME_WORDS = 4


@dataclass
class Draft:
    """A turn being assembled from several lines or cues."""

    speaker: str
    line: int
    start: float | None = None
    end: float | None = None
    parts: list[str] = field(default_factory=list)
    # Kept apart from the name: a transcript may really label a speaker "UNKNOWN" (found by
    # property testing), and that turn is labelled all the same.
    labelled: bool = True

    def turn(self) -> Turn:
        # The label is squashed like the text: a quoted CSV cell or a JSON string could carry a
        # line break or a run of spaces into the speaker's name (found by fuzzing).
        words = squash(" ".join(self.parts))
        return Turn(squash(self.speaker), words, self.line, self.start, self.end)


def finish(drafts: list[Draft], source: str, fmt: str, expected: str) -> Transcript:
    """Drop empty turns and refuse transcripts with no labelled, non-empty turn."""
    if not any(d.labelled for d in drafts):
        raise InputError(source, f"no speaker labels found; expected {expected}")
    kept = [(d.labelled, turn) for d, turn in ((d, d.turn()) for d in drafts) if turn.text]
    if not any(labelled for labelled, _ in kept):
        raise InputError(source, "all turns are empty; expected text after each speaker label")
    return Transcript(source=source, turns=tuple(turn for _, turn in kept), format=fmt)


def squash(text: str) -> str:
    """Collapse runs of whitespace (line breaks inside a turn included) to one space."""
    return " ".join(text.split())


def clock_seconds(value: str) -> float | None:
    """``[HH:]MM:SS[.mmm]`` (comma or dot) as seconds, or ``None`` if it is not a clock time."""
    match = CLOCK.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def time_value(value: object) -> float | None:
    """A timestamp cell or JSON value: seconds as a number, or a clock string.

    Raises ``ValueError`` for anything else so the caller can name the line.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("boolean timestamp")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        clock = clock_seconds(value)
        if clock is not None:
            return clock
        try:
            seconds = float(value.strip())
        except ValueError:
            raise ValueError("not a time") from None
    else:
        raise ValueError("not a time")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("not a time")
    return seconds


def is_speaker_name(name: str) -> bool:
    """Whether the text before a colon is a speaker label rather than prose.

    Labels are 1-4 words of letters, digits and ``._'-``, starting with a letter. Multi-word
    labels must look like names ("Therapist 1", "Dr. Ana de Souza"), so "So I told her: no" and
    "Well, she said: fine" stay continuation lines. A single word is accepted as written, which
    means a line like "Note: ..." does start a turn for the speaker "Note" (roles map NOTE to
    ``other``).
    """
    if len(name) > 40 or not name[:1].isalpha():
        return False
    words = name.split()
    if len(words) > _MAX_NAME_WORDS or not all(_is_name_word(word) for word in words):
        return False
    if len(words) == 1:
        return True
    return words[0][0].isupper() and all(
        word[0].isupper() or word[0].isdigit() or word in _NAME_PARTICLES for word in words[1:]
    )


def _is_name_word(word: str) -> bool:
    """Letters, digits and ``._'-``; a period only after an initial or abbreviation ("Dr.")."""
    if not all(ch.isalnum() or ch in "._'-" for ch in word):
        return False
    return all(len(piece) <= 3 for piece in word.split(".")[:-1])


def split_label(line: str) -> tuple[str, str] | None:
    """``(speaker, text)`` if the line starts with a speaker label, else ``None``."""
    match = _PREFIX.match(line)
    if match is None or not is_speaker_name(match["name"]):
        return None
    return match["name"], match["text"]
