"""SubRip (SRT) subtitles: numbered blocks with a ``start --> end`` timing line."""

from __future__ import annotations

from mentalize.errors import InputError
from mentalize.transcript.formats._captions import (
    SNIFF_TIMING,
    Cue,
    cue_timing,
    merge_cues,
    text_blocks,
)
from mentalize.transcript.formats.registry import InputFormat
from mentalize.transcript.model import Transcript


def _parse_srt(text: str, source: str) -> Transcript:
    """SubRip: numbered blocks with a timing line; the number is tolerated when missing."""
    example = "HH:MM:SS,mmm --> HH:MM:SS,mmm"
    cues: list[Cue] = []
    for number, block in text_blocks(text):
        at = 1 if block[0].strip().isdigit() else 0
        if at >= len(block) or "-->" not in block[at]:
            problem = "expected a subtitle number and a timing line like '00:00:01,000 --> ...'"
            raise InputError(source, problem, number + min(at, len(block) - 1))
        start, end = cue_timing(block[at], number + at, source, example)
        cues.append(Cue(number + at, start, end, block[at + 1 :]))
    return merge_cues(cues, source, "srt")


def _looks_like_srt(head: list[str]) -> bool:
    first = head[0]
    return bool(
        SNIFF_TIMING.match(first)
        or (first.isdigit() and len(head) > 1 and SNIFF_TIMING.match(head[1]))
    )


FORMAT = InputFormat(
    name="srt",
    label="SRT",
    order=2,
    extensions=(".srt",),
    aliases=(),
    parse=_parse_srt,
    sniff=_looks_like_srt,
    sniff_rank=1,
)
