"""Read session transcripts into a :class:`Transcript`: the bytes, the text, then the format.

The formats themselves (plain text, WebVTT, SRT, CSV, JSONL) are one module each in
:mod:`mentalize.transcript.formats`; this module reads files, decodes and checks their bytes,
picks the format (the name given, else the extension, else the content) and hands the text over.

Every reader returns the same typed :class:`~mentalize.transcript.Transcript`, so the analysis
layer never sees a file format. Bad input never surfaces as a traceback: each problem becomes an
:class:`~mentalize.errors.InputError` naming the source, the line where it helps and what would be
valid. Messages never quote the transcript itself (patients' words must not reach logs); they name
line numbers, byte offsets and field names only.

Roles are left empty here; :func:`mentalize.transcript.roles.assign_roles` fills them.
"""

from __future__ import annotations

import os
import re
import stat

from mentalize.errors import InputError
from mentalize.transcript import formats
from mentalize.transcript.formats._common import UNLABELLED
from mentalize.transcript.model import Transcript

__all__ = [
    "FORMATS",
    "FORMAT_BY_EXTENSION",
    "MAX_BYTES",
    "UNLABELLED",
    "decode_text",
    "parse_transcript",
    "read_transcript",
]

FORMATS: tuple[str, ...] = formats.FORMATS
MAX_BYTES = 20 * 1024 * 1024
FORMAT_BY_EXTENSION: dict[str, str] = {ext: f.name for ext, f in formats.BY_EXTENSION.items()}
_LIMIT = f"{MAX_BYTES // (1024 * 1024)} MiB"

_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive such as .docx"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
# Word processors' Rich Text Format: plain ASCII, so it decodes and would otherwise be sniffed as
# JSONL (it starts with "{") and fail as "not valid JSON", which sends people the wrong way.
_RTF_MAGIC = b"{\\rtf"
_RTF_EXTENSION = ".rtf"
_RTF_PROBLEM = (
    "is an RTF document (a word-processor file), not plain text; in the word processor use "
    "File > Save As > Plain Text (.txt) and try again"
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BINARY_SHARE = 0.10
_SNIFF_CHARS = 8192


def read_transcript(path: str | os.PathLike[str], format: str | None = None) -> Transcript:
    """Read a transcript file, detecting its format unless ``format`` names one of :data:`FORMATS`.

    Detection uses the extension first (.vtt, .srt, .csv/.tsv, .jsonl/.ndjson) and otherwise
    sniffs the content, so a ``.txt`` export of captions still parses as captions.
    """
    source = str(path)
    fmt = _check_format(format, source)
    data = _read_bytes(path, source)
    if format is None and os.path.splitext(source)[1].lower() == _RTF_EXTENSION:
        raise InputError(source, _RTF_PROBLEM)  # whatever its content: not one of FORMATS
    text = decode_text(data, source)
    if fmt is None:
        fmt = FORMAT_BY_EXTENSION.get(os.path.splitext(source)[1].lower())
    return _parse(text, source, fmt, noun="file")


def parse_transcript(text: str, source: str = "<text>", format: str | None = None) -> Transcript:
    """Parse a transcript already in memory (e.g. ``mentalize.analyze_text("T: hello\\nP: hi")``).

    Same rules and errors as :func:`read_transcript`, with content sniffing only.
    """
    fmt = _check_format(format, source)
    return _parse(text, source, fmt, noun="text")


def _check_format(format: str | None, source: str) -> str | None:
    """Normalise a user-given format name, so a typo fails before the file is touched."""
    if format is None:
        return None
    found = formats.resolve(str(format))
    if found is None:
        shown = str(format)[:20]
        raise InputError(source, f"unknown format {shown!r}; expected one of: {', '.join(FORMATS)}")
    return found.name


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
    if _is_rtf(data):
        # before UTF-8: RTF may carry raw code-page bytes, and "not UTF-8" is the wrong advice
        raise InputError(source, _RTF_PROBLEM)
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


def _is_rtf(data: bytes) -> bool:
    """Whether ``data`` is an RTF document (``{\\rtf`` after optional BOM and whitespace)."""
    return data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(_RTF_MAGIC)


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
    return f"looks like {what}, not a text transcript; export it as one of {formats.file_types()}"


def _parse(text: str, source: str, fmt: str | None, noun: str) -> Transcript:
    text = _prepare(text, source, noun)
    fmt = fmt or _sniff(text)
    return formats.BY_NAME[fmt].parse(text, source)


def _prepare(text: str, source: str, noun: str) -> str:
    """Checks shared by files and strings: size, binary content, emptiness; unify newlines."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_BYTES:
        raise InputError(source, _too_large(noun))
    if text.lstrip().startswith(_RTF_MAGIC.decode("ascii")):  # pasted or UTF-16 RTF
        raise InputError(source, _RTF_PROBLEM)
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
    for candidate in formats.SNIFFED:
        assert candidate.sniff is not None
        if candidate.sniff(head):
            return candidate.name
    return formats.FALLBACK.name
