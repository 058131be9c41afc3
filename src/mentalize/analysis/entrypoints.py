"""The Python API: ``mentalize.analyze(path)`` and ``mentalize.analyze_text(text)``, mirroring
``mentalize analyze``.

Two functions because a string cannot say whether it is a path or a transcript: a typo in a file
name must be "file not found", not a one-turn transcript of the file name.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from mentalize.analysis.results import SessionAnalysis
from mentalize.errors import InputError
from mentalize.transcript import Transcript

__all__ = ["analyze", "analyze_text"]

Model = Literal["auto", "markers", "learned"]


def _looks_like_transcript_text(source: str) -> bool:
    """The guess ``analyze`` made for a string before ``analyze_text`` existed: text when it
    has a line break, or when it is not an existing file and its first word ends in a colon."""
    if "\n" in source or len(source) > 4096:
        return True
    try:
        if Path(source).is_file():
            return False
    except OSError:
        return True
    first = source.split(None, 1)[0] if source.split() else ""
    return first.endswith(":")


def analyze(
    source: str | os.PathLike[str],
    *,
    format: str | None = None,
    therapists: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    model: Model = "auto",
) -> SessionAnalysis:
    """Read a transcript file and return its MBT reading.

    ``source`` is a path (``str`` or ``Path``). ``format`` overrides detection (one of
    ``text``, ``vtt``, ``srt``, ``csv``, ``jsonl``); ``therapists`` names the therapist speakers
    when the labels do not say; ``progress(done, total)`` is called as turns are read.
    ``model``: ``auto`` adds the learned layer when ``mentalize[models]`` is installed,
    ``markers`` reads with the lexical markers alone, ``learned`` requires the layer.

    Transcript text passed as ``source`` still works in 0.1 but is deprecated (it goes in 0.2):
    use :func:`analyze_text`.

    Raises :class:`mentalize.errors.InputError` for anything that is not a readable transcript.
    """
    from mentalize.transcript.readers import read_transcript

    if isinstance(source, str):
        if not source.strip():
            raise InputError("<text>", "transcript text is empty; expected lines like 'T: ...'")
        if _looks_like_transcript_text(source):
            warnings.warn(
                "mentalize.analyze(text) is deprecated; use mentalize.analyze_text(text) for "
                "transcript text and mentalize.analyze(path) for files",
                DeprecationWarning,
                stacklevel=2,
            )
            return analyze_text(
                source, format=format, therapists=therapists, progress=progress, model=model
            )
    elif not isinstance(source, os.PathLike):
        raise TypeError(f"analyze() takes a path, not {type(source).__name__}")
    transcript = read_transcript(source, format=format)
    return _read(transcript, therapists, progress, model)


def analyze_text(
    text: str,
    *,
    format: str | None = None,
    therapists: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    model: Model = "auto",
    source: str = "<text>",
) -> SessionAnalysis:
    """Read transcript text (turns such as ``"T: ...\\nP: ..."``, or WebVTT, SRT, CSV or JSON
    Lines text) and return its MBT reading. ``source`` names it in errors and in the result.

    The other arguments are :func:`analyze`'s. Raises :class:`mentalize.errors.InputError` for
    text that is not a readable transcript.
    """
    from mentalize.transcript.readers import parse_transcript

    if not isinstance(text, str):
        raise TypeError(f"analyze_text() takes a str, not {type(text).__name__}")
    if not text.strip():
        raise InputError(source, "transcript text is empty; expected lines like 'T: ...'")
    transcript = parse_transcript(text, source=source, format=format)
    return _read(transcript, therapists, progress, model)


def _read(
    transcript: Transcript,
    therapists: Sequence[str],
    progress: Callable[[int, int], None] | None,
    model: Model,
) -> SessionAnalysis:
    from mentalize.analysis.session import analyze_transcript
    from mentalize.transcript.roles import assign_roles

    return analyze_transcript(assign_roles(transcript, therapists), progress=progress, model=model)
