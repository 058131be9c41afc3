"""``mentalize assess``: score questionnaires and judge change, over :mod:`mentalize.instruments`.

    mentalize assess list
    mentalize assess INSTRUMENT --answers 1,2,3,... [--json OUT] [--fhir OUT]
    mentalize assess INSTRUMENT                      (asks each item in the terminal)
    mentalize assess change INSTRUMENT --pre N --post N [--json OUT]
    mentalize assess questionnaire INSTRUMENT [--fhir OUT]

Bad input is one line on stderr, ``mentalize: error: ...``, and exit code 2, like the rest of
the CLI. Output files are written atomically and readable by the owner only.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from mentalize.cli.common import EXIT_INTERNAL
from mentalize.cli.common import check_output as _check_output
from mentalize.cli.common import fail as _fail

if TYPE_CHECKING:
    from mentalize.instruments.model import Instrument

_SCORE = "score"


class _AssessGroup(TyperGroup):
    """``mentalize assess phq9 ...`` runs the hidden ``score`` command for any word that is not
    one of the group's own commands, so instruments need no command of their own."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [_SCORE, *args]
        return super().resolve_command(ctx, args)


assess_app = typer.Typer(
    name="assess",
    cls=_AssessGroup,
    help=(
        "Score questionnaires (RFQ-8, PHQ-9, GAD-7) and judge change over time. "
        "Usage: mentalize assess INSTRUMENT --answers 1,2,3,... [--json OUT] [--fhir OUT]; "
        "without --answers, each item is asked in the terminal. Screening aids, not diagnoses."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _write(path: Path, text: str) -> None:
    from mentalize.files import write_atomic

    try:
        write_atomic(path, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror or exc}", EXIT_INTERNAL) from None


def _load(name: str) -> Instrument:
    from mentalize.errors import InputError, MentalizeError
    from mentalize.instruments import load

    try:
        return load(name)
    except InputError as exc:
        raise _fail(str(exc)) from None
    except MentalizeError as exc:
        raise _fail(str(exc), EXIT_INTERNAL) from None


@assess_app.command("list")
def list_instruments() -> None:
    """List the instruments that can be scored."""
    from rich.console import Console
    from rich.table import Table

    from mentalize.instruments import available

    table = Table(title="Instruments", title_justify="left")
    for column in ("id", "title", "items", "answers", "scores", "change classification"):
        table.add_column(column)
    for name in available():
        info = _load(name).summary()
        table.add_row(
            info["id"],
            info["title"],
            str(info["items"]),
            info["answers"],
            ", ".join(info["scores"]),
            "yes" if info["change"] else "unavailable",
        )
    console = Console()
    console.print(table)
    console.print("Score one: mentalize assess ID --answers 1,2,3,... (or leave out --answers).")


def _ask(instrument: Instrument) -> list[int]:
    """Show each item and its options; accept only a valid answer, saying why otherwise."""
    from rich.console import Console
    from rich.markup import escape

    from mentalize.errors import InputError
    from mentalize.instruments import parse_answer

    console = Console(highlight=False)
    typer.echo(f"{instrument.title}")
    typer.echo(instrument.instructions)
    answers: list[int] = []
    low, high = instrument.min_answer, instrument.max_answer
    for item in instrument.items:
        typer.echo("")
        typer.echo(f"{item.number}/{len(instrument.items)}. {item.text}")
        for option in instrument.options:
            typer.echo(f"   {option.value} = {option.label}")
        while True:
            try:
                raw = console.input(escape(f"Answer ({low}-{high}): "))
            except EOFError:
                typer.echo("")
                raise _fail(
                    f"{instrument.id}: input ended at item {item.number} of "
                    f"{len(instrument.items)}; nothing was scored or written"
                ) from None
            try:
                answers.append(parse_answer(instrument, item.number, raw))
                break
            except InputError as exc:
                typer.echo(f"   not accepted: {exc.problem}")
    typer.echo("")
    return answers


@assess_app.command(_SCORE, hidden=True)
def score_command(
    instrument_name: Annotated[
        str, typer.Argument(metavar="INSTRUMENT", help="Instrument id: rfq8, phq9, gad7, ...")
    ],
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            help="Answers in item order, comma-separated (e.g. 0,1,2,...). Omit to be asked.",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the scored result as JSON here.")
    ] = None,
    fhir_out: Annotated[
        Path | None,
        typer.Option("--fhir", help="Write a FHIR R4 QuestionnaireResponse (JSON) here."),
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option("--subject", help="FHIR subject reference for --fhir, e.g. Patient/123."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="FHIR base URL for canonical links (default: urn:uuid)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Score one administration of INSTRUMENT."""
    from mentalize.errors import InputError
    from mentalize.instruments import fhir, score

    instrument = _load(instrument_name)
    _check_output(json_out, "--json")
    _check_output(fhir_out, "--fhir")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise _fail(f"--base-url {base_url}: give an absolute http(s) URL")
    raw_answers: str | list[int] = answers if answers is not None else _ask(instrument)
    try:
        result = score(instrument, raw_answers)
    except InputError as exc:
        raise _fail(str(exc)) from None

    if json_out is not None:
        from mentalize.instruments import to_json

        _write(json_out, to_json(result))
    if fhir_out is not None:
        from mentalize.instruments import to_json

        resource = fhir.questionnaire_response(
            result,
            authored=datetime.now(UTC).replace(microsecond=0),
            subject=subject,
            base_url=base_url,
            instrument=instrument,
        )
        _write(fhir_out, to_json(resource))
    if not quiet:
        _print_result(instrument, result, json_out, fhir_out)


def _print_result(
    instrument: Instrument, result: Any, json_out: Path | None, fhir_out: Path | None
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console()
    console.print(f"[bold]{escape(instrument.title)}[/bold] (version {result.version})")
    if result.flags:
        lines = [f"item {f.item} answered {f.answer}: {escape(f.message)}" for f in result.flags]
        console.print(Panel("\n".join(lines), title="RISK ITEM ENDORSED", border_style="red"))
    for scale in instrument.scales:
        value = result.scores[scale.id]
        shown = f"{value:.{scale.decimals}f}" if scale.decimals else str(int(value))
        line = f"{escape(scale.label)}: [bold]{shown}[/bold]"
        line += f" (range {scale.minimum:g}-{scale.maximum:g})"
        if result.band is not None and result.band.scale == scale.id:
            line += f", band: [bold]{escape(result.band.label)}[/bold]"
        console.print(line)
    console.print(escape(result.interpretation))
    for label, path in (("JSON", json_out), ("FHIR QuestionnaireResponse", fhir_out)):
        if path is not None:
            console.print(f"{label} written to {escape(str(path))}")


def _number(text: str | None, option: str, instrument: Instrument) -> float:
    if text is None:
        raise _fail(f"{instrument.id}: {option} is required (a score, e.g. {option} 12)")
    try:
        value = float(text.strip())
    except ValueError:
        shown = text if len(text) <= 12 else text[:12] + "..."
        raise _fail(f"{instrument.id} {option}: '{shown}' is not a number") from None
    if not math.isfinite(value):
        raise _fail(f"{instrument.id} {option}: '{text}' is not a finite number")
    return int(value) if value.is_integer() else value


@assess_app.command("change")
def change_command(
    instrument_name: Annotated[str, typer.Argument(metavar="INSTRUMENT", help="Instrument id.")],
    pre: Annotated[str | None, typer.Option("--pre", help="Earlier score.")] = None,
    post: Annotated[str | None, typer.Option("--post", help="Later score.")] = None,
    scale: Annotated[
        str | None, typer.Option("--scale", help="Which score (default: the instrument's main).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the change result as JSON here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Reliable and clinically significant change between two scores (Jacobson & Truax 1991)."""
    from mentalize.errors import InputError
    from mentalize.instruments import compare, to_json

    instrument = _load(instrument_name)
    _check_output(json_out, "--json")
    before = _number(pre, "--pre", instrument)
    after = _number(post, "--post", instrument)
    try:
        result = compare(instrument, before, after, scale=scale)
    except InputError as exc:
        raise _fail(str(exc)) from None
    if json_out is not None:
        _write(json_out, to_json(result))
    if not quiet:
        from rich.console import Console
        from rich.markup import escape

        console = Console()
        headline = result.classification.upper() if result.classification else "UNAVAILABLE"
        console.print(f"[bold]{escape(instrument.short_title)} change: {headline}[/bold]")
        console.print(escape(result.explanation))
        if json_out is not None:
            console.print(f"JSON written to {escape(str(json_out))}")


@assess_app.command("questionnaire")
def questionnaire_command(
    instrument_name: Annotated[str, typer.Argument(metavar="INSTRUMENT", help="Instrument id.")],
    fhir_out: Annotated[
        Path | None,
        typer.Option("--fhir", help="Write the FHIR R4 Questionnaire here (default: stdout)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="FHIR base URL for the canonical URL (default: urn:uuid)."),
    ] = None,
) -> None:
    """Export INSTRUMENT as a FHIR R4 Questionnaire resource (JSON)."""
    from mentalize.instruments import fhir, to_json

    instrument = _load(instrument_name)
    _check_output(fhir_out, "--fhir")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise _fail(f"--base-url {base_url}: give an absolute http(s) URL")
    text = to_json(fhir.questionnaire(instrument, base_url=base_url))
    if fhir_out is None:
        typer.echo(text)
    else:
        _write(fhir_out, text)
        typer.echo(f"FHIR Questionnaire written to {fhir_out}")
