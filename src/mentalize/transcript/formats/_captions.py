"""Caption files (WebVTT and SRT): blocks, cue timings, and cues merged into turns.

Shared by :mod:`.vtt` and :mod:`.srt`; private to the formats package.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from mentalize.errors import InputError
from mentalize.transcript.formats._common import (
    UNLABELLED,
    Draft,
    clock_seconds,
    finish,
    split_label,
    squash,
)
from mentalize.transcript.model import Transcript

_TIMING = re.compile(r"^\s*(?P<start>\S+)\s+-->\s+(?P<end>\S+)(?:\s.*)?$")
SNIFF_TIMING = re.compile(r"^\s*[\d:.,]+\s*-->\s*[\d:.,]+")
# One whitespace, then the name up to the next "<" or ">": "\s+([^>]*)" let the two share spaces
# and scan past other tags, which made a cue of many unclosed "<v" tags quadratic.
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(\s[^<>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_CUE_DASH = re.compile(r"^\s*(?:[-–—]|>>)\s*")


@dataclass(frozen=True)
class Cue:
    line: int
    start: float
    end: float
    lines: list[str]


def text_blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based line number of their first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def cue_timing(line: str, number: int, source: str, example: str) -> tuple[float, float]:
    """Start and end seconds of a ``start --> end [settings]`` line."""
    match = _TIMING.match(line)
    start = clock_seconds(match["start"]) if match else None
    end = clock_seconds(match["end"]) if match else None
    if start is None or end is None:
        raise InputError(source, f"bad cue timestamp; expected '{example}'", number)
    if end < start:
        raise InputError(source, "cue ends before it starts", number)
    return start, end


def merge_cues(cues: list[Cue], source: str, fmt: str) -> Transcript:
    """Captions split sentences across cues, so consecutive cues of one speaker form one turn.

    A cue without a label continues the previous speaker; cues before anyone is named go to
    :data:`UNLABELLED`.
    """
    drafts: list[Draft] = []
    for cue in cues:
        for named, words in _cue_pieces(cue.lines):
            last = drafts[-1] if drafts else None
            if named is not None:
                speaker, labelled = named, True
            elif last is not None:
                speaker, labelled = last.speaker, last.labelled
            else:
                speaker, labelled = UNLABELLED, False
            if last is not None and (last.speaker, last.labelled) == (speaker, labelled):
                drafts[-1].parts.append(words)
                # max: cues out of time order must not give a turn ending before it starts
                # (found by fuzzing)
                drafts[-1].end = max(drafts[-1].end or 0.0, cue.end)
            else:
                drafts.append(Draft(speaker, cue.line, cue.start, cue.end, [words], labelled))
    return finish(drafts, source, fmt, "cues like '<v Therapist>...' or 'Therapist: ...'")


def _cue_pieces(lines: list[str]) -> list[tuple[str | None, str]]:
    """Split cue text into ``(speaker or None, text)`` by ``<v Name>`` tags and ``Name:`` lines."""
    parts = _VOICE.split("\n".join(lines))
    pieces = _labelled_lines(parts[0].split("\n"))
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        pieces.append((_clean(name) or None, _clean(body)))
    return pieces


def _labelled_lines(lines: list[str]) -> list[tuple[str | None, str]]:
    """Cue lines without a voice tag: a ``Name:`` line starts a piece, others continue it."""
    # Words are collected in lists and joined once: appending to a string per line was
    # quadratic in the number of lines of one cue.
    pieces: list[tuple[str | None, list[str]]] = []
    for raw in lines:
        line = _CUE_DASH.sub("", _clean(raw))
        if not line:
            continue
        labelled = split_label(line)
        if labelled is not None:
            pieces.append((labelled[0], [labelled[1]]))
        elif pieces:
            pieces[-1][1].append(line)
        else:
            pieces.append((None, [line]))
    return [(speaker, " ".join(words)) for speaker, words in pieces]


def _clean(text: str) -> str:
    """Strip caption markup (``<i>``, ``<c.x>``, ``</v>``, ``{\\an8}``) and entities."""
    return squash(html.unescape(_TAG.sub("", text)))
