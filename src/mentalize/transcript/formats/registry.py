"""The shape every input format registers: its name, how users name it, how to spot it, how to
read it.

Adding a format is one module in this package that defines ``FORMAT = InputFormat(...)``; the
readers, the CLI's ``--format`` help, the clinic's upload form, the API's OpenAPI document and
the error messages all list formats from :data:`mentalize.transcript.formats.FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mentalize.transcript.model import Transcript

__all__ = ["InputFormat"]


@dataclass(frozen=True, slots=True)
class InputFormat:
    name: str
    """The value of ``--format``, of the upload form and API field, and of ``Transcript.format``."""
    label: str
    """How the format is named to people ("WebVTT")."""
    order: int
    """Position in lists shown to people."""
    extensions: tuple[str, ...]
    """File extensions (lower case, with the dot) read as this format without sniffing."""
    aliases: tuple[str, ...]
    """Other names accepted for ``--format`` ("webvtt" for "vtt")."""
    parse: Callable[[str, str], Transcript]
    """``parse(text, source)``: newlines already unified, never empty; raises ``InputError``."""
    sniff: Callable[[list[str]], bool] | None
    """Whether the first non-blank lines (stripped, at most 64) look like this format; ``None``
    for the fallback (plain text), which is read when no other format claims the text."""
    sniff_rank: int = 0
    """Formats are tried in this order when sniffing (a JSON line is tried before CSV)."""
