"""Plain text: one turn per ``Name: text`` line, with an optional clock time before the name."""

from __future__ import annotations

import re

from mentalize.transcript.formats._common import (
    UNLABELLED,
    Draft,
    clock_seconds,
    finish,
    split_label,
)
from mentalize.transcript.formats.registry import InputFormat
from mentalize.transcript.model import Transcript

_CLOCK_TEXT = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,6})?"
_LINE_TIME = re.compile(
    rf"^\s*(?:\[(?P<square>{_CLOCK_TEXT})\]|\((?P<round>{_CLOCK_TEXT})\)|(?P<bare>{_CLOCK_TEXT}))"
    r"\s*(?:[-–—]\s*)?"
)


def _parse_text(text: str, source: str) -> Transcript:
    """One turn per ``Name: text`` line; unlabelled lines continue the previous turn."""
    drafts: list[Draft] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        start, rest = _line_timestamp(line)
        labelled = split_label(rest)
        if labelled is not None:
            speaker, words = labelled
            drafts.append(Draft(speaker, number, start=start, parts=[words]))
        elif drafts:
            drafts[-1].parts.append(line.strip())
        else:  # a title or preamble before the first label
            drafts.append(Draft(UNLABELLED, number, parts=[line.strip()], labelled=False))
    return finish(drafts, source, "text", "lines like 'T: ...' or 'Therapist: ...'")


def _line_timestamp(line: str) -> tuple[float | None, str]:
    """Split ``[00:01:02] Name: ...`` into the time and the rest.

    The time is only taken when a speaker label follows it, so a continuation line that merely
    starts with a clock time ("10:30 was when...") keeps its words.
    """
    match = _LINE_TIME.match(line)
    if match is None:
        return None, line
    rest = line[match.end() :]
    if split_label(rest) is None:
        return None, line
    clock = match["square"] or match["round"] or match["bare"]
    return clock_seconds(clock), rest


FORMAT = InputFormat(
    name="text",
    label="Plain text",
    order=0,
    extensions=(),  # a .txt file is sniffed: caption exports are often saved as .txt
    aliases=("txt",),
    parse=_parse_text,
    sniff=None,
)
