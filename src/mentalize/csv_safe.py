"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab or carriage return before one) as a formula: a note reading
``=HYPERLINK("http://x","y")`` becomes a live link, and worse formulas can fetch data or run
commands. Every CSV mentalize writes goes through :func:`cell`: the clinic's patient export and
audit-log export (through ``mentalize.web.exports.csv_safe``, which re-exports this module), the
batch tables' CSV (``mentalize.batch.writer``) and the questionnaire series
(``mentalize.instruments.export.series_csv``).

The rule, OWASP's: a **text** cell that starts with one of those characters gets a single quote
in front, which spreadsheets show as text and do not evaluate. Numbers written as numbers
(``int``, ``float``, ``Decimal``, and ``bool``) are left alone, so ``-0.25`` in a numeric column
is still the number -0.25; only text is ever changed. Reading a value back: a text cell that
starts with a single quote followed by one of those characters had the quote added here.

Standard library only, in the bottom layer, so the core (batch, instruments) and the web app
share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

__all__ = ["FORMULA_STARTS", "cell", "row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` as it may go into a CSV file: text that could start a formula is quoted."""
    if isinstance(value, bool | int | float | Decimal) or value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(values: Iterable[Any]) -> list[Any]:
    """Every cell of one row through :func:`cell`."""
    return [cell(value) for value in values]
