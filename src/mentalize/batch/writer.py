"""Writing the tables: one small part file per input, then the parts joined into one table.

Every file is written to a temporary name in its folder and renamed into place, so a reader (or
an interrupted run) only ever sees complete files. CSV needs nothing beyond the standard library;
Parquet needs pyarrow (``pip install 'mentalize[corpus]'``), imported only when asked for.

CSV text cells go through :func:`mentalize.csv_safe.cell` (a turn's ``text``, its ``speaker``,
the ``source`` file name and every other string): one that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a single quote in front, so a transcript line reading
``=HYPERLINK(...)`` cannot become a live formula in a spreadsheet. Numbers and booleans are
written as before, and Parquet stores the text unchanged (it is not read as formulas).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mentalize import csv_safe
from mentalize.errors import MissingExtra
from mentalize.files import atomic_path
from mentalize.outputs.tables import ColumnType

FORMATS = ("parquet", "csv")

Columns = Sequence[tuple[str, ColumnType]]


def require_format(fmt: str) -> None:
    """Fail before any work when ``fmt`` cannot be written here."""
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise MissingExtra(
                "corpus", "Parquet output", missing="pyarrow", alternative="use --format csv"
            ) from None


def _arrow_schema(columns: Columns) -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(name, types[kind]) for name, kind in columns])


def _csv_value(value: Any) -> Any:
    """CSV cells: empty for null, ``true``/``false`` for booleans, ``repr`` for floats (exact),
    text formula-safe (:mod:`mentalize.csv_safe`); numbers are never quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return value
    return csv_safe.cell(value)


def write_table(rows: Sequence[dict[str, Any]], columns: Columns, target: Path, fmt: str) -> None:
    """Write ``rows`` (dicts keyed by column name) as one complete file at ``target``."""
    names = [name for name, _ in columns]
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist(list(rows), schema=_arrow_schema(columns))
            pq.write_table(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(names)
                for row in rows:
                    writer.writerow([_csv_value(row[n]) for n in names])


def join_parts(parts: Iterable[Path], columns: Columns, target: Path, fmt: str) -> int:
    """Join part files (in the order given) into ``target``, one part in memory at a time.
    Missing parts are skipped. Returns the number of parts joined."""
    names = [name for name, _ in columns]
    total = 0
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            schema = _arrow_schema(columns)
            with pq.ParquetWriter(tmp, schema) as writer:
                for part in parts:
                    if not part.is_file():
                        continue
                    writer.write_table(pq.read_table(part, schema=schema))
                    total += 1
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as out:
                csv.writer(out).writerow(names)
                for part in parts:
                    if not part.is_file():
                        continue
                    # Parts are our own CSV with the same header: copy the rows as they are
                    # (the header line never holds a line break).
                    with open(part, encoding="utf-8", newline="") as handle:
                        handle.readline()
                        body = handle.read()
                    out.write(body)
                    total += 1
    return total


def write_errors(errors: Sequence[tuple[str, str]], target: Path) -> None:
    """``errors.csv``: one row per input that could not be read, ``file,reason`` (formula-safe:
    a file name is chosen by whoever made the corpus)."""
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "reason"])
        for source, reason in errors:
            writer.writerow(csv_safe.row([source, reason]))
