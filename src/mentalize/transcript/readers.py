"""Read session transcripts (plain text, WebVTT, SRT, CSV, JSONL) into a :class:`Transcript`.

Every reader returns the same typed :class:`~mentalize.transcript.Transcript`, so the analysis
layer never sees a file format. Bad input never surfaces as a traceback: each problem becomes an
:class:`~mentalize.errors.InputError` naming the source, the line where it helps and what would be
valid. Messages never quote the transcript itself (patients' words must not reach logs); they name
line numbers, byte offsets and field names only.

Roles are left empty here; :func:`mentalize.transcript.roles.assign_roles` fills them.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mentalize.errors import InputError
from mentalize.transcript import Transcript, Turn

FORMATS: tuple[str, ...] = ("text", "vtt", "srt", "csv", "jsonl")
MAX_BYTES = 20 * 1024 * 1024

#: Speaker given to text that comes before the first speaker label (a title line, or caption cues
#: before anyone is named). :mod:`mentalize.transcript.roles` maps it to the role ``"other"``.
UNLABELLED = "UNKNOWN"

_FORMAT_ALIASES = {"txt": "text", "webvtt": "vtt", "ndjson": "jsonl"}
FORMAT_BY_EXTENSION = {
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_TEXT_KEYS = ("text", "utterance", "content")
_SPEAKER_KEY = "speaker"
_TIME_KEY = "timestamp"
_VALID_TIME = "expected seconds (e.g. 12.5) or HH:MM:SS(.mmm)"
_LIMIT = f"{MAX_BYTES // (1024 * 1024)} MiB"

_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive such as .docx"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BINARY_SHARE = 0.10
_SNIFF_CHARS = 8192

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,6}))?$")
_CLOCK_TEXT = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,6})?"
_LINE_TIME = re.compile(
    rf"^\s*(?:\[(?P<square>{_CLOCK_TEXT})\]|\((?P<round>{_CLOCK_TEXT})\)|(?P<bare>{_CLOCK_TEXT}))"
    r"\s*(?:[-–—]\s*)?"
)
# The name is everything before the first colon; _is_speaker_name decides whether it is one.
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
_TIMING = re.compile(r"^\s*(?P<start>\S+)\s+-->\s+(?P<end>\S+)(?:\s.*)?$")
_SNIFF_TIMING = re.compile(r"^\s*[\d:.,]+\s*-->\s*[\d:.,]+")
# One whitespace, then the name up to the next "<" or ">": "\s+([^>]*)" let the two share spaces
# and scan past other tags, which made a cue of many unclosed "<v" tags quadratic.
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(\s[^<>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_CUE_DASH = re.compile(r"^\s*(?:[-–—]|>>)\s*")


@dataclass
class _Draft:
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
        words = _squash(" ".join(self.parts))
        return Turn(_squash(self.speaker), words, self.line, self.start, self.end)


# --------------------------------------------------------------------------- public API


def read_transcript(path: str | os.PathLike[str], format: str | None = None) -> Transcript:
    """Read a transcript file, detecting its format unless ``format`` names one of :data:`FORMATS`.

    Detection uses the extension first (.vtt, .srt, .csv/.tsv, .jsonl/.ndjson) and otherwise
    sniffs the content, so a ``.txt`` export of captions still parses as captions.
    """
    source = str(path)
    fmt = _check_format(format, source)
    text = decode_text(_read_bytes(path, source), source)
    if fmt is None:
        fmt = FORMAT_BY_EXTENSION.get(os.path.splitext(source)[1].lower())
    return _parse(text, source, fmt, noun="file")


def parse_transcript(text: str, source: str = "<text>", format: str | None = None) -> Transcript:
    """Parse a transcript already in memory (e.g. ``mentalize.analyze_text("T: hello\\nP: hi")``).

    Same rules and errors as :func:`read_transcript`, with content sniffing only.
    """
    fmt = _check_format(format, source)
    return _parse(text, source, fmt, noun="text")


# --------------------------------------------------------------------------- reading bytes


def _check_format(format: str | None, source: str) -> str | None:
    """Normalise a user-given format name, so a typo fails before the file is touched."""
    if format is None:
        return None
    name = str(format).strip().lower()
    name = _FORMAT_ALIASES.get(name, name)
    if name not in FORMATS:
        shown = str(format)[:20]
        raise InputError(source, f"unknown format {shown!r}; expected one of: {', '.join(FORMATS)}")
    return name


def _read_bytes(path: str | os.PathLike[str], source: str) -> bytes:
    """Read the raw bytes, checking size with ``os.stat`` first so a huge file is never loaded."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(source, "file not found") from None
    except ValueError:
        raise InputError(source, "not a valid file path") from None
    except OSError as exc:
        raise InputError(source, _os_problem(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(source, "is a directory, not a transcript file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(source, "is not a regular file; expected a transcript file")
    if info.st_size > MAX_BYTES:
        raise InputError(source, _too_large("file"))
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(source, _os_problem(exc)) from None
    if len(data) > MAX_BYTES:  # the file grew between stat and read
        raise InputError(source, _too_large("file"))
    return data


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "file cannot be read (permission denied)"
    return f"file cannot be read ({exc.strerror or type(exc).__name__})"


def _too_large(noun: str) -> str:
    return f"{noun} is larger than the {_LIMIT} limit ({MAX_BYTES} bytes); split the session"


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (BOM optional) or BOM-marked UTF-16/32; never guess a legacy code page.

    A silent latin-1 fallback would turn misencoded names and words into mojibake that the
    lexicons then miss, so an undecodable file is an error that says how to fix it.
    """
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                problem = f"not valid {codec.upper()} at byte offset {exc.start}; save it as UTF-8"
                raise InputError(source, problem) from None
    kind = _binary_kind(data)
    if kind == "" and (utf16 := _bomless_utf16(data)) is not None:
        problem = f"looks like {utf16} text without a byte-order mark; save it as UTF-8"
        raise InputError(source, problem)
    if kind is not None:
        raise InputError(source, _binary_problem("file", kind))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"not valid UTF-8 at byte offset {exc.start}; save it as UTF-8"
        raise InputError(source, problem, line) from None


def _bomless_utf16(data: bytes) -> str | None:
    """``"UTF-16LE"``/``"UTF-16BE"`` when bytes without a BOM read as text in that encoding.

    Some Windows tools save UTF-16 without a byte-order mark; "looks like a binary file" would
    send the user looking for the wrong fix. The bytes count as text when, decoded, hardly any
    characters are controls or undecodable and spaces or line breaks are common; binary data
    read as UTF-16 gives U+0000 runs or scattered code points with almost no spaces.
    """
    sample = data[: 2 * _SNIFF_CHARS]
    for codec, name in (("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")):
        text = sample[: len(sample) // 2 * 2].decode(codec, errors="replace")
        if not text:
            return None
        odd = len(_CONTROL_CHARS.findall(text)) + text.count("\ufffd")
        gaps = text.count(" ") + text.count("\n")
        if odd <= len(text) * 0.01 and gaps >= len(text) * 0.02:
            return name
    return None


def _binary_kind(data: bytes) -> str | None:
    """Name what a binary file looks like, or ``None`` for text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if b"\x00" in data:
        return ""
    sample = data[:_SNIFF_CHARS]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if sample and controls / len(sample) > _BINARY_SHARE:
        return ""
    return None


def _binary_problem(noun: str, kind: str) -> str:
    what = ("a binary file" if noun == "file" else "binary data") + (f" ({kind})" if kind else "")
    return (
        f"looks like {what}, not a text transcript; "
        "export it as plain text (.txt), .vtt, .srt, .csv or .jsonl"
    )


# --------------------------------------------------------------------------- dispatch


def _parse(text: str, source: str, fmt: str | None, noun: str) -> Transcript:
    text = _prepare(text, source, noun)
    fmt = fmt or _sniff(text)
    return _PARSERS[fmt](text, source)


def _prepare(text: str, source: str, noun: str) -> str:
    """Checks shared by files and strings: size, binary content, emptiness; unify newlines."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_BYTES:
        raise InputError(source, _too_large(noun))
    sample = text[:_SNIFF_CHARS]
    controls = len(_CONTROL_CHARS.findall(sample))
    if "\x00" in text or (sample and controls / len(sample) > _BINARY_SHARE):
        raise InputError(source, _binary_problem(noun, ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(source, f"{noun} is empty; expected a transcript with lines like 'T: ...'")
    return text


def _sniff(text: str) -> str:
    """Guess the format from the first non-blank lines (the extension said nothing useful)."""
    # lstrip: the first line is then never blank (over 64 leading blank lines left "head" empty
    # and raised IndexError; found by fuzzing)
    head = [line.strip() for line in text.lstrip().split("\n", 64)[:64] if line.strip()]
    first = head[0]
    if first.startswith("WEBVTT"):
        return "vtt"
    if _SNIFF_TIMING.match(first) or (
        first.isdigit() and len(head) > 1 and _SNIFF_TIMING.match(head[1])
    ):
        return "srt"
    if first.startswith("{"):
        return "jsonl"
    if _csv_delimiter(first) is not None:
        return "csv"
    return "text"


def _finish(drafts: list[_Draft], source: str, fmt: str, expected: str) -> Transcript:
    """Drop empty turns and refuse transcripts with no labelled, non-empty turn."""
    if not any(d.labelled for d in drafts):
        raise InputError(source, f"no speaker labels found; expected {expected}")
    kept = [(d.labelled, turn) for d, turn in ((d, d.turn()) for d in drafts) if turn.text]
    if not any(labelled for labelled, _ in kept):
        raise InputError(source, "all turns are empty; expected text after each speaker label")
    return Transcript(source=source, turns=tuple(turn for _, turn in kept), format=fmt)


def _squash(text: str) -> str:
    """Collapse runs of whitespace (line breaks inside a turn included) to one space."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- time values


def _clock_seconds(value: str) -> float | None:
    """``[HH:]MM:SS[.mmm]`` (comma or dot) as seconds, or ``None`` if it is not a clock time."""
    match = _CLOCK.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def _time_value(value: object) -> float | None:
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
        clock = _clock_seconds(value)
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


# --------------------------------------------------------------------------- plain text


def _is_speaker_name(name: str) -> bool:
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


def _split_label(line: str) -> tuple[str, str] | None:
    """``(speaker, text)`` if the line starts with a speaker label, else ``None``."""
    match = _PREFIX.match(line)
    if match is None or not _is_speaker_name(match["name"]):
        return None
    return match["name"], match["text"]


def _parse_text(text: str, source: str) -> Transcript:
    """One turn per ``Name: text`` line; unlabelled lines continue the previous turn."""
    drafts: list[_Draft] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        start, rest = _line_timestamp(line)
        labelled = _split_label(rest)
        if labelled is not None:
            speaker, words = labelled
            drafts.append(_Draft(speaker, number, start=start, parts=[words]))
        elif drafts:
            drafts[-1].parts.append(line.strip())
        else:  # a title or preamble before the first label
            drafts.append(_Draft(UNLABELLED, number, parts=[line.strip()], labelled=False))
    return _finish(drafts, source, "text", "lines like 'T: ...' or 'Therapist: ...'")


def _line_timestamp(line: str) -> tuple[float | None, str]:
    """Split ``[00:01:02] Name: ...`` into the time and the rest.

    The time is only taken when a speaker label follows it, so a continuation line that merely
    starts with a clock time ("10:30 was when...") keeps its words.
    """
    match = _LINE_TIME.match(line)
    if match is None:
        return None, line
    rest = line[match.end() :]
    if _split_label(rest) is None:
        return None, line
    clock = match["square"] or match["round"] or match["bare"]
    return _clock_seconds(clock), rest


# --------------------------------------------------------------------------- captions


@dataclass(frozen=True)
class _Cue:
    line: int
    start: float
    end: float
    lines: list[str]


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
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


def _cue_timing(line: str, number: int, source: str, example: str) -> tuple[float, float]:
    """Start and end seconds of a ``start --> end [settings]`` line."""
    match = _TIMING.match(line)
    start = _clock_seconds(match["start"]) if match else None
    end = _clock_seconds(match["end"]) if match else None
    if start is None or end is None:
        raise InputError(source, f"bad cue timestamp; expected '{example}'", number)
    if end < start:
        raise InputError(source, "cue ends before it starts", number)
    return start, end


def _parse_vtt(text: str, source: str) -> Transcript:
    """WebVTT: header, optional NOTE/STYLE/REGION blocks, then cues with an optional id."""
    example = "HH:MM:SS.mmm --> HH:MM:SS.mmm' (hours optional"
    blocks = list(_blocks(text))
    first_line, header = blocks[0]
    if not re.match(r"WEBVTT(?:[ \t]|$)", header[0].strip()):
        problem = "missing 'WEBVTT' header; a WebVTT file starts with the line 'WEBVTT'"
        raise InputError(source, problem, first_line)
    cues: list[_Cue] = []
    for number, block in _after_header(blocks):
        if re.match(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        at = 0 if "-->" in block[0] else 1
        if at >= len(block) or "-->" not in block[at]:
            problem = "expected a cue timing line like '00:00:01.000 --> 00:00:04.000'"
            raise InputError(source, problem, number + min(at, len(block) - 1))
        start, end = _cue_timing(block[at], number + at, source, example + ")")
        cues.append(_Cue(number + at, start, end, block[at + 1 :]))
    return _merge_cues(cues, source, "vtt")


def _after_header(blocks: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The blocks after the WEBVTT header; a cue glued to the header (no blank line) is kept."""
    first_line, header = blocks[0]
    glued = next((i for i, line in enumerate(header) if "-->" in line), None)
    if glued is None:
        return blocks[1:]
    return [(first_line + glued, header[glued:]), *blocks[1:]]


def _parse_srt(text: str, source: str) -> Transcript:
    """SubRip: numbered blocks with a timing line; the number is tolerated when missing."""
    example = "HH:MM:SS,mmm --> HH:MM:SS,mmm"
    cues: list[_Cue] = []
    for number, block in _blocks(text):
        at = 1 if block[0].strip().isdigit() else 0
        if at >= len(block) or "-->" not in block[at]:
            problem = "expected a subtitle number and a timing line like '00:00:01,000 --> ...'"
            raise InputError(source, problem, number + min(at, len(block) - 1))
        start, end = _cue_timing(block[at], number + at, source, example)
        cues.append(_Cue(number + at, start, end, block[at + 1 :]))
    return _merge_cues(cues, source, "srt")


def _merge_cues(cues: list[_Cue], source: str, fmt: str) -> Transcript:
    """Captions split sentences across cues, so consecutive cues of one speaker form one turn.

    A cue without a label continues the previous speaker; cues before anyone is named go to
    :data:`UNLABELLED`.
    """
    drafts: list[_Draft] = []
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
                drafts.append(_Draft(speaker, cue.line, cue.start, cue.end, [words], labelled))
    return _finish(drafts, source, fmt, "cues like '<v Therapist>...' or 'Therapist: ...'")


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
        labelled = _split_label(line)
        if labelled is not None:
            pieces.append((labelled[0], [labelled[1]]))
        elif pieces:
            pieces[-1][1].append(line)
        else:
            pieces.append((None, [line]))
    return [(speaker, " ".join(words)) for speaker, words in pieces]


def _clean(text: str) -> str:
    """Strip caption markup (``<i>``, ``<c.x>``, ``</v>``, ``{\\an8}``) and entities."""
    return _squash(html.unescape(_TAG.sub("", text)))


# --------------------------------------------------------------------------- CSV


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
        if _SPEAKER_KEY in columns and any(key in columns for key in _TEXT_KEYS):
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
    return _finish(kept, source, "csv", "a 'speaker' column")


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
    text_key = next((key for key in _TEXT_KEYS if key in columns), None)
    if _SPEAKER_KEY not in columns or text_key is None:
        problem = (
            f"CSV header has columns {_shown_columns(columns)}; required: 'speaker' and 'text' "
            "(or 'utterance'/'content'), optional: 'timestamp'"
        )
        raise InputError(source, problem, line)
    index = {"speaker": columns.index(_SPEAKER_KEY), "text": columns.index(text_key)}
    if _TIME_KEY in columns:
        index["timestamp"] = columns.index(_TIME_KEY)
    return index


def _csv_draft(row: list[str], number: int, index: dict[str, int], source: str) -> _Draft | None:
    def cell(name: str) -> str:
        position = index.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""

    speaker, words = cell("speaker"), cell("text")
    if not speaker:
        if not words:
            return None
        raise InputError(source, "the 'speaker' field is empty; every row needs a speaker", number)
    try:
        start = _time_value(cell("timestamp"))
    except ValueError:
        raise InputError(source, f"bad 'timestamp' value; {_VALID_TIME}", number) from None
    return _Draft(speaker, number, start=start, parts=[words])


# --------------------------------------------------------------------------- JSONL


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
    return _finish(drafts, source, "jsonl", "a 'speaker' key")


def _jsonl_draft(line: str, number: int, source: str) -> _Draft:
    example = 'expected one object per line like {"speaker": "T", "text": "..."}'
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):  # ValueError: also integers over 4300 digits
        raise InputError(source, f"not valid JSON; {example}", number) from None
    if not isinstance(value, dict):
        raise InputError(source, f"not a JSON object; {example}", number)
    fields = {str(key).strip().lower(): item for key, item in value.items()}
    text_key = next((key for key in _TEXT_KEYS if key in fields), None)
    if _SPEAKER_KEY not in fields or text_key is None:
        missing = "'speaker'" if _SPEAKER_KEY not in fields else "'text'"
        raise InputError(source, f"missing key {missing}; {example}", number)
    speaker, words = fields[_SPEAKER_KEY], fields[text_key]
    if not isinstance(speaker, str) or not speaker.strip():
        raise InputError(source, "'speaker' must be a non-empty string", number)
    if not isinstance(words, str):
        raise InputError(source, f"'{text_key}' must be a string", number)
    try:
        start = _time_value(fields.get(_TIME_KEY))
    except ValueError:
        raise InputError(source, f"bad 'timestamp' value; {_VALID_TIME}", number) from None
    return _Draft(speaker.strip(), number, start=start, parts=[words])


_PARSERS: dict[str, Callable[[str, str], Transcript]] = {
    "text": _parse_text,
    "vtt": _parse_vtt,
    "srt": _parse_srt,
    "csv": _parse_csv,
    "jsonl": _parse_jsonl,
}
