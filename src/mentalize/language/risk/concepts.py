"""Risk concepts: the words that can carry risk, by kind and starting rung, found in one text.

The concepts are data (``lexicons/risk_readings.toml``, plus the Suicide Risk Lexicon phrases in
``lexicons/risk.toml``); this module loads them once and finds where they occur. Whether the
words are said of the speaker, now, is decided afterwards by :mod:`mentalize.language.risk.scope`.

Why triggers: a plain substring test per concept skips its regular expressions on the great
majority of turns, which hold no risk word at all, so the markers path stays fast.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mentalize.errors import ModelError
from mentalize.language.lexicon import load_lexicon
from mentalize.language.risk.types import RISK_KINDS, SEVERITIES, RiskKind, RiskSeverity
from mentalize.language.text import TextView

_GAP = (
    r"(?:[\s,.;:!?…\-–—]+(?:(?:um+|uh+|erm?|like|just|really|kind\s+of|kinda|sort\s+of|sorta|"
    r"actually|literally|honestly|even|so|all|proper|properly|genuinely|fr|tbh|y'?know|"
    r"you\s+know)[\s,.;:!?…\-–—]+)*)"
)
_MACROS = {
    "{_}": _GAP,
    "{body}": r"(?:arms?|wrists?|forearms?|legs?|thighs?|skin|stomach|belly|hips?|hands?|face|"
    r"chest|ankles?|knuckles|head|scabs?|scars?|fingers?|neck|shoulders?|ribs?|feet|foot|scalp|"
    r"cuticles?|lips?|nails|backs?\s+of\s+my\s+hands?)",
    "{pills}": r"(?:pills|tablets|meds|medication|medicine|paracetamol|painkillers|"
    r"sleeping\s+pills|sleepers|co-?codamol|codeine|tramadol|insulin|methadone|quetiapine|lithium|antidepressants|"
    r"prescription|them|the\s+lot|diazepam|valium|sertraline|citalopram|amitriptyline|oxy\w*|"
    r"morphine|gabapentin|pregabalin|endone|panadol|nurofen|ibuprofen|aspirin|zopiclone|seroquel|"
    r"olanzapine|zoloft|prozac|xanax|ativan|lorazepam|klonopin|oxycodone)",
}


@dataclass(frozen=True, slots=True)
class Concept:
    """One way risk is put into words: its kind, starting rung and how it is found."""

    id: str
    risk: RiskKind
    severity: RiskSeverity
    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    self_stated: bool = False
    medical: bool = False
    weak: bool = False
    negation_inside: bool = False
    needs: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """``concept`` matched ``text[start:end]``."""

    concept: Concept
    start: int
    end: int


def _expand(pattern: str) -> str:
    for macro, value in _MACROS.items():
        pattern = pattern.replace(macro, value)
    return pattern


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(_expand(source))
    except re.error as exc:
        raise ModelError(f"risk_readings.toml: {where}: bad pattern ({exc})") from None


def _concept(entry: dict[str, object]) -> Concept:
    name = str(entry.get("id", "?"))
    risk, severity = entry.get("risk"), entry.get("severity")
    if risk not in RISK_KINDS or severity not in SEVERITIES[risk]:
        raise ModelError(f"risk_readings.toml: concept {name}: unknown risk or severity")
    patterns = entry.get("patterns") or []
    assert isinstance(patterns, list)
    needs, unless = entry.get("needs"), entry.get("unless")
    return Concept(
        id=name,
        risk=risk,
        severity=severity,  # type: ignore[arg-type]
        triggers=tuple(str(t) for t in entry.get("triggers") or ()),  # type: ignore[attr-defined]
        pattern=_compile("|".join(f"(?:{p})" for p in patterns), name),
        self_stated=bool(entry.get("self_stated", False)),
        medical=bool(entry.get("medical", False)),
        weak=bool(entry.get("weak", False)),
        negation_inside=bool(entry.get("negation_inside", False)),
        needs=_compile(str(needs), name) if needs else None,
        unless=_compile(str(unless), name) if unless else None,
    )


@cache
def concepts() -> tuple[Concept, ...]:
    """Every concept of ``risk_readings.toml``, compiled once per process."""
    try:
        raw = resources.files("mentalize.language").joinpath("lexicons", "risk_readings.toml")
        data = tomllib.loads(raw.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"risk_readings.toml could not be read ({exc})") from None
    return tuple(_concept(entry) for entry in data.get("concept", []))


_PHRASE_MARKERS: dict[str, RiskKind] = {
    "risk_ideation": "ideation",
    "risk_self_harm": "self_harm",
    "risk_harm_to_others": "harm_to_others",
}
_PHRASE_RUNGS: tuple[tuple[re.Pattern[str], RiskSeverity], ...] = (
    (re.compile(r"tried|attempted|took an overdose|suicide attempt|attempt suicide"), "behaviour"),
    (re.compile(r"note|possessions|exit plan"), "plan"),
    (re.compile(r"intent"), "intent"),
    (
        re.compile(
            r"hang|jump|shoot|trigger|overdos|pills|drown|fire|rope|brains|bridge|building|roof|"
            r"train|bus|traffic|window|wrists|drink myself"
        ),
        "method",
    ),
    (
        re.compile(r"kill|suicid|end my|ending my|take my own|taking my own|end it|kms"),
        "active_thoughts",
    ),
)


_NEGATED_PHRASE = re.compile(
    r"\b(?:not|no|never|nothing|nobody|don't|can't|won't|isn't|wasn't)\b|n't\b"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i'd|i've|me|my|myself|kms)\b")


@cache
def _phrase_concept(
    marker: str, severity: RiskSeverity, first_person: bool, negation_inside: bool
) -> Concept:
    """A phrase of the Suicide Risk Lexicon stands for a concept of its own rung."""
    kind = _PHRASE_MARKERS[marker]
    return Concept(
        id=f"lexicon:{kind}:{severity}:{first_person}:{negation_inside}",
        risk=kind,
        severity=severity,
        triggers=(),
        pattern=re.compile(r"(?!)"),
        self_stated=first_person,
        negation_inside=negation_inside,
        medical=severity in ("method", "behaviour"),
    )


def _phrase_rung(kind: RiskKind, words: str) -> RiskSeverity:
    if kind == "self_harm":
        return "urge" if "urge" in words else "act"
    if kind == "harm_to_others":
        return "thoughts"
    for pattern, severity in _PHRASE_RUNGS:
        if pattern.search(words):
            return severity
    return "wish_to_be_dead"


_COMPACT_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*'?|[.?!]+(?=\s|$)")
_FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm"})
DROPPED_G = frozenset(
    f"{stem}in"
    for stem in [
        "kill",
        "think",
        "tak",
        "runn",
        "end",
        "cutt",
        "hurt",
        "hang",
        "jump",
        "dy",
        "drown",
        "burn",
        "slitt",
        "plann",
        "want",
        "feel",
        "go",
        "do",
        "wish",
        "stockpil",
        "sav",
        "giv",
        "writ",
        "hav",
        "gett",
        "putt",
        "swallow",
        "harm",
        "punch",
        "stabb",
        "shoot",
        "strangl",
        "smash",
        "batter",
        "bang",
        "hitt",
        "scratch",
        "pick",
        "carv",
        "look",
        "research",
        "say",
        "tell",
        "keep",
        "driv",
        "stepp",
        "walk",
        "leav",
        "sort",
        "check",
        "fight",
        "hid",
        "stash",
        "chok",
        "throttl",
        "sleep",
        "wak",
        "overdos",
        "topp",
        "liv",
        "off",
    ]
)
"""Words said with a dropped g ("thinkin about killin myself"): the concepts read them with
their g, so dialect spelling is read as the phrase it is."""
_ENDS_IN = re.compile(r"\b[a-z]+in'?(?![a-z'])")


RESPELT = {
    **dict.fromkeys(("masel", "mysel", "maself", "meself", "mesel", "missen", "mysen"), "myself"),
    "deid": "dead",
    **dict.fromkeys(("dinnae", "dinna", "divnae"), "don't"),
    **dict.fromkeys(("didnae", "didna"), "didn't"),
    **dict.fromkeys(("cannae", "canna"), "can't"),
    **dict.fromkeys(("wouldnae", "widnae", "wouldna", "widna"), "wouldn't"),
    **dict.fromkeys(("couldnae", "couldna"), "couldn't"),
    "shouldnae": "shouldn't",
    "isnae": "isn't",
    "wasnae": "wasn't",
    "willnae": "won't",
    "doesnae": "doesn't",
    **dict.fromkeys(("havnae", "hivnae", "havenae"), "haven't"),
    "aboot": "about",
    "withoot": "without",
    "tae": "to",
    "wi": "with",
    "aff": "off",
    "ower": "over",
    "doon": "down",
    "roond": "round",
    "gonnae": "going to",
    "dae": "do",
    "naebody": "nobody",
}
"""Scots and Northern English spellings ("killin masel", "better aff withoot me", "I'd like tae
go tae sleep"): the concepts read them as the standard words, as with a dropped g. Negation
already reads the "-nae" forms as negators (:mod:`mentalize.language.risk.scope`)."""
_RESPELT_WORD = re.compile(r"\b(?:" + "|".join(sorted(RESPELT, key=len, reverse=True)) + r")\b")


def _has_respelling(lower: str) -> bool:
    """True when the text holds a word of :data:`DROPPED_G` or :data:`RESPELT` (cheap: most
    texts hold neither)."""
    return (
        any(m.group().rstrip("'") in DROPPED_G for m in _ENDS_IN.finditer(lower))
        or _RESPELT_WORD.search(lower) is not None
    )


@dataclass(frozen=True, slots=True)
class Compact:
    """The lower-cased text as words and sentence stops joined by single spaces, with fillers,
    commas, dashes and pauses ("...") left out, and where each character came from: transcribed
    speech ("I gave my, um, my guitar") reads as the phrase it is."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _compact(view: TextView) -> Compact:
    parts: list[str] = []
    origin: list[int] = []
    for m in _COMPACT_TOKEN.finditer(view.lower):
        word = m.group()
        if word in _FILLERS or (word[0] == "." and len(word) > 1 and set(word) == {"."}):
            continue
        if parts:
            parts.append(" ")
            origin.append(m.start())
        bare = word.rstrip("'")
        standard = RESPELT.get(bare)
        if standard is not None:
            parts.append(standard)
            last = m.start() + len(bare) - 1
            # Every letter but the last maps to the word's start, so a match that starts inside
            # a replacement ("to" of "going to") still shows the whole typed word.
            origin.extend([m.start()] * (len(standard) - 1) + [last])
            continue
        if bare in DROPPED_G:
            parts.append(bare + "g")
            origin.extend(range(m.start(), m.start() + len(bare)))
            origin.append(m.start() + len(bare) - 1)
            continue
        parts.append(word)
        origin.extend(range(m.start(), m.end()))
    return Compact("".join(parts), tuple(origin))


def compact(view: TextView) -> Compact:
    return view.memo("risk_compact", _compact)


def find_concepts(view: TextView) -> list[ConceptHit]:
    """Every place a risk concept occurs in ``view``, before any judgement of scope."""
    lower = view.lower
    hits: list[ConceptHit] = []
    text: Compact | None = None
    if _has_respelling(lower):  # "givin my things away": triggers see the g too
        text = compact(view)
        lower = f"{lower} {text.text}"
    for concept in concepts():
        if not any(t in lower for t in concept.triggers):
            continue
        if text is None:
            text = compact(view)
        found = list(concept.pattern.finditer(text.text))
        if not found:
            continue
        if concept.needs is not None and not concept.needs.search(text.text):
            continue
        if concept.unless is not None and concept.unless.search(text.text):
            continue
        for m in found:
            if m.end() > m.start():
                start, end = text.span(m.start(), m.end())
                hits.append(ConceptHit(concept, start, end))
    lexicon = load_lexicon("risk")
    for category in lexicon.categories.values():
        kind = _PHRASE_MARKERS.get(category.marker)
        if kind is None:
            continue
        for span in view.phrase_hits.get(category.marker, []) + category.find_patterns(view.text):
            words = lower[span.start : span.end]
            concept = _phrase_concept(
                category.marker,
                _phrase_rung(kind, words),
                bool(_FIRST_PERSON.search(words)),
                bool(_NEGATED_PHRASE.search(words)),
            )
            hits.append(ConceptHit(concept, span.start, span.end))
    return hits
