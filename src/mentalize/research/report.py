"""The markdown block that ``mentalize evaluate`` writes, and writing it into a document.

The block sits between two markers so it can be regenerated inside a hand-written document
(``docs/validation.md``) without touching the prose around it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mentalize.files import PUBLIC, write_atomic
from mentalize.research.datasets import DATASETS
from mentalize.research.rows import ValidationRow

BEGIN = "<!-- mentalize evaluate: begin -->"
END = "<!-- mentalize evaluate: end -->"
TITLE = "# Validation"
COLUMNS = (
    "construct",
    "dataset",
    "in-domain",
    "metric",
    "ours",
    "baseline",
    "target/anchor (reference)",
    "n",
)


def encoder_description() -> str:
    """Whether the sentence model (``models`` extra) was available to the analyser, or it read
    with lexical markers only; asks :func:`mentalize.models.models_available`, which imports
    nothing heavy."""
    if importlib.util.find_spec("mentalize.models") is None:
        return "markers only"
    try:
        module = importlib.import_module("mentalize.models")
        available = bool(module.models_available())
    except Exception:  # a broken optional extra must not stop the report
        return "markers only"
    return "models extra installed (sentence model available)" if available else "markers only"


@dataclass(frozen=True, slots=True)
class TableLine:
    """One line of the table: ours, baselines and targets of one (construct, dataset, metric)."""

    construct: str
    dataset: str
    in_domain: bool
    metric: str
    ours: str
    baseline: str
    anchor: str
    """Targets and anchors with their references (the report)."""
    anchor_short: str
    """Targets and anchors without references (the terminal)."""
    n: str


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table_lines(rows: Sequence[ValidationRow]) -> list[TableLine]:
    """Group rows by (construct, dataset, metric), in first-seen order."""
    groups: dict[tuple[str, str, str], list[ValidationRow]] = {}
    for row in rows:
        groups.setdefault((row.construct, row.dataset, row.metric), []).append(row)
    lines = []
    for (construct, dataset, metric), members in groups.items():
        ours = [r for r in members if r.kind == "ours"]
        baselines = [r for r in members if r.kind == "baseline"]
        targets = [r for r in members if r.kind == "target"]
        anchors, short = [], []
        for r in targets + [r for r in ours if r.anchor]:
            text = r.anchor or fmt(r.value)
            short.append(text)
            anchors.append(f"{text} ({r.reference})" if r.reference else text)
        first = ours[0] if ours else members[0]
        lines.append(
            TableLine(
                construct=construct,
                dataset=DATASETS[dataset].title if dataset in DATASETS else dataset,
                in_domain=first.in_domain,
                metric=metric,
                ours="; ".join(fmt(r.value) for r in ours) or "–",
                baseline="; ".join(
                    f"{fmt(r.value)} ({r.note})" if r.note else fmt(r.value) for r in baselines
                )
                or "–",
                anchor="; ".join(anchors) or "–",
                anchor_short="; ".join(short) or "–",
                n=str(first.n),
            )
        )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_block(
    rows: Sequence[ValidationRow],
    skipped: Sequence[str] = (),
    datasets: Sequence[str] = (),
    *,
    version: str | None = None,
    encoder: str | None = None,
    date: str | None = None,
) -> str:
    """The markdown block, markers included, ending in a newline."""
    if version is None:
        from mentalize import __version__ as version
    encoder = encoder if encoder is not None else encoder_description()
    date = date or datetime.now(UTC).date().isoformat()
    out = [
        BEGIN,
        "",
        "## Public datasets (`mentalize evaluate`)",
        "",
        f"Generated {date} by mentalize {version}; analyser: {encoder}. "
        "Regenerate with `mentalize evaluate`; edits between the markers are overwritten.",
        "",
        "Each figure and its baseline are computed in the same run on the same items. "
        "`eval-only` datasets are pure test sets: nothing shipped was fitted or tuned on them, "
        "and targets are goals, not figures tuned for. A dataset is *in-domain* only if it is "
        "psychotherapy-session talk. Mappings and metrics: `docs/evaluation.md`.",
        "",
    ]
    used = [d for d in datasets if d in DATASETS] or sorted(
        {r.dataset for r in rows if r.dataset in DATASETS}
    )
    if used:
        out.append("Datasets:")
        out.append("")
        for key in used:
            info = DATASETS[key]
            out.append(f"- {info.title}: **{info.use}** ({info.licence}). {info.citation}.")
        out.append("")
    if rows:
        out.append("| " + " | ".join(COLUMNS) + " |")
        out.append("|" + "---|" * len(COLUMNS))
        for line in table_lines(rows):
            cells = (
                line.construct,
                line.dataset,
                "yes" if line.in_domain else "no",
                line.metric,
                line.ours,
                line.baseline,
                line.anchor,
                line.n,
            )
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
        notes = [r for r in rows if r.kind == "ours" and r.note]
        if notes:
            out.append("Notes:")
            out.append("")
            for r in notes:
                title = DATASETS[r.dataset].title if r.dataset in DATASETS else r.dataset
                out.append(f"- {r.construct} ({title}, {r.metric}): {r.note}.")
            out.append("")
    else:
        out.append("No evaluation ran.")
        out.append("")
    if skipped:
        out.append("Skipped:")
        out.append("")
        out.extend(f"- {line}" for line in skipped)
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def write_report(path: str | os.PathLike[str], block: str) -> None:
    """Put ``block`` (markers included) into the markdown file at ``path``.

    If the file has both markers, only what lies between them (markers included) is replaced;
    if it has none, the block is appended at the end; if there is no file, one is created with
    a title and the block. The write is atomic and the file readable by all (0644): validation
    reports hold no clinical data.
    """
    target = Path(path)
    block = block if block.endswith("\n") else block + "\n"
    if BEGIN not in block:
        block = f"{BEGIN}\n{block}{END}\n"
    if target.exists():
        current = target.read_text(encoding="utf-8")
        start = current.find(BEGIN)
        stop = current.find(END, start + len(BEGIN)) if start >= 0 else -1
        if start >= 0 and stop >= 0:
            tail = current[stop + len(END) :]
            tail = tail[1:] if tail.startswith("\n") else tail
            content = current[:start] + block + tail
        else:
            separator = (
                ""
                if not current or current.endswith("\n\n")
                else ("\n" if current.endswith("\n") else "\n\n")
            )
            content = current + separator + block
    else:
        content = f"{TITLE}\n\n{block}"
    _write_atomic(target, content)


def _write_atomic(target: Path, content: str) -> None:
    """Public documentation: mode 0644, or the old file's mode (clinical outputs are 0600)."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = PUBLIC
    write_atomic(target, content, mode=mode)
