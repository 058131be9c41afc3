"""pandas tables from the Python API: the same ``turns`` and ``sessions`` tables ``mentalize batch``
writes, built from :class:`SessionAnalysis` objects already in memory.

The rows and column order come from :mod:`mentalize.outputs.tables`, so a notebook and a batch run
never disagree about a column. pandas is the optional extra ``mentalize[corpus]`` and is imported
inside the functions, never by ``import mentalize``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mentalize.analysis.results import SessionAnalysis
from mentalize.errors import MissingExtra
from mentalize.outputs.tables import (
    SESSION_COLUMNS,
    TURN_COLUMNS,
    ColumnType,
    session_row,
    turn_rows,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PANDAS_DTYPES", "sessions_frame", "turns_frame"]

#: pandas dtype of each column type. Strings are the nullable ``string`` dtype (an empty
#: ``mode`` is <NA>, not the text "None"); floats are float64 with NaN for "undefined"; ints and
#: bools never miss a value, so they stay plain numpy dtypes that every tool reads.
PANDAS_DTYPES: dict[ColumnType, str] = {
    "string": "string",
    "int": "int64",
    "float": "float64",
    "bool": "bool",
}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise MissingExtra("corpus", "pandas tables", missing="pandas") from None
    return pandas


def _frame(rows: list[dict[str, Any]], columns: tuple[tuple[str, ColumnType], ...]) -> pd.DataFrame:
    pandas = _pandas()
    names = [name for name, _ in columns]
    frame = pandas.DataFrame.from_records(rows, columns=names)
    return frame.astype({name: PANDAS_DTYPES[kind] for name, kind in columns})


def turns_frame(analyses: SessionAnalysis | Iterable[SessionAnalysis]) -> pd.DataFrame:
    """One row per turn of every analysis, in the batch ``turns`` columns and order."""
    items = [analyses] if isinstance(analyses, SessionAnalysis) else analyses
    rows: list[dict[str, Any]] = []
    for analysis in items:
        rows.extend(turn_rows(analysis))
    return _frame(rows, TURN_COLUMNS)


def sessions_frame(analyses: SessionAnalysis | Iterable[SessionAnalysis]) -> pd.DataFrame:
    """One row per analysis, in the batch ``sessions`` columns (``sha256`` is empty: an analysis
    in memory has no file content to hash)."""
    items = [analyses] if isinstance(analyses, SessionAnalysis) else analyses
    return _frame([session_row(a) for a in items], SESSION_COLUMNS)
