"""``mentalize batch``: a corpus of transcripts (or a table of texts) into turns/sessions tables.

Thin: checks the options and the output folder before any work, then hands over to
:func:`mentalize.batch.engine.run`. Documented in docs/batch.md.
"""

from __future__ import annotations

import os
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Annotated, Any

import typer

from mentalize.cli.common import EXIT_INTERNAL, fail
from mentalize.errors import InputError

_ROLES = ("patient", "therapist", "other")


def _check_out_dir(out: Path) -> None:
    """Refuse an output folder we cannot use before reading or writing anything."""
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out}: is a file; give a folder")
    parent = out.parent if str(out.parent) else Path(".")
    if not out.exists() and not parent.is_dir():
        raise fail(f"--out {out}: folder {parent} does not exist")
    folder = out if out.exists() else parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"--out {out}: folder {folder} is not writable")


class _Bar:
    """Rich progress on stderr: inputs done of total, turns, errors, ETA."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.enabled = enabled
        self.total = total
        self.turns = 0
        self.errors = 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("inputs · {task.fields[turns]:,} turns · {task.fields[errors]} errors"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, turns=0, errors=0)
        return self

    def advance(self, result: Any, skipped: bool = False) -> None:
        if result is not None:
            if result.error is not None:
                self.errors += 1
            self.turns += result.turns
        if self._progress is not None:
            self._progress.update(self._task, advance=1, turns=self.turns, errors=self.errors)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _dask_engine(address: str | None, local: int | None, workers: int | None) -> Any:
    """The Dask engine for ``--dask``/``--dask-local``, or None for local processes."""
    if address is None and local is None:
        return None
    if address is not None and local is not None:
        raise fail("--dask and --dask-local: give one of them")
    if workers is not None:
        raise fail("--workers applies to local processes; with Dask size the cluster instead")
    from mentalize.batch.dask_engine import DaskEngine
    from mentalize.errors import MentalizeError

    try:
        return DaskEngine(address=address, local_workers=local)
    except MentalizeError as exc:
        raise fail(str(exc)) from None


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Transcript files, folders (searched recursively) or globs; with --texts, "
            "CSV/JSONL files of independent texts."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes (default: usable cores)."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Table format: csv, or parquet (needs pyarrow).")
    ] = "csv",
    force: Annotated[
        bool, typer.Option("--force", help="Redo inputs already done and unchanged.")
    ] = False,
    texts: Annotated[
        bool, typer.Option("--texts", help="INPUTs are CSV/JSONL tables of independent texts.")
    ] = False,
    text_column: Annotated[
        str, typer.Option("--text-column", help="With --texts: the column holding the text.")
    ] = "text",
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="With --texts: a column kept as text_id.")
    ] = None,
    role: Annotated[
        str, typer.Option("--role", help="With --texts: patient, therapist or other.")
    ] = "patient",
    markers_only: Annotated[
        bool,
        typer.Option("--markers-only", help="Read with the lexical markers alone (fast)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask", help="Run on a Dask scheduler, e.g. tcp://host:8786 (the dask extra)."
        ),
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option(
            "--dask-local", min=1, help="Run on a Dask LocalCluster of N worker processes."
        ),
    ] = None,
    role_field: Annotated[
        str | None,
        typer.Option(
            "--role-field",
            help="ConvoKit corpus input: utterance/speaker meta field holding each speaker's role.",
        ),
    ] = None,
) -> None:
    """Analyse a corpus into turns and sessions tables, resumably, on local worker processes."""
    from mentalize.batch import engine
    from mentalize.batch import inputs as batch_inputs
    from mentalize.batch.writer import FORMATS, require_format
    from mentalize.errors import MissingExtra

    fmt = format.strip().lower()
    if fmt not in FORMATS:
        raise fail(f"--format {format!r}: expected one of: {', '.join(FORMATS)}")
    if role not in _ROLES:
        raise fail(f"--role {role!r}: expected one of: {', '.join(_ROLES)}")
    if texts and role_field is not None:
        raise fail("--role-field applies only to ConvoKit corpus folders, not --texts")
    if not texts and (id_column is not None or text_column != "text"):
        raise fail("--text-column and --id-column apply only with --texts")
    try:
        require_format(fmt)
    except MissingExtra as exc:
        raise fail(str(exc)) from None
    _check_out_dir(out)
    dask_engine = _dask_engine(dask, dask_local, workers)

    units: Any
    try:
        if texts:
            units = [
                unit
                for path in inputs
                for unit in batch_inputs.text_units(path, text_column, id_column, role)
            ]
            total: int | None = len(units)
        else:
            from itertools import chain

            from mentalize.batch import convokit_inputs

            corpora = [p for p in inputs if convokit_inputs.is_corpus_dir(p)]
            others = [p for p in inputs if p not in corpora]
            if role_field is not None and not corpora:
                raise fail("--role-field applies only to ConvoKit corpus folders among INPUTs")
            corpus_units = [u for c in corpora for u in convokit_inputs.expand(c, role_field)]
            paths = batch_inputs.expand_paths(others) if others else []
            if not paths and not corpus_units:
                raise fail(
                    "no transcripts found; folders are searched for "
                    + ", ".join(sorted(batch_inputs.TRANSCRIPT_EXTENSIONS))
                )
            units = chain(batch_inputs.file_units(paths), corpus_units)
            total = len(paths) + len(corpus_units)
    except InputError as exc:
        raise fail(str(exc)) from None

    if dask_engine is not None:
        from mentalize.errors import MentalizeError

        try:
            dask_engine.connect()
        except MentalizeError as exc:
            raise fail(str(exc)) from None
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        if dask_engine is not None:
            dask_engine.close()
        raise fail(f"--out {out}: cannot create folder ({exc.strerror})", EXIT_INTERNAL) from None
    options = engine.Options(
        out=out,
        fmt=fmt,
        model="markers" if markers_only else "auto",
        force=force,
        workers=dask_engine.workers if dask_engine else workers or engine.usable_cores(),
    )
    with _Bar(total, enabled=not quiet) as bar:
        try:
            summary = engine.run(units, options, executor_factory=dask_engine, progress=bar)
        except KeyboardInterrupt:
            typer.echo(f"mentalize: interrupted; finished inputs are in {out}", err=True)
            raise typer.Exit(130) from None
        except BrokenExecutor:
            raise fail(
                f"a worker process died (out of memory or killed); finished inputs are in {out}; "
                "re-run to go on, perhaps with fewer --workers",
                EXIT_INTERNAL,
            ) from None
        except OSError as exc:
            raise fail(f"cannot write output: {exc.strerror or exc}", EXIT_INTERNAL) from None

    errors = len(summary.errors)
    typer.echo(
        f"batch: {summary.files} inputs analysed, {summary.skipped} unchanged skipped, "
        f"{summary.turns:,} turns ({summary.turns_total:,} in tables), "
        f"{errors} error{'s' if errors != 1 else ''}, {summary.turns_per_second:,.0f} turns/s "
        f"-> {out}" + (f" (see {out / 'errors.csv'})" if errors else "")
    )
