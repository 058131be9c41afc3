"""What a batch run works on: transcript files found from paths, folders and globs, or chunks of
a ``--texts`` CSV/JSONL of independent texts.

Every piece of work is a :class:`Unit` with a stable ``key`` (its part-file name, derived from
where it comes from, not from its content) so a re-run finds what it did before; the content hash
decides whether that is still current.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mentalize.errors import InputError
from mentalize.transcript import Transcript
from mentalize.transcript.readers import FORMAT_BY_EXTENSION, decode_text

#: Extensions a folder is searched for (a file named explicitly is read whatever its name).
TRANSCRIPT_EXTENSIONS: frozenset[str] = frozenset({".txt", ".text", *FORMAT_BY_EXTENSION})

#: Texts per unit of work when reading a ``--texts`` source: large enough to amortise the
#: per-unit cost, small enough to spread over workers and to bound memory.
TEXTS_PER_UNIT = 2000

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of work: a transcript file, a slice of a ``--texts`` source, or a transcript
    already in memory.

    ``texts``/``ids`` are filled for texts slices only; ``sha256`` is the content hash (of the
    file, or of the slice's ids and texts) that decides whether a re-run may skip it.
    """

    key: str
    source: str
    sha256: str
    texts: tuple[str, ...] | None = None
    ids: tuple[str | None, ...] | None = None
    role: str = "patient"
    transcript: Transcript | None = None
    """A transcript read up front with roles assigned (a ConvoKit conversation, see
    :mod:`mentalize.batch.convokit_inputs`), analysed as it is instead of reading ``source``."""
    offset: int = 0
    """Row number of the slice's first text in its source, so ``turn`` counts across slices."""


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The content hash of a file, read in chunks so a large file never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expand_paths(inputs: Sequence[str]) -> list[Path]:
    """Files named, found under folders (recursively, transcript extensions only, sorted), or
    matched by globs, in the order given, each once. Raises :class:`InputError` for an input that
    names nothing, so a typo fails before any work starts."""
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append(path)

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path):
                add(child)
        elif path.is_file():
            add(path)
        elif _GLOB_CHARS & set(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            files = [Path(m) for m in matches if Path(m).is_file()]
            for m in matches:
                if Path(m).is_dir():
                    files.extend(_walk(Path(m)))
            if not files:
                raise InputError(raw, "pattern matches no files")
            for child in files:
                add(child)
        elif path.exists():
            raise InputError(raw, "is not a regular file or folder")
        else:
            raise InputError(raw, "file or folder not found")
    return found


def _walk(folder: Path) -> list[Path]:
    """Transcript files under ``folder``, sorted by path so runs see the same order everywhere;
    hidden files and folders (and our own output's ``parts``) are skipped."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in TRANSCRIPT_EXTENSIONS:
                out.append(Path(root) / name)
    return out


def file_units(paths: Sequence[Path]) -> Iterator[Unit | tuple[str, str]]:
    """A :class:`Unit` per file, hashed now; a file that cannot be read becomes ``(source,
    reason)`` so the run records it in errors.csv and goes on."""
    for path in paths:
        source = str(path)
        try:
            sha = file_sha256(path)
        except OSError as exc:
            yield source, f"file cannot be read ({exc.strerror or type(exc).__name__})"
            continue
        yield Unit(key=_key("file", str(path.resolve())), source=source, sha256=sha)


def text_units(
    path: str | os.PathLike[str],
    text_column: str = "text",
    id_column: str | None = None,
    role: str = "patient",
    per_unit: int = TEXTS_PER_UNIT,
) -> Iterator[Unit]:
    """Slices of a CSV (or TSV) or JSONL file of independent texts, ``per_unit`` texts each.

    Raises :class:`InputError` naming the file, line and column when the file is not a table of
    texts (missing column, bad JSON line, not UTF-8), before any slice of it is analysed.
    """
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError(source, "file not found") from None
    except IsADirectoryError:
        raise InputError(source, "is a folder; --texts takes a CSV or JSONL file") from None
    except OSError as exc:
        raise InputError(source, f"file cannot be read ({exc.strerror})") from None
    text = decode_text(data, source)
    ext = os.path.splitext(source)[1].lower()
    if ext in (".jsonl", ".ndjson", ".json"):
        read = _jsonl_rows(text, source, text_column, id_column)
    elif ext in (".csv", ".tsv"):
        read = _csv_rows(text, source, text_column, id_column, "\t" if ext == ".tsv" else ",")
    else:
        raise InputError(source, "--texts takes a .csv, .tsv or .jsonl file")
    rows = list(read)
    if not rows:
        raise InputError(source, "has no texts")
    base = str(Path(source).resolve())
    for number, start in enumerate(range(0, len(rows), per_unit)):
        chunk = rows[start : start + per_unit]
        ids = tuple(i for i, _ in chunk)
        texts = tuple(t for _, t in chunk)
        sha = hashlib.sha256(
            json.dumps([role, ids, texts], ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        yield Unit(
            key=_key("texts", base, text_column, str(id_column), str(per_unit), str(number)),
            source=source,
            sha256=sha,
            texts=texts,
            ids=ids,
            role=role,
            offset=start,
        )


def _csv_rows(
    text: str, source: str, text_column: str, id_column: str | None, delimiter: str
) -> Iterator[tuple[str | None, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise InputError(source, "is empty; expected a header row naming the text column")
    columns = [c.strip() for c in header]
    shown = ", ".join(repr(c) for c in columns[:10])
    if text_column not in columns:
        raise InputError(source, f"no column {text_column!r} (--text-column); columns: {shown}")
    if id_column is not None and id_column not in columns:
        raise InputError(source, f"no column {id_column!r} (--id-column); columns: {shown}")
    t = columns.index(text_column)
    i = columns.index(id_column) if id_column is not None else None
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if t >= len(row):
            raise InputError(source, f"line {reader.line_num}: no value in column {text_column!r}")
        yield (row[i] if i is not None and i < len(row) else None), row[t]


def _jsonl_rows(
    text: str, source: str, text_column: str, id_column: str | None
) -> Iterator[tuple[str | None, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(source, f"line {number}: not valid JSON") from None
        if not isinstance(record, dict):
            raise InputError(source, f"line {number}: expected a JSON object")
        value = record.get(text_column)
        if not isinstance(value, str):
            raise InputError(
                source,
                f"line {number}: field {text_column!r} (--text-column) is missing or not a string",
            )
        ident = record.get(id_column) if id_column is not None else None
        if id_column is not None and ident is None:
            raise InputError(source, f"line {number}: field {id_column!r} (--id-column) missing")
        yield (None if ident is None else str(ident)), value
