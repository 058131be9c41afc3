"""``mentalize analyze FILE``: one session's reading, as a summary, JSON and an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mentalize.cli.common import EXIT_INTERNAL, check_output, fail
from mentalize.errors import InputError, MentalizeError
from mentalize.transcript.formats import FORMATS as INPUT_FORMATS
from mentalize.transcript.formats import file_types

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["analyze"]


class _ProgressBar:
    """A Rich progress bar that appears only for transcripts long enough to take a while."""

    SHOW_FROM_TURNS = 2000

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.SHOW_FROM_TURNS:
            return
        if self._progress is None or self._task is None:
            from rich.progress import Progress

            self._progress = Progress(transient=True)
            self._progress.start()
            self._task = self._progress.add_task("Reading turns", total=total)
        self._progress.update(self._task, completed=done)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def analyze(
    file: Annotated[Path, typer.Argument(help=f"Transcript: {file_types()}.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the mentalize.session/1 JSON here.")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Input format: {', '.join(INPUT_FORMATS)} (default: from the extension, else "
            "detected).",
        ),
    ] = None,
    therapist: Annotated[
        list[str] | None,
        typer.Option("--therapist", help="Speaker label of a therapist (repeatable)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
    markers_only: Annotated[
        bool,
        typer.Option(
            "--markers-only", help="Read with the lexical markers alone, without the learned layer."
        ),
    ] = False,
) -> None:
    """Analyse one session transcript: risk, breakdowns, calibration, stance, what fits next."""
    from mentalize.analysis.entrypoints import analyze as run_analysis

    check_output(json_out, "--json")
    check_output(html_out, "--html")
    with _ProgressBar(enabled=not quiet) as bar:
        try:
            analysis = run_analysis(
                file,
                format=format,
                therapists=therapist or (),
                progress=bar,
                model="markers" if markers_only else "auto",
            )
        except InputError as exc:
            raise fail(str(exc)) from None
        except MentalizeError as exc:
            raise fail(str(exc), EXIT_INTERNAL) from None

    rendered_html = None
    if html_out is not None:
        from mentalize.report import render_html

        rendered_html = render_html(analysis)
    try:
        if json_out is not None:
            from mentalize.outputs.schema import write_json

            write_json(analysis, json_out)
        if rendered_html is not None and html_out is not None:
            from mentalize.files import write_atomic

            write_atomic(html_out, rendered_html)
    except OSError as exc:
        raise fail(f"cannot write output: {exc.strerror or exc}", EXIT_INTERNAL) from None

    if not quiet:
        from mentalize.outputs.summary import print_summary

        print_summary(analysis, json_out=json_out, html_out=html_out)
