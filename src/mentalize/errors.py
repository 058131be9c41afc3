"""The exception tree of mentalize.

    MentalizeError            base: every error the package raises on purpose
     +-- InputError           a file or text we cannot read as a transcript
     +-- ModelError           a model or lexicon that failed to load (reserved for learned heads)
     +-- MissingExtra         an optional extra the asked-for feature needs is not installed

Each layer adds its own below these (``VaultError`` in Reflect, ``BackupError``, ``UploadError``,
``LinkClosed``, ``WorkerLost``, ``AppendOnlyError`` ... in the clinic), all under
``MentalizeError``, so ``except MentalizeError`` catches everything raised on purpose and nothing
else.

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
        self.source = one_line(source)
        self.problem = one_line(problem)
        self.line = line
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {self.problem}")


def one_line(text: str) -> str:
    """``text`` with every unprintable character (line breaks, tabs, controls) escaped.

    Error messages are promised as one line; a file name or a quoted answer could otherwise
    carry a line break into them (found by property testing) and split a log line in two.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def _escaped(character: str) -> str:
    return character.encode("unicode_escape").decode("ascii")


class ModelError(MentalizeError):
    """A bundled lexicon or model that is missing or corrupt (a broken install, not bad input)."""


class MissingExtra(MentalizeError):
    """An optional extra (``pip install 'mentalize[NAME]'``) the asked-for feature needs.

    One wording everywhere: what needs it, which extra, what was missing, how to install it, and
    the way round it when there is one.
    """

    def __init__(
        self,
        extra: str,
        feature: str,
        *,
        missing: str | None = None,
        alternative: str | None = None,
    ) -> None:
        self.extra = extra
        self.feature = feature
        self.missing = missing
        message = f"{feature} needs the '{extra}' extra"
        if missing:
            message += f" (missing: {missing})"
        message += f"; install it with: pip install 'mentalize[{extra}]'"
        if alternative:
            message += f", or {alternative}"
        super().__init__(message)
