"""``mentalize reflect``: the journal page, the terminal journal, the message check, and the
journal's history, export and deletion.

    mentalize reflect                         the local page (127.0.0.1 only)
    mentalize reflect --terminal              write and reflect in the terminal
    mentalize reflect --message draft.txt     check a draft message (``-`` reads stdin)
    mentalize reflect --history [--picture F] signs over time (asks for the passphrase)
    mentalize reflect --export FILE           every entry, decrypted, as JSON
    mentalize reflect --delete-all            delete every entry and the journal's key

Nothing is sent anywhere, and nothing a person writes is logged or put in an error message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mentalize.cli.common import EXIT_INPUT, fail
from mentalize.errors import InputError, MentalizeError, MissingExtra

if TYPE_CHECKING:
    from mentalize.reflect.help import CrisisLine
    from mentalize.reflect.vault import Journal

#: Longest text read (characters): several pages. A longer file is refused, not cut.
MAX_TEXT = 100_000
#: What ends an entry typed in the terminal (besides end of input).
END_OF_ENTRY = "."


def _read_message(path: Path) -> str:
    from mentalize.transcript.readers import decode_text

    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_TEXT * 4 + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_TEXT * 4 + 1)
    except FileNotFoundError:
        raise fail(f"--message {name}: file not found") from None
    except IsADirectoryError:
        raise fail(f"--message {name}: is a folder; give a text file") from None
    except OSError as exc:
        raise fail(f"--message {name}: cannot read ({exc.strerror})") from None
    try:
        text = decode_text(data, name)
    except InputError as exc:
        raise fail(str(exc)) from None
    if len(text) > MAX_TEXT:
        raise fail(f"--message {name}: longer than {MAX_TEXT:,} characters; check one message")
    if not text.strip():
        raise fail(f"--message {name}: the file is empty; expected the draft message's text")
    return text


def _lines(crisis_lines: Path | None, folder: Path) -> tuple[CrisisLine, ...]:
    from mentalize.reflect.help import crisis_lines as load

    try:
        return load(crisis_lines, folder)
    except InputError as exc:
        raise fail(f"--crisis-lines {exc}") from None


def _passphrase(folder: Path, creating: bool) -> str:
    if creating:
        typer.echo(
            "A new journal: choose a passphrase. Entries are encrypted with it and stay on this "
            "machine. There is no way to recover them if it is forgotten."
        )
        first = typer.prompt("Passphrase", hide_input=True)
        second = typer.prompt("The same passphrase again", hide_input=True)
        if first != second:
            raise fail("the two passphrases differ; nothing was saved")
        return first
    return typer.prompt("Passphrase", hide_input=True)


def _journal(folder: Path, create: bool) -> Journal:
    from mentalize.reflect.vault import Journal

    exists = Journal.exists(folder)
    if not exists and not create:
        raise fail(f"no journal in {folder} yet; write an entry first (mentalize reflect)")
    passphrase = _passphrase(folder, creating=not exists)
    if exists:
        return Journal.open(folder, passphrase)
    return Journal.create(folder, passphrase)


def _read_entry() -> str:
    typer.echo(
        "Write about what happened, in your own words. Finish with a line holding only "
        f"'{END_OF_ENTRY}' (or Ctrl-D)."
    )
    lines: list[str] = []
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line.strip() == END_OF_ENTRY:
            break
        lines.append(line)
        if sum(len(x) + 1 for x in lines) > MAX_TEXT:
            raise fail(f"the entry is longer than {MAX_TEXT:,} characters; nothing was saved")
    return "\n".join(lines).strip()


def _terminal(folder: Path, lines: tuple[CrisisLine, ...], model: str) -> None:
    from mentalize.reflect.reading import reflect
    from mentalize.reflect.terminal import print_reflection
    from mentalize.reflect.vault import Entry

    text = _read_entry()
    if not text:
        raise fail("nothing was written; nothing to reflect on")
    situation = typer.prompt(
        "A short name for the situation, if you like (e.g. work, partner)",
        default="",
        show_default=False,
    ).strip()[:80]
    reflection = reflect(text, "journal", model=model, lines=lines)  # type: ignore[arg-type]
    typer.echo()
    print_reflection(reflection)
    typer.echo()
    if not typer.confirm("Save this entry to your journal?", default=False):
        typer.echo("Not saved.")
        return
    journal = _journal(folder, create=True)
    journal.save(Entry.of(text, situation, reflection))
    typer.echo(f"Saved, encrypted, in {folder}.")


def reflect_command(
    terminal: Annotated[
        bool, typer.Option("--terminal", help="Write and reflect in the terminal.")
    ] = False,
    message: Annotated[
        Path | None,
        typer.Option(
            "--message", help="Check a draft message in FILE ('-' reads stdin).", metavar="FILE"
        ),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Show how often signs appeared, over time.")
    ] = False,
    picture: Annotated[
        Path | None,
        typer.Option(
            "--picture", help="With --history: also write the picture as SVG.", metavar="FILE"
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export", help="Write every entry, decrypted, to FILE (JSON).", metavar="FILE"
        ),
    ] = None,
    delete_all: Annotated[
        bool, typer.Option("--delete-all", help="Delete every entry and the journal's key.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --delete-all: do not ask to confirm.")
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Journal folder (default: MENTALIZE_REFLECT_DIR or "
            "~/.local/share/mentalize/reflect).",
        ),
    ] = None,
    crisis_lines: Annotated[
        Path | None,
        typer.Option(
            "--crisis-lines", help="TOML file of local crisis lines, shown first.", metavar="FILE"
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option("--port", help="Port of the local page (0: any free port).", min=0, max=65535),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the page's address; do not open it.")
    ] = False,
    markers_only: Annotated[
        bool, typer.Option("--markers-only", help="Read with the lexical markers alone.")
    ] = False,
) -> None:
    """A private mentalizing self-check: a journal and a check for draft messages.

    The journal reflects back what it notices and asks questions.

    The message check points out what a reader might take from a draft.

    Everything stays on this machine, encrypted.
    """
    from mentalize.reflect.vault import VaultError, default_folder

    modes = [terminal, message is not None, history, export is not None, delete_all]
    if sum(modes) > 1:
        raise fail("choose one of --terminal, --message, --history, --export, --delete-all")
    if picture is not None and not history:
        raise fail("--picture goes with --history")
    folder = (data_dir or default_folder()).expanduser()
    model = "markers" if markers_only else "auto"
    try:
        if message is not None:
            from mentalize.reflect.reading import reflect
            from mentalize.reflect.terminal import print_reflection

            text = _read_message(message)
            lines = _lines(crisis_lines, folder)
            print_reflection(reflect(text, "message", model=model, lines=lines))  # type: ignore[arg-type]
        elif terminal:
            _terminal(folder, _lines(crisis_lines, folder), model)
        elif history:
            _history(folder, picture)
        elif export is not None:
            _export(folder, export)
        elif delete_all:
            _delete_all(folder, yes)
        else:
            _serve(folder, port, not no_browser, crisis_lines, model)
    except VaultError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except MentalizeError as exc:
        raise fail(str(exc)) from None


def _history(folder: Path, picture: Path | None) -> None:
    from mentalize.cli.common import check_output
    from mentalize.reflect.history import history, history_svg
    from mentalize.reflect.terminal import print_history

    check_output(picture, "--picture")
    data = history(_journal(folder, create=False).entries())
    print_history(data)
    if picture is not None:
        from mentalize.files import write_atomic

        write_atomic(picture, history_svg(data) or "<svg xmlns='http://www.w3.org/2000/svg'/>")
        typer.echo(f"Picture written to {picture}.")


def _export(folder: Path, export: Path) -> None:
    from mentalize.cli.common import check_output

    check_output(export, "--export")
    count = _journal(folder, create=False).export(export)
    typer.echo(
        f"{count} entr{'y' if count == 1 else 'ies'} written to {export}. The file is NOT "
        "encrypted: keep it somewhere private."
    )


def _delete_all(folder: Path, yes: bool) -> None:
    from mentalize.reflect.vault import Journal, delete_all

    if not Journal.exists(folder):
        raise fail(f"no journal in {folder}; nothing to delete")
    if not yes:
        typer.echo(f"This deletes every entry in {folder}, for good. There is no undo.")
        answer = typer.prompt("Type 'delete' to go on", default="", show_default=False)
        if answer.strip().lower() != "delete":
            typer.echo("Nothing was deleted.")
            return
    count = delete_all(folder)
    typer.echo(f"Deleted {count} entr{'y' if count == 1 else 'ies'} and the journal's key.")


def _serve(
    folder: Path, port: int, open_browser: bool, crisis_lines: Path | None, model: str
) -> None:
    if crisis_lines is not None:
        _lines(crisis_lines, folder)  # a bad file fails now, not on the first risky entry
    try:
        from mentalize.reflect.web.server import serve
    except ImportError:
        missing = MissingExtra("reflect", "the Reflect page", alternative="use --terminal")
        raise fail(str(missing), EXIT_INPUT) from None
    serve(folder, port=port, open_browser=open_browser, crisis_lines_file=crisis_lines, model=model)
