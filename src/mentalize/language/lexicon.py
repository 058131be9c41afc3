"""Lexicons as data: TOML files of phrases, matched over word tokens in one pass.

Why TOML: it is in the standard library (``tomllib``), allows comments next to each entry, and
keeps the word lists reviewable by clinicians without reading Python.

Phrase syntax (case-insensitive, whole words):

- words separated by spaces; hyphens count as spaces (``self-harm`` = ``self harm``);
- a trailing ``*`` matches any word ending (``frustrat*`` → frustrated, frustrating);
- contractions and their spelled-out forms are the same (``don't`` = ``do not`` = ``dont``);
- entries in ``patterns`` are raw regular expressions for what a phrase cannot say.

Why a token trie rather than one regular expression per category: all phrases of all lexicons
are found in a single walk over the words of a turn, which keeps the lexical layer well above
2,000 turns per second on one core.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from mentalize.errors import ModelError
from mentalize.language.spans import Span

LEXICON_NAMES = (
    "mental_states",
    "certainty",
    "arousal",
    "modes",
    "interventions",
    "relationship",
    "risk",
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|'(?=[A-Za-z])[A-Za-z]+|[.!?;]+|\n")
BOUNDARY = "<s>"
"""Token standing for sentence punctuation: no phrase contains it, so no match crosses it."""
_IRREGULAR = {
    "can't": ("can", "not"),
    "cannot": ("can", "not"),
    "won't": ("will", "not"),
    "shan't": ("shall", "not"),
    "ain't": ("is", "not"),
}
_TAILS = {
    "n't": "not",
    "'m": "am",
    "'re": "are",
    "'ve": "have",
    "'ll": "will",
    "'d": "would",
    "'s": "is",
}
_UNAPOSTROPHISED = {
    "dont": ("do", "not"),
    "doesnt": ("does", "not"),
    "didnt": ("did", "not"),
    "cant": ("can", "not"),
    "wont": ("will", "not"),
    "isnt": ("is", "not"),
    "wasnt": ("was", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "shouldnt": ("should", "not"),
    "im": ("i", "am"),
    "ive": ("i", "have"),
    "youre": ("you", "are"),
    "thats": ("that", "is"),
    "whats": ("what", "is"),
    "theres": ("there", "is"),
}


def normalise(text: str) -> str:
    """Map typographic apostrophes to ``'`` one-for-one, so offsets stay valid."""
    return text.translate(_APOSTROPHES)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased word tokens with their character span, contractions spelled out.

    Both parts of a contraction keep the whole word's span, so evidence covers the word.
    """
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(normalise(text)):
        word = m.group().lower().lstrip("'")
        start, end = m.start(), m.end()
        if not word or not word[0].isalnum():
            out.append((BOUNDARY, start, end))
            continue
        parts = _IRREGULAR.get(word) or _UNAPOSTROPHISED.get(word)
        if parts is None:
            for tail, full in _TAILS.items():
                if word.endswith(tail) and len(word) > len(tail):
                    parts = (word[: -len(tail)], full)
                    break
        for part in parts or (word,):
            out.append((part, start, end))
    return out


SKIPPABLE = frozenset(
    {
        "just",
        "really",
        "honestly",
        "actually",
        "literally",
        "even",
        "totally",
        "completely",
        "seriously",
        "sometimes",
        "kind",
        "sort",
        "of",
        "like",
        "um",
    }
)
"""Fillers that may stand inside a phrase without breaking it ("wish I could *just* disappear").
They are skipped only mid-phrase, never as a phrase's first word."""


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    prefixes: dict[int, dict[str, _Node]] = field(default_factory=dict)
    """Wildcard words ("furious*") by prefix length, then prefix: a token matches when its first
    ``length`` characters are a key, one dict lookup per length instead of a ``startswith`` per
    prefix (the root holds dozens of them, tried at every token)."""
    markers: list[str] = field(default_factory=list)


class PhraseIndex:
    """A trie over the word tokens of every phrase; one walk per turn finds them all."""

    def __init__(self) -> None:
        self._root = _Node()

    def add(self, phrase: str, marker: str) -> None:
        node = self._root
        for raw in phrase.replace("-", " ").split():
            if raw.endswith("*"):
                prefix = raw[:-1].lower()
                node = node.prefixes.setdefault(len(prefix), {}).setdefault(prefix, _Node())
                continue
            for token, _, _ in tokenize(raw) or [(raw.lower(), 0, 0)]:
                if token != BOUNDARY:
                    node = node.children.setdefault(token, _Node())
        if marker not in node.markers:
            node.markers.append(marker)

    def find(self, tokens: list[tuple[str, int, int]]) -> dict[str, list[Span]]:
        """Leftmost-longest, non-overlapping matches per marker."""
        best: dict[str, list[Span]] = {}
        for i in range(len(tokens)):
            ends: dict[str, int] = {}
            frontier = [self._root]
            j = i
            while frontier and j < len(tokens):
                token = tokens[j][0]
                nxt: list[_Node] = []
                for node in frontier:
                    child = node.children.get(token)
                    if child is not None:
                        nxt.append(child)
                    for length, table in node.prefixes.items():
                        pchild = table.get(token[:length])
                        if pchild is not None:
                            nxt.append(pchild)
                for node in nxt:
                    for name in node.markers:
                        ends[name] = j
                if token in SKIPPABLE and j > i:
                    nxt.extend(n for n in frontier if n is not self._root)
                frontier = nxt
                j += 1
            for name, last in ends.items():
                spans = best.setdefault(name, [])
                start, end = tokens[i][1], tokens[last][2]
                if spans and start < spans[-1].end:
                    continue
                spans.append(Span(name, start, end))
        return best


@dataclass(frozen=True, slots=True)
class Category:
    """One named list of phrases; ``marker`` is the evidence name its matches carry."""

    name: str
    marker: str
    phrases: tuple[str, ...]
    pattern: re.Pattern[str] | None
    weight: float = 1.0

    def find_patterns(self, text: str) -> list[Span]:
        if self.pattern is None:
            return []
        return [Span(self.marker, m.start(), m.end()) for m in self.pattern.finditer(text)]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A lexicon file: its provenance note and its categories by name."""

    name: str
    source: str
    categories: dict[str, Category]

    def __getitem__(self, category: str) -> Category:
        return self.categories[category]


def _compile_patterns(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)


@cache
def load_lexicon(name: str) -> Lexicon:
    """Load ``lexicons/<name>.toml`` from the installed package (cached per process)."""
    try:
        raw = resources.files("mentalize.language").joinpath("lexicons", f"{name}.toml")
        data = tomllib.loads(raw.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(
            f"bundled lexicon '{name}' is missing or corrupt: reinstall mentalize"
        ) from exc
    categories: dict[str, Category] = {}
    for cat_name, spec in data.get("categories", {}).items():
        try:
            pattern = _compile_patterns(list(spec.get("patterns", [])))
        except re.error as exc:
            raise ModelError(
                f"lexicon '{name}', category '{cat_name}': bad pattern ({exc})"
            ) from exc
        categories[cat_name] = Category(
            name=cat_name,
            marker=spec.get("marker", cat_name),
            phrases=tuple(spec.get("phrases", [])),
            pattern=pattern,
            weight=float(spec.get("weight", 1.0)),
        )
    return Lexicon(
        name=name, source=str(data.get("meta", {}).get("source", "")), categories=categories
    )


@cache
def phrase_index() -> PhraseIndex:
    """The trie of every phrase of every bundled lexicon (built once per process)."""
    index = PhraseIndex()
    for name in LEXICON_NAMES:
        for category in load_lexicon(name).categories.values():
            for phrase in category.phrases:
                index.add(phrase, category.marker)
    return index
