"""The ``mentalize`` command, one module per command group on one Typer app (:mod:`.app`).

The CLI is an edge: it parses arguments, calls importable functions of the layers below, and
turns their errors into one line and an exit code.
"""

from mentalize.cli.app import app, main

__all__ = ["app", "main"]
