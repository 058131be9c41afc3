"""The marker registry: one pure function per marker, registered by name.

Each marker takes a :class:`TextView` and returns the spans where it fired. ``read_markers`` runs
them all once over a text and returns a :class:`MarkerSet` that the analysis layer turns into
estimates. Markers never raise on odd text: empty text simply yields no spans.

Families group markers for the estimates they feed (``mental_state``, ``certainty``, ``arousal``,
``mode``, ``therapist``, ``rupture``, ``risk``, ``structure``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from mentalize.language.lexicon import load_lexicon
from mentalize.language.risk import RiskReading, find_risk, read_risk
from mentalize.language.spans import Span
from mentalize.language.text import TextView

MarkerFn = Callable[[TextView], list[Span]]


@dataclass(frozen=True, slots=True)
class MarkerSpec:
    """A registered marker: its name, family, what it looks for, and the function."""

    name: str
    family: str
    description: str
    fn: MarkerFn
    produces: tuple[str, ...]
    highlight: str = "other"
    """How the report colours its words (:data:`HIGHLIGHTS`): the family's reading unless the
    marker says otherwise (a hedge is a certainty word that reads as reflective)."""


HIGHLIGHTS: tuple[str, ...] = ("risk", "arousal", "reflective", "rigid", "state", "other", "quiet")
"""Highlight readings, strongest first: where one word carries several, the first wins."""
FAMILY_HIGHLIGHT: dict[str, str] = {
    "risk": "risk",
    "arousal": "arousal",
    "certainty": "rigid",
    "mode": "rigid",
    "mental_state": "state",
    "therapist": "other",
    "rupture": "other",
    "structure": "other",
}
"""The reading each family's words get unless a marker declares its own."""


MARKERS: dict[str, MarkerSpec] = {}
LEXICON_MARKERS: dict[str, tuple[str, str]] = {}
"""Evidence name -> (lexicon, category) for every lexicon-backed marker."""


def marker(
    name: str,
    family: str,
    description: str,
    produces: tuple[str, ...] = (),
    highlight: str | None = None,
):
    """Register ``fn`` as marker ``name`` (its spans carry ``produces`` names, default ``name``)."""
    reading = highlight or FAMILY_HIGHLIGHT[family]
    if reading not in HIGHLIGHTS:
        raise ValueError(f"marker {name}: highlight {reading!r} is not one of {HIGHLIGHTS}")

    def register(fn: MarkerFn) -> MarkerFn:
        MARKERS[name] = MarkerSpec(name, family, description, fn, produces or (name,), reading)
        return fn

    return register


def highlight_of(names: Iterable[str]) -> str:
    """The colour reading of words that fired ``names`` (marker or evidence names): the
    strongest of their markers' readings; ``other`` for a name no marker produces."""
    table = _highlight_table()
    readings = {table.get(name, "other") for name in names}
    return next((r for r in HIGHLIGHTS if r in readings), "other")


@cache
def _highlight_table() -> dict[str, str]:
    """Marker and evidence names to readings, built once every marker is registered."""
    table = {spec.name: spec.highlight for spec in MARKERS.values()}
    table.update({p: spec.highlight for spec in MARKERS.values() for p in spec.produces})
    return table


_RENAMED = {
    "teleological": "action_as_proof",
    "acknowledgement": "therapist_acknowledgement",
    "other": "housekeeping",
    "confrontation": "rupture_confrontation",
    "withdrawal": "rupture_withdrawal",
}
"""Categories whose evidence name differs from the category name (as declared in the TOML)."""


def _lexicon_marker(
    lexicon: str, category: str, family: str, description: str, highlight: str | None = None
) -> None:
    """Register a lexicon category as a marker without loading the lexicon: loading waits for the
    first text, so importing mentalize reads no file."""
    produced = _RENAMED.get(category, category)

    def find(view: TextView) -> list[Span]:
        hits = view.phrase_hits.get(produced, [])
        spec = load_lexicon(lexicon)[category]
        if spec.pattern is None:
            return hits
        return view.memo(
            produced, lambda v: sorted(hits + spec.find_patterns(v.text), key=lambda s: s.start)
        )

    find.__name__ = f"find_{category}"
    LEXICON_MARKERS[produced] = (lexicon, category)
    marker(produced, family, description, (produced,), highlight)(find)


# --- lexicon-backed markers -------------------------------------------------------------------

_READS = {
    # Words of a family that read the other way: tentative, perspective-taking talk is the
    # reflective pole of certainty and of the modes; a not-knowing question is reflective, a
    # knowing reference rigid, and a question about the patient's mind is mental-state talk.
    "hedge": "reflective",
    "opacity": "reflective",
    "perspective": "reflective",
    "change_over_time": "reflective",
    "not_knowing": "reflective",
    "knowing_reference": "rigid",
    "mental_state_question": "state",
}

for _category, _description in {
    "cognitive": "thinking, believing, knowing, wondering",
    "affective": "feelings named: angry, ashamed, hurt, afraid",
    "desire": "wants, wishes, hopes, needs",
    "intention": "meaning to, trying to, on purpose",
}.items():
    _lexicon_marker("mental_states", _category, "mental_state", _description)

for _category, _description in {
    "absolutist": "absolutist words (Al-Mosaiwi & Johnstone 2018)",
    "booster": "certainty boosters: obviously, I know for a fact",
    "hedge": "hedges and tentative phrasing: maybe, I wonder, I'm not sure",
}.items():
    _lexicon_marker("certainty", _category, "certainty", _description, _READS.get(_category))

for _category, _description in {
    "intensity": "high-arousal emotion words",
    "swearing": "swearing",
    "bodily_activation": "bodily arousal: heart pounding, shaking, can't breathe",
    "catastrophising": "catastrophising: ruined everything, the worst",
}.items():
    _lexicon_marker("arousal", _category, "arousal", _description)

for _category, _description in {
    "opacity": "acknowledging minds are opaque: I can't really know, maybe she",
    "perspective": "taking another's perspective",
    "change_over_time": "states seen as changing: looking back, now I see",
    "intent_certainty": "certainty about others' intentions or minds",
    "global_attribution": "global attributions: everyone hates me, he always",
    "feeling_as_fact": "feelings taken as facts: I'm worthless",
    "teleological": "action as proof: if she cared she would have called",
    "jargon": "psychological jargon",
    "structural_label": "physical or structural labels instead of states",
    "blanking": "going blank or evasive: I don't know, nothing, my mind's gone blank",
}.items():
    _lexicon_marker("modes", _category, "mode", _description, _READS.get(_category))

for _category, _description in {
    "not_knowing": "not-knowing stance: I wonder, help me understand",
    "mental_state_question": "questions about the patient's mind",
    "other_mind_question": "questions about another person's mind",
    "validation": "empathic validation",
    "grounding": "slowing and grounding",
    "clarification": "clarifying facts and sequence",
    "challenge": "challenging an unwarranted belief",
    "relationship": "reference to the therapeutic relationship",
    "acknowledgement": "therapist acknowledges their own part",
    "interpretation": "interpretation from a knowing stance",
    "knowing_reference": "references that interpret when paired with a causal claim",
    "advice": "advice and directives",
    "other": "greetings, scheduling and housekeeping",
}.items():
    _lexicon_marker("interventions", _category, "therapist", _description, _READS.get(_category))

for _category, _description in {
    "confrontation": "strain toward the therapist: you don't care, this is pointless",
    "withdrawal": "withdrawing: forget it, I don't want to talk about it",
    "sarcasm": "sarcasm that may be aimed at the therapist: oh, great; course you are",
}.items():
    _lexicon_marker("relationship", _category, "rupture", _description)


# --- computed markers -------------------------------------------------------------------------

_EXCLAMATION = re.compile(r"!+")
_CAPS_WORD = re.compile(r"\b[A-Z]{2,}(?:'[A-Z]+)?\b")
_ACRONYMS = frozenset(
    [
        "OK",
        "TV",
        "NHS",
        "GP",
        "BPD",
        "ADHD",
        "UK",
        "US",
        "USA",
        "PTSD",
        "OCD",
        "CBT",
        "MBT",
        "DBT",
        "ID",
        "AM",
        "PM",
        "ER",
        "AE",
        "IT",
        "HR",
        "CEO",
        "PE",
    ]
)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "is",
        "it",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "was",
        "were",
        "be",
        "been",
        "this",
        "that",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "me",
        "him",
        "them",
        "us",
        "so",
        "just",
        "very",
        "really",
        "like",
        "um",
        "uh",
        "er",
        "mm",
        "yeah",
    ]
)
_CAUSAL = re.compile(
    r"\b(?:because|cos|'cause|that's why|which is why|the reason|made me|makes me|make me|"
    r"since|so i|led me to|that must be why|as a result)\b",
    re.IGNORECASE,
)
_SELF = frozenset({"i", "me", "my", "myself", "i'm", "i've", "i'd", "i'll", "mine"})
_RELATIONAL = frozenset({"we", "us", "our", "ourselves", "we're", "we've"})
_OTHER = frozenset(
    [
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
        "his",
        "hers",
        "their",
        "theirs",
        "himself",
        "herself",
        "themselves",
        "you",
        "your",
        "yours",
        "yourself",
        "you're",
        "he's",
        "she's",
        "they're",
        "mum",
        "mom",
        "dad",
        "mother",
        "father",
        "partner",
        "boss",
        "friend",
        "husband",
        "wife",
        "boyfriend",
        "girlfriend",
        "sister",
        "brother",
        "people",
        "everyone",
        "everybody",
        "nobody",
        "someone",
    ]
)
_RELATIONSHIP_PHRASE = re.compile(
    r"\b(?:between us|each other|one another|our relationship|the two of us|you and (?:i|me)|"
    r"me and (?:you|him|her)|him and me|her and me|together)\b",
    re.IGNORECASE,
)
MENTAL_STATE_MARKERS = ("cognitive", "affective", "desire", "intention")


def _mental_states(view: TextView) -> list[Span]:
    spans = [s for name in MENTAL_STATE_MARKERS for s in MARKERS[name].fn(view)]
    return sorted(spans, key=lambda s: s.start)


@marker("exclamation", "arousal", "exclamation marks")
def find_exclamations(view: TextView) -> list[Span]:
    return [Span("exclamation", m.start(), m.end()) for m in _EXCLAMATION.finditer(view.text)]


@marker("caps", "arousal", "words shouted in capitals")
def find_caps(view: TextView) -> list[Span]:
    words = view.words
    hits = [m for m in _CAPS_WORD.finditer(view.text) if m.group().strip("'") not in _ACRONYMS]
    if not hits or len(hits) > 0.6 * max(1, len(words)):
        return []  # a transcript typed all in capitals is not shouting
    return [Span("caps", m.start(), m.end()) for m in hits if len(m.group()) >= 2]


@marker("repetition", "arousal", "the same word said again and again: no, no, no")
def find_repetition(view: TextView) -> list[Span]:
    spans: list[Span] = []
    words = view.words
    i = 0
    while i < len(words) - 1:
        token = words[i].group().lower()
        j = i
        while j + 1 < len(words) and words[j + 1].group().lower() == token:
            j += 1
        if j > i and token not in _STOPWORDS - {"no", "never"}:
            spans.append(Span("repetition", words[i].start(), words[j].end()))
        i = j + 1
    return spans


@marker("question", "structure", "sentences that ask a question")
def find_questions(view: TextView) -> list[Span]:
    return [Span("question", s.start, s.end) for s in view.sentences if s.is_question]


@marker(
    "causal_link",
    "mental_state",
    "a causal connective in a sentence that names a mental state",
    highlight="reflective",
)
def find_causal_links(view: TextView) -> list[Span]:
    states = _mental_states(view)
    spans: list[Span] = []
    for m in _CAUSAL.finditer(view.text):
        sentence = view.sentence_at(m.start())
        if sentence and any(sentence.start <= s.start < sentence.end for s in states):
            spans.append(Span("causal_link", m.start(), m.end()))
    return spans


@marker(
    "risk",
    "risk",
    "suicidal ideation, self-harm, harm to others (scope, time and rung in read_risk)",
    ("risk_ideation", "risk_self_harm", "risk_harm_to_others", "risk_negated", "risk_reported"),
)
def find_risk_language(view: TextView) -> list[Span]:
    return find_risk(view)


@marker(
    "focus",
    "mental_state",
    "whose mental states: self, other, relationship",
    ("focus_self", "focus_other", "focus_relationship"),
    highlight="quiet",
)
def find_focus(view: TextView) -> list[Span]:
    """Attribute each mental-state word to the nearest preceding person word in its sentence."""
    spans = [
        Span("focus_relationship", m.start(), m.end())
        for m in _RELATIONSHIP_PHRASE.finditer(view.text)
    ]
    words = view.words
    states = _mental_states(view)
    for state in states:
        sentence = view.sentence_at(state.start)
        floor = sentence.start if sentence else 0
        for w in reversed(words):
            if w.start() >= state.start:
                continue
            if w.start() < floor or state.start - w.end() > 40:
                break
            token = w.group().lower()
            kind = (
                "focus_self"
                if token in _SELF
                else "focus_relationship"
                if token in _RELATIONAL
                else "focus_other"
                if token in _OTHER
                else None
            )
            if kind:
                spans.append(Span(kind, w.start(), w.end()))
                break
    return spans


# --- running them ----------------------------------------------------------------------------


@dataclass(slots=True)
class MarkerSet:
    """All spans found in one text, with counts by marker name."""

    text: str
    word_count: int
    sentences: int
    questions: int
    spans: list[Span] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    sentence_bounds: tuple[tuple[int, int], ...] = ()
    risk: tuple[RiskReading, ...] = ()
    """Every risk mention read in ``text`` (flagged or not), when the risk family ran."""
    """(start, end) of each sentence in ``text``, so readings can be made sentence by sentence
    without reading the text again."""

    def count(self, *names: str) -> int:
        return sum(self.counts[n] for n in names)

    def has(self, *names: str) -> bool:
        return any(self.counts[n] for n in names)

    def of(self, *names: str) -> list[Span]:
        wanted = set(names)
        return [s for s in self.spans if s.marker in wanted]

    def sentence_sets(self) -> list[MarkerSet]:
        """One marker set per sentence, cut from this one: each holds the spans that lie inside
        its sentence, with offsets into the sentence's own text."""
        if len(self.sentence_bounds) < 2:
            return [self]
        out = []
        for start, end in self.sentence_bounds:
            inside = [
                Span(s.marker, s.start - start, s.end - start)
                for s in self.spans
                if start <= s.start and s.end <= end
            ]
            text = self.text[start:end]
            out.append(
                MarkerSet(
                    text=text,
                    word_count=TextView(text).word_count,
                    sentences=1,
                    questions=1 if "?" in text.rstrip()[-3:] else 0,
                    spans=inside,
                    counts=Counter(s.marker for s in inside),
                    sentence_bounds=((0, len(text)),),
                )
            )
        return out


def read_markers(text: str, families: frozenset[str] | None = None) -> MarkerSet:
    """Run every registered marker (or those of ``families``) over ``text``."""
    view = TextView(text)
    spans: list[Span] = []
    for spec in MARKERS.values():
        if families is None or spec.family in families:
            spans.extend(spec.fn(view))
    spans.sort(key=lambda s: (s.start, s.end, s.marker))
    questions = sum(1 for s in view.sentences if s.is_question)
    return MarkerSet(
        text=text,
        word_count=view.word_count,
        sentences=len(view.sentences),
        questions=questions,
        spans=spans,
        counts=Counter(s.marker for s in spans),
        sentence_bounds=tuple((s.start, s.end) for s in view.sentences),
        risk=read_risk(view) if families is None or "risk" in families else (),
    )
