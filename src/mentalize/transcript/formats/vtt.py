"""WebVTT captions: a ``WEBVTT`` header, optional NOTE/STYLE/REGION blocks, cues with voice tags."""

from __future__ import annotations

import re

from mentalize.errors import InputError
from mentalize.transcript.formats._captions import Cue, cue_timing, merge_cues, text_blocks
from mentalize.transcript.formats.registry import InputFormat
from mentalize.transcript.model import Transcript


def _parse_vtt(text: str, source: str) -> Transcript:
    """WebVTT: header, optional NOTE/STYLE/REGION blocks, then cues with an optional id."""
    example = "HH:MM:SS.mmm --> HH:MM:SS.mmm' (hours optional"
    blocks = list(text_blocks(text))
    first_line, header = blocks[0]
    if not re.match(r"WEBVTT(?:[ \t]|$)", header[0].strip()):
        problem = "missing 'WEBVTT' header; a WebVTT file starts with the line 'WEBVTT'"
        raise InputError(source, problem, first_line)
    cues: list[Cue] = []
    for number, block in _after_header(blocks):
        if re.match(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        at = 0 if "-->" in block[0] else 1
        if at >= len(block) or "-->" not in block[at]:
            problem = "expected a cue timing line like '00:00:01.000 --> 00:00:04.000'"
            raise InputError(source, problem, number + min(at, len(block) - 1))
        start, end = cue_timing(block[at], number + at, source, example + ")")
        cues.append(Cue(number + at, start, end, block[at + 1 :]))
    return merge_cues(cues, source, "vtt")


def _after_header(blocks: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The blocks after the WEBVTT header; a cue glued to the header (no blank line) is kept."""
    first_line, header = blocks[0]
    glued = next((i for i, line in enumerate(header) if "-->" in line), None)
    if glued is None:
        return blocks[1:]
    return [(first_line + glued, header[glued:]), *blocks[1:]]


def _looks_like_vtt(head: list[str]) -> bool:
    return head[0].startswith("WEBVTT")


FORMAT = InputFormat(
    name="vtt",
    label="WebVTT",
    order=1,
    extensions=(".vtt",),
    aliases=("webvtt",),
    parse=_parse_vtt,
    sniff=_looks_like_vtt,
    sniff_rank=0,
)
