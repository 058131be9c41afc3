"""Text exports of scored administrations: JSON for one, CSV for a series over a treatment.

The functions here return strings; writing them is the caller's job (the CLI uses
:func:`mentalize.files.write_atomic`, so files appear whole and readable by the owner
only). Every text cell of the CSV is formula-safe (:mod:`mentalize.csv_safe`: a leading ``=``,
``+``, ``-``, ``@``, tab or carriage return gets a single quote); numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from mentalize import csv_safe
from mentalize.errors import InputError
from mentalize.instruments.change import compare
from mentalize.instruments.model import ChangeResult, Instrument, ScoreResult

__all__ = ["series_csv", "series_rows", "to_json"]


def to_json(data: ScoreResult | ChangeResult | dict[str, Any], indent: int | None = 2) -> str:
    """JSON text of a result (or of a FHIR resource dict), UTF-8 friendly, no trailing newline."""
    payload = data if isinstance(data, dict) else data.to_dict()
    return json.dumps(payload, indent=indent, ensure_ascii=False)


def _when(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    # a spreadsheet would run "=..." as a formula: keep free text inert
    return str(csv_safe.cell(str(value)))


def series_rows(
    results: Sequence[ScoreResult],
    dates: Sequence[date | datetime | str | None] | None = None,
    instrument: Instrument | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows for a series of administrations of one instrument, in the given order.

    Each row has the answers, every score, the band, the flags and, for the instrument's change
    scale, the change from the first administration and its classification (empty when the
    instrument has no published change parameters).
    """
    if not results:
        raise InputError("series", "no administrations to export")
    ids = {r.instrument for r in results}
    if len(ids) != 1:
        raise InputError("series", f"mixes instruments ({', '.join(sorted(ids))}); export one")
    if dates is not None and len(dates) != len(results):
        raise InputError("series", f"{len(dates)} dates for {len(results)} administrations")
    if instrument is None:
        from mentalize.instruments.loader import load

        instrument = load(results[0].instrument)
    change_scale = (
        instrument.change.scale if instrument.change is not None else instrument.scales[0].id
    )
    header = [
        "administration",
        "date",
        "instrument",
        "version",
        *(f"item_{i.number}" for i in instrument.items),
        *(s.id for s in instrument.scales),
        "band",
        "flags",
        f"{change_scale}_change_from_first",
        "classification_vs_first",
    ]
    first = results[0]
    rows = []
    for n, result in enumerate(results, start=1):
        row: dict[str, Any] = {
            "administration": n,
            "date": _when(dates[n - 1]) if dates is not None else "",
            "instrument": result.instrument,
            "version": result.version,
        }
        row.update({f"item_{i}": a for i, a in enumerate(result.answers, start=1)})
        row.update(dict(result.scores))
        row["band"] = result.band.id if result.band is not None else ""
        row["flags"] = ";".join(f.id for f in result.flags)
        if n == 1:
            row[f"{change_scale}_change_from_first"] = ""
            row["classification_vs_first"] = ""
        else:
            delta = compare(
                instrument,
                first.scores[change_scale],
                result.scores[change_scale],
                scale=change_scale,
            )
            change = delta.change
            row[f"{change_scale}_change_from_first"] = (
                int(change) if float(change).is_integer() else round(change, 4)
            )
            row["classification_vs_first"] = delta.classification or ""
        rows.append(row)
    return header, rows


def series_csv(
    results: Sequence[ScoreResult],
    dates: Sequence[date | datetime | str | None] | None = None,
    instrument: Instrument | None = None,
) -> str:
    """CSV text (RFC 4180, header row first) for a series of administrations."""
    header, rows = series_rows(results, dates, instrument)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    # the instrument's own ids (a local instrument file's band or flag ids) are text too
    writer.writerows({key: csv_safe.cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
