"""JSON Lines: one object per line with ``speaker``, ``text`` and an optional ``timestamp``."""

from __future__ import annotations

import json

from mentalize.errors import InputError
from mentalize.transcript.formats._common import (
    SPEAKER_KEY,
    TEXT_KEYS,
    TIME_KEY,
    VALID_TIME,
    Draft,
    finish,
    time_value,
)
from mentalize.transcript.formats.registry import InputFormat
from mentalize.transcript.model import Transcript


def _parse_jsonl(text: str, source: str) -> Transcript:
    """One JSON object per line with ``speaker``, ``text`` and optional ``timestamp``.

    Keys are matched case-insensitively and ``utterance``/``content`` stand in for ``text``,
    as in CSV.
    """
    drafts = [
        _jsonl_draft(line, number, source)
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    return finish(drafts, source, "jsonl", "a 'speaker' key")


def _jsonl_draft(line: str, number: int, source: str) -> Draft:
    example = 'expected one object per line like {"speaker": "T", "text": "..."}'
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # ValueError: also integers over 4300 digits
        raise InputError(source, f"not valid JSON; {example}", number) from None
    if not isinstance(value, dict):
        raise InputError(source, f"not a JSON object; {example}", number)
    fields = {str(key).strip().lower(): item for key, item in value.items()}
    text_key = next((key for key in TEXT_KEYS if key in fields), None)
    if SPEAKER_KEY not in fields or text_key is None:
        missing = "'speaker'" if SPEAKER_KEY not in fields else "'text'"
        raise InputError(source, f"missing key {missing}; {example}", number)
    speaker, words = fields[SPEAKER_KEY], fields[text_key]
    if not isinstance(speaker, str) or not speaker.strip():
        raise InputError(source, "'speaker' must be a non-empty string", number)
    if not isinstance(words, str):
        raise InputError(source, f"'{text_key}' must be a string", number)
    try:
        start = time_value(fields.get(TIME_KEY))
    except ValueError:
        raise InputError(source, f"bad 'timestamp' value; {VALID_TIME}", number) from None
    return Draft(speaker.strip(), number, start=start, parts=[words])


def _looks_like_jsonl(head: list[str]) -> bool:
    return head[0].startswith("{")


FORMAT = InputFormat(
    name="jsonl",
    label="JSON Lines",
    order=4,
    extensions=(".jsonl", ".ndjson"),
    aliases=("ndjson",),
    parse=_parse_jsonl,
    sniff=_looks_like_jsonl,
    sniff_rank=2,
)
