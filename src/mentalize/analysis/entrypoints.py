"""The Python API: ``mentalize.analyze(path_or_text)``, mirroring ``mentalize analyze``."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from mentalize.analysis.results import SessionAnalysis
from mentalize.errors import InputError


def _is_transcript_text(source: str) -> bool:
    """A string is transcript text, not a path, when it has a line break, or when it is not an
    existing file and its first word ends in a colon ("T: hello")."""
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
    model: Literal["auto", "markers", "learned"] = "auto",
) -> SessionAnalysis:
    """Read a transcript and return its MBT reading.

    ``source`` is a path (``str`` or ``Path``) to a transcript file, or the transcript text itself
    (a string with turns such as ``"T: ...\\nP: ..."``). ``format`` overrides detection (one of
    ``text``, ``vtt``, ``srt``, ``csv``, ``jsonl``); ``therapists`` names the therapist speakers
    when the labels do not say; ``progress(done, total)`` is called as turns are read.
    ``model``: ``auto`` adds the learned layer when ``mentalize[models]`` is installed,
    ``markers`` reads with the lexical markers alone, ``learned`` requires the layer.

    Raises :class:`mentalize.errors.InputError` for anything that is not a readable transcript.
    """
    from mentalize.analysis.session import analyze_transcript
    from mentalize.transcript.readers import parse_transcript, read_transcript
    from mentalize.transcript.roles import assign_roles

    if isinstance(source, os.PathLike):
        transcript = read_transcript(source, format=format)
    elif isinstance(source, str):
        if not source.strip():
            raise InputError("<text>", "transcript text is empty; expected lines like 'T: ...'")
        if _is_transcript_text(source):
            transcript = parse_transcript(source, source="<text>", format=format)
        else:
            transcript = read_transcript(source, format=format)
    else:
        raise TypeError(f"analyze() takes a path or transcript text, not {type(source).__name__}")
    return analyze_transcript(assign_roles(transcript, therapists), progress=progress, model=model)
