"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

The rule lives in :mod:`mentalize.csv_safe` (standard library only, below the core, so the batch
tables and the questionnaire series use the same one); this module re-exports it for the clinic:
every CSV the clinic writes (the patient export's tables, the admin's audit log export) goes
through :func:`cell`.

A **text** cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
single quote in front; numbers written as numbers (``int``, ``float``, ``Decimal``) are left
alone, so ``-0.25`` in a numeric column is still the number -0.25. Reading a value back: a text
cell that starts with a single quote followed by one of those characters had the quote added.
"""

from __future__ import annotations

from mentalize.csv_safe import FORMULA_STARTS, cell, row

__all__ = ["FORMULA_STARTS", "cell", "row"]
