"""The ``mentalize`` app: every command group registered on one Typer app, and the entry point.

Errors become one line on stderr and a non-zero exit (2 for bad input, 1 for anything else);
no traceback and no transcript text reach the terminal unless ``MENTALIZE_DEBUG=1`` is set.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mentalize import environment
from mentalize.cli.analyze import analyze
from mentalize.cli.assess import assess_app
from mentalize.cli.batch import batch
from mentalize.cli.clinic import audit_app, backup, restore, serve, users_app, worker
from mentalize.cli.common import EXIT_INTERNAL
from mentalize.cli.corpus import corpus_app
from mentalize.cli.evaluate import evaluate
from mentalize.cli.reflect import reflect_command

if TYPE_CHECKING:
    pass

app = typer.Typer(
    name="mentalize",
    help="An MBT reading of therapy transcripts. Supports clinical judgement; not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("analyze")(analyze)
app.add_typer(assess_app, name="assess")
app.command("evaluate")(evaluate)
app.add_typer(corpus_app, name="corpus")
app.command("batch")(batch)
app.command("reflect")(reflect_command)
app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.command("backup")(backup)
app.command("restore")(restore)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from mentalize import __version__

        typer.echo(f"mentalize {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Console entry point: run the app, turning unexpected errors into one line."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("mentalize: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so without echoing data that may be clinical
        if (environment.get("MENTALIZE_DEBUG") or "").strip() == "1":
            raise
        typer.echo(
            f"mentalize: internal error ({type(exc).__name__}); rerun with MENTALIZE_DEBUG=1 "
            "for details and please report it",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
