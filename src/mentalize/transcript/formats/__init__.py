"""Every input format, one module each, found by walking this package.

Each public module defines ``FORMAT`` (an :class:`~.registry.InputFormat`); modules whose names
start with an underscore hold shared helpers. Nothing else lists the formats.
"""

from __future__ import annotations

import importlib
import pkgutil

from mentalize.transcript.formats.registry import InputFormat

__all__ = [
    "BY_EXTENSION",
    "BY_NAME",
    "FALLBACK",
    "FORMATS",
    "REGISTERED",
    "SNIFFED",
    "InputFormat",
    "discover",
    "file_types",
    "resolve",
]


def discover(package: str, path: list[str]) -> tuple[InputFormat, ...]:
    """The ``FORMAT`` of every public module of ``package`` (found on ``path``), in display
    order. A module without one is a mistake, named here rather than skipped."""
    found = []
    for module in pkgutil.iter_modules(path):
        if module.name.startswith("_") or module.name == "registry":
            continue
        loaded = importlib.import_module(f"{package}.{module.name}")
        declared = getattr(loaded, "FORMAT", None)
        if not isinstance(declared, InputFormat):
            raise TypeError(f"{loaded.__name__} defines no FORMAT = InputFormat(...)")
        found.append(declared)
    return tuple(sorted(found, key=lambda f: f.order))


REGISTERED: tuple[InputFormat, ...] = discover(__name__, list(__path__))
FORMATS: tuple[str, ...] = tuple(f.name for f in REGISTERED)
"""Format names in the order shown to people: text, vtt, srt, csv, jsonl."""
BY_NAME: dict[str, InputFormat] = {
    **{alias: f for f in REGISTERED for alias in f.aliases},
    **{f.name: f for f in REGISTERED},
}
BY_EXTENSION: dict[str, InputFormat] = {ext: f for f in REGISTERED for ext in f.extensions}
SNIFFED: tuple[InputFormat, ...] = tuple(
    sorted((f for f in REGISTERED if f.sniff is not None), key=lambda f: f.sniff_rank)
)
FALLBACK: InputFormat = next(f for f in REGISTERED if f.sniff is None)


def file_types() -> str:
    """The file types people can give, for help texts: ".txt, .vtt, .srt, ... or .ndjson"."""
    shown = [".txt", *BY_EXTENSION]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def resolve(name: str) -> InputFormat | None:
    """The format a user named (any case, aliases allowed), or ``None``."""
    return BY_NAME.get(name.strip().lower())
