"""The unit of evidence: which marker fired on which characters of a text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` made ``marker`` fire. Offsets index the original, unnormalised text."""

    marker: str
    start: int
    end: int
