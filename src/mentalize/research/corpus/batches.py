"""Annotation batches: the files a helper codes, and the label files it returns.

A batch file holds, per unit, its id, role, context and text; it is written outside the
repository (the text of public datasets is never committed). The label files that come back hold
ids and codes only and are stored under ``data/corpus/labels/<source>/<pass>/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mentalize.errors import InputError
from mentalize.files import PUBLIC, write_atomic
from mentalize.research.corpus.labels import check_line
from mentalize.research.corpus.units import Unit

__all__ = ["json_lines", "read_labels", "read_passes", "write_batches"]


def write_batches(units: Sequence[Unit], folder: Path, size: int, prefix: str) -> list[Path]:
    """Units in batches of ``size``, a conversation's units kept in order; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, len(units), size)):
        lines = [
            json.dumps(_batch_line(u), ensure_ascii=False) for u in units[start : start + size]
        ]
        path = folder / f"{prefix}-{number:03d}.jsonl"
        write_atomic(path, "\n".join(lines) + "\n", mode=PUBLIC)
        paths.append(path)
    return paths


def _batch_line(unit: Unit) -> dict[str, Any]:
    """What the annotator sees of a unit; speaker labels where the source has them."""
    line: dict[str, Any] = {"id": unit.id, "role": unit.role}
    if unit.speaker:
        line["speaker"] = unit.speaker
        line["context"] = [
            {"role": r, "speaker": s, "text": t}
            for (r, t), s in zip(unit.context, unit.context_speakers, strict=True)
        ]
    else:
        line["context"] = [{"role": r, "text": t} for r, t in unit.context]
    line["text"] = unit.text
    return line


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON Lines file as ``(line number, value)``; a line that is not
    JSON is one error naming the file and line (never its content)."""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError:
            raise InputError(str(path), "not valid JSON", number) from None


LineCheck = Callable[[Any, str, int], dict[str, Any]]


def read_labels(folder: Path, check: LineCheck = check_line) -> dict[str, dict[str, Any]]:
    """Every record of one pass (``*.jsonl`` in ``folder``), checked by ``check`` (turn labels
    by default, risk detail in :mod:`.risk_detail`), by unit id."""
    records: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, record in json_lines(path):
            checked = check(record, str(path), number)
            if checked["id"] in records:
                raise InputError(str(path), f"unit {checked['id']} coded twice in one pass", number)
            records[checked["id"]] = checked
    return records


def read_passes(source: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Every pass of one source (its ``pass-*`` folders), by folder name, in name order."""
    return {p.name: read_labels(p) for p in sorted(source.glob("pass-*")) if p.is_dir()}
