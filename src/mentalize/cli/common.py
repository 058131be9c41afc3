"""What every ``mentalize`` command shares: exit codes, the one-line error, output-path checks.

One place, so every command fails the same way: ``mentalize: error: ...`` on stderr, exit 2 for
bad input and 1 for anything else, and an output path refused before any work is done.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

EXIT_INPUT = 2
EXIT_INTERNAL = 1


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    typer.echo(f"mentalize: error: {message}", err=True)
    return typer.Exit(code)


def check_output(path: Path | None, option: str) -> None:
    """Refuse an output path we cannot write before doing any work."""
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise fail(f"{option} {path}: is a directory; give a file name")
    if not parent.is_dir():
        raise fail(f"{option} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise fail(f"{option} {path}: folder {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise fail(f"{option} {path}: file is not writable")
