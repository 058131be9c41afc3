"""``mentalize evaluate``: run the evaluations on the public datasets and write the table.

    mentalize evaluate [--data ../shared/datasets] [--out docs/validation.md]

Datasets that are not there are skipped with one line each and the command still succeeds; a
malformed dataset file is one line naming it, exit code 2, and nothing written. Without the
``research`` extra (scikit-learn, scipy) the command says how to install it, exit code 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentalize.cli.common import EXIT_INPUT, EXIT_INTERNAL, check_output
from mentalize.cli.common import fail as _fail

DEFAULT_OUT = Path("docs") / "validation.md"


def evaluate(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Datasets folder (default: $MENTALIZE_DATASETS, else ../shared/datasets).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Markdown file for the table (default docs/validation.md); only the block "
            "between the 'mentalize evaluate' markers is replaced.",
        ),
    ] = None,
) -> None:
    """Measure the analyser on the public labelled datasets (needs the research extra)."""
    from mentalize.errors import MentalizeError
    from mentalize.research.datasets import DatasetError, dataset_root
    from mentalize.research.marker_evaluations import ResearchExtraMissing, require_research

    try:
        require_research()
    except ResearchExtraMissing as exc:
        raise _fail(str(exc), EXIT_INTERNAL) from None

    target = out if out is not None else DEFAULT_OUT
    check_output(target, "--out")

    from rich.console import Console

    from mentalize.research.marker_evaluations import run_evaluations
    from mentalize.research.report import render_block, write_report

    root = dataset_root(data)
    console = Console(stderr=True)
    with console.status("Evaluating…") as status:
        try:
            run = run_evaluations(
                root, on_start=lambda item: status.update(f"Evaluating {item.name}…")
            )
        except DatasetError as exc:
            raise _fail(str(exc), EXIT_INPUT) from None
        except MentalizeError as exc:
            raise _fail(str(exc), EXIT_INTERNAL) from None

    for line in run.skipped:
        typer.echo(line)
    _print_table(run.rows, run.seconds)

    if not run.rows:
        typer.echo(f"No dataset found under {root}; {target} left unchanged.")
        return
    try:
        write_report(target, render_block(run.rows, run.skipped, run.datasets))
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise _fail(f"cannot write {target}: {reason}", EXIT_INTERNAL) from None
    total = sum(run.seconds.values())
    typer.echo(f"Wrote {target} ({len(run.seconds)} evaluations, {total:.1f} s).")


def _print_table(rows: list, seconds: dict[str, float]) -> None:
    if not rows:
        return
    from rich.console import Console
    from rich.table import Table

    from mentalize.research.report import COLUMNS, table_lines

    table = Table(title="mentalize evaluate", show_lines=False)
    for column in COLUMNS:
        table.add_column(column, overflow="fold", justify="right" if column == "n" else "left")
    for line in table_lines(rows):
        table.add_row(
            line.construct,
            line.dataset,
            "yes" if line.in_domain else "no",
            line.metric,
            line.ours,
            line.baseline,
            line.anchor_short,
            line.n,
        )
    console = Console()
    console.print(table)
    if seconds:
        console.print(
            "Time: " + ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()),
            highlight=False,
        )
