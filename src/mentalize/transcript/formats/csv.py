"""CSV (or TSV, or semicolon-separated) with a header naming ``speaker`` and ``text``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

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


def _header_columns(line: str, delimiter: str) -> list[str]:
    try:
        row = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [cell.strip().lstrip("\ufeff").lower() for cell in row]


def _csv_delimiter(header: str) -> str | None:
    """The delimiter (comma, tab or semicolon) under which ``header`` names speaker and text."""
    for delimiter in (",", "\t", ";"):
        columns = _header_columns(header, delimiter)
        if SPEAKER_KEY in columns and any(key in columns for key in TEXT_KEYS):
            return delimiter
    return None


def _shown_columns(columns: list[str]) -> str:
    """Column names for an error message, hiding cells that look like sentences, not names.

    When the first row is not really a header it is transcript text, which must not be echoed.
    """
    shown = [
        repr(c) if re.fullmatch(r"[a-z_][\w .-]{0,31}", c) and len(c.split()) <= 3 else "(?)"
        for c in columns
    ]
    return ", ".join(shown) if shown else "none"


def _parse_csv(text: str, source: str) -> Transcript:
    """A header naming ``speaker`` and ``text`` (or ``utterance``/``content``), maybe ``timestamp``.

    Rows stay separate turns even when one speaker has several in a row: a CSV export is already
    segmented the way its author wanted.
    """
    lines = text.split("\n")
    header_line = next(line for line in lines if line.strip())
    delimiter = _csv_delimiter(header_line) or ("\t" if "\t" in header_line else ",")
    # strict: a stray or unclosed quote is an error naming its line, not a silently merged row
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = _csv_rows(reader, source)
    header_number, header = next(rows, (1, []))
    columns = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    index = _csv_index(columns, source, header_number)
    drafts = [_csv_draft(row, number, index, source) for number, row in rows]
    kept = [draft for draft in drafts if draft is not None]
    if not kept:
        raise InputError(source, "no rows after the CSV header; expected one row per turn")
    return finish(kept, source, "csv", "a 'speaker' column")


def _csv_rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the file line where each starts (rows may span quoted newlines)."""
    consumed = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(source, f"malformed CSV ({exc})", consumed + 1) from None
        start, consumed = consumed + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _csv_index(columns: list[str], source: str, line: int) -> dict[str, int]:
    """Column positions of speaker, text and (optionally) timestamp; the first duplicate wins."""
    text_key = next((key for key in TEXT_KEYS if key in columns), None)
    if SPEAKER_KEY not in columns or text_key is None:
        problem = (
            f"CSV header has columns {_shown_columns(columns)}; required: 'speaker' and 'text' "
            "(or 'utterance'/'content'), optional: 'timestamp'"
        )
        raise InputError(source, problem, line)
    index = {"speaker": columns.index(SPEAKER_KEY), "text": columns.index(text_key)}
    if TIME_KEY in columns:
        index["timestamp"] = columns.index(TIME_KEY)
    return index


def _csv_draft(row: list[str], number: int, index: dict[str, int], source: str) -> Draft | None:
    def cell(name: str) -> str:
        position = index.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""

    speaker, words = cell("speaker"), cell("text")
    if not speaker:
        if not words:
            return None
        raise InputError(source, "the 'speaker' field is empty; every row needs a speaker", number)
    try:
        start = time_value(cell("timestamp"))
    except ValueError:
        raise InputError(source, f"bad 'timestamp' value; {VALID_TIME}", number) from None
    return Draft(speaker, number, start=start, parts=[words])


def _looks_like_csv(head: list[str]) -> bool:
    return _csv_delimiter(head[0]) is not None


FORMAT = InputFormat(
    name="csv",
    label="CSV",
    order=3,
    extensions=(".csv", ".tsv"),
    aliases=(),
    parse=_parse_csv,
    sniff=_looks_like_csv,
    sniff_rank=3,
)
