"""The exception tree of mentalize.

    MentalizeError            base: every error the package raises on purpose
     +-- InputError           a file or text we cannot read as a transcript
     +-- ModelError           a model or lexicon that failed to load (reserved for learned heads)

Messages name the file (and line where it helps) and say what would be valid. They never quote
clinical text: a message may reach a log or another user, and patients' words must not.
"""

from __future__ import annotations


class MentalizeError(Exception):
    """Base class for every error mentalize raises on purpose."""


class InputError(MentalizeError):
    """Input that cannot be read as a transcript.

    Carries the source name and optional line number so the CLI can print one line naming both.
    """

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


class ModelError(MentalizeError):
    """A bundled lexicon or model that is missing or corrupt (a broken install, not bad input)."""
