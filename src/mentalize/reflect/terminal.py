"""A reflection in the terminal: risk help first, then grounding, then each sign with the quoted
words that prompted it and its questions. Plain text when the output is not a terminal, so
``mentalize reflect --message FILE`` works in scripts and editors."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mentalize.reflect.history import History, sign_title
from mentalize.reflect.reading import Reflection, RiskNotice, Sign
from mentalize.reflect.wording import (
    CAUTION,
    GROUNDING_TITLE,
    QUESTIONS_HEADING,
    RISK_WORDS_LEAD,
)


def _risk(console: Console, notice: RiskNotice) -> None:
    console.print(f"[bold red]{escape(notice.title)}[/]")
    console.print(escape(notice.message))
    console.print()
    for line in notice.lines:
        note = f" ({escape(line.note)})" if line.note else ""
        console.print(f"  [bold]{escape(line.name)}[/]: {escape(line.contact)}{note}")
    console.print()
    if notice.quotes:
        words = ", ".join(f"“{escape(q.words)}”" for q in notice.quotes)
        console.print(f"{escape(RISK_WORDS_LEAD)} {words}")
    console.print(escape(notice.stopped))


def _sign(console: Console, sign: Sign) -> None:
    console.print(f"[bold]{escape(sign.title)}[/]")
    console.print(f"  {escape(sign.observation)}")
    for quote in sign.quotes:
        console.print(f"    “{escape(quote.words)}”")
    for prompt in sign.prompts:
        console.print(f"  [cyan]•[/] {escape(prompt)}")
    console.print()


def _console() -> Console:
    """The terminal's width on a terminal; unwrapped lines in a pipe or file, so scripts and
    editors get each point on one line."""
    return Console(soft_wrap=not sys.stdout.isatty())


def print_reflection(reflection: Reflection, console: Console | None = None) -> None:
    """Print ``reflection`` in the order a person should meet it."""
    console = console or _console()
    if reflection.risk is not None:
        _risk(console, reflection.risk)
        return
    if reflection.grounding:
        console.print(f"[bold]{escape(GROUNDING_TITLE)}[/]")
        for line in reflection.grounding:
            console.print(f"  [cyan]•[/] {escape(line)}")
        console.print()
    if reflection.empty_note:
        console.print(escape(reflection.empty_note))
        console.print()
    for sign in reflection.signs:
        _sign(console, sign)
    for sign in reflection.strengths:
        _sign(console, sign)
    if reflection.prompts:
        console.print(f"[bold]{escape(QUESTIONS_HEADING)}[/]")
        for prompt in reflection.prompts:
            console.print(f"  [cyan]•[/] {escape(prompt)}")
        console.print()
    console.print(f"[dim]{escape(reflection.caution)}[/]")


def print_history(data: History, console: Console | None = None) -> None:
    """Entries and signs per period as a table, then the situations."""
    console = console or _console()
    if not data.total:
        console.print("No entries saved yet.")
        return
    unit = "Month" if data.by_month else "Week"
    table = Table(title=f"Signs over time ({data.total} entries)", title_justify="left")
    table.add_column(unit)
    table.add_column("Entries", justify="right")
    table.add_column("Signs that appeared (entries)")
    for period in data.periods:
        signs = "; ".join(
            f"{sign_title(kind)}: {count}" for kind, count in period.signs.most_common()
        )
        if period.risk:
            signs = (signs + "; " if signs else "") + f"not read (risk language): {period.risk}"
        table.add_row(period.label, str(period.entries), escape(signs) or "none")
    console.print(table)
    situations = Table(title="Situations", title_justify="left")
    situations.add_column("Situation")
    situations.add_column("Entries", justify="right")
    situations.add_column("With signs", justify="right")
    situations.add_column("Signs most often")
    for item in data.situations:
        situations.add_row(
            escape(item.label),
            str(item.entries),
            str(item.with_signs),
            escape("; ".join(sign_title(k) for k in item.top_signs)) or "none",
        )
    console.print(situations)
    console.print(f"[dim]{escape(CAUTION)}[/]")
