"""A read-only view of one text, computed once and shared by every marker.

Markers need the same things (lower-cased text with plain apostrophes, word positions, sentence
bounds); computing them once per turn keeps the lexical layer fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from mentalize.language.lexicon import normalise, phrase_index, tokenize
from mentalize.language.spans import Span

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n+")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    is_question: bool


class TextView:
    """Text prepared for matching; offsets in every derived view index the original text."""

    __slots__ = ("__dict__", "_memo", "text")

    def __init__(self, text: str) -> None:
        self.text = normalise(text)
        self._memo: dict[str, object] = {}

    def memo(self, key: str, compute):
        """Compute ``compute(self)`` once per view: markers that reuse others' spans share them."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def tokens(self) -> list[tuple[str, int, int]]:
        return tokenize(self.text)

    @cached_property
    def phrase_hits(self) -> dict[str, list[Span]]:
        """Every lexicon phrase found in this text, by marker name (one trie walk)."""
        return phrase_index().find(self.tokens)

    @cached_property
    def words(self) -> list[re.Match[str]]:
        return list(_WORD.finditer(self.text))

    @property
    def word_count(self) -> int:
        return len(self.words)

    @cached_property
    def sentences(self) -> list[Sentence]:
        out: list[Sentence] = []
        start = 0
        for m in _SENTENCE_END.finditer(self.text):
            if self.text[start : m.start()].strip():
                out.append(Sentence(start, m.end(), "?" in m.group()))
            start = m.end()
        if self.text[start:].strip():
            out.append(Sentence(start, len(self.text), False))
        return out

    def sentence_at(self, offset: int) -> Sentence | None:
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        return None
