"""From a person's own words to a reflection: the signs of collapse the analyser finds, each with
the words that prompted it, and curious prompts. Risk language stops the reading.

The signs are the analyser's markers (docs/markers.md), grouped the way a person outside therapy
can recognise them: certainty about others' minds, all-or-nothing words, high arousal, feelings
as facts, actions as proof, and a mind stuck on one side. A journal entry is read paragraph by
paragraph (a long entry should not dilute one heated paragraph); quotes are offsets into the
whole text, so a page can highlight them in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from mentalize.analysis.results import TurnAnalysis
from mentalize.reflect import wording
from mentalize.reflect.help import CrisisLine
from mentalize.reflect.wording import SignKind

Kind = Literal["journal", "message"]

#: Arousal (0-1) from which grounding is offered first and coming back later suggested.
HIGH_AROUSAL = 0.6

#: Marker names behind each sign (journal and message).
SIGN_MARKERS: dict[SignKind, frozenset[str]] = {
    "certainty_about_minds": frozenset({"intent_certainty", "global_attribution"}),
    "all_or_nothing": frozenset({"absolutist", "catastrophising"}),
    "high_arousal": frozenset(
        {"intensity", "swearing", "bodily_activation", "exclamation", "caps", "repetition"}
    ),
    "feelings_as_facts": frozenset({"feeling_as_fact"}),
    "proof_by_action": frozenset({"action_as_proof"}),
    "reader_motives": frozenset({"intent_certainty", "global_attribution", "booster"}),
    "heat": frozenset({"intensity", "swearing", "exclamation", "caps", "repetition"}),
}
RISK_MARKERS = frozenset(
    {"risk_ideation", "risk_self_harm", "risk_harm_to_others", "risk_negated", "risk_reported"}
)
"""Any risk words, said of oneself or not: alone with a tool, someone writing about a friend's
self-harm or a denial also gets the help lines first."""
STRENGTH_MARKERS = frozenset({"hedge", "opacity", "perspective", "change_over_time"})
JOURNAL_SIGNS: tuple[SignKind, ...] = (
    "high_arousal",
    "certainty_about_minds",
    "all_or_nothing",
    "feelings_as_facts",
    "proof_by_action",
)
MESSAGE_SIGNS: tuple[SignKind, ...] = ("heat", "reader_motives", "all_or_nothing")

_PARAGRAPH = re.compile(r"\n\s*\n")
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yourself)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quote:
    """Words from the text that prompted a point: ``text[start:end]``."""

    start: int
    end: int
    words: str


@dataclass(frozen=True, slots=True)
class Sign:
    """One point Reflect makes: what kind, how it is worded, and the words behind it."""

    kind: SignKind | Literal["strength"]
    title: str
    observation: str
    quotes: tuple[Quote, ...]
    prompts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RiskNotice:
    """Risk language was found: where to turn, shown first; the reading stopped."""

    title: str
    message: str
    stopped: str
    quotes: tuple[Quote, ...]
    lines: tuple[CrisisLine, ...]


@dataclass(frozen=True, slots=True)
class Reflection:
    """What Reflect shows for one entry or draft message."""

    kind: Kind
    risk: RiskNotice | None
    arousal: float
    grounding: tuple[str, ...]
    signs: tuple[Sign, ...]
    strengths: tuple[Sign, ...]
    prompts: tuple[str, ...]
    caution: str = wording.CAUTION
    empty_note: str = ""

    @property
    def high_arousal(self) -> bool:
        return bool(self.grounding)

    @property
    def counts(self) -> dict[str, int]:
        """What an entry adds to the history: each sign shown once, or ``risk`` alone."""
        if self.risk is not None:
            return {"risk": 1}
        return {s.kind: 1 for s in self.signs}


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """``(offset, paragraph)`` for each non-blank paragraph."""
    out, position = [], 0
    for match in _PARAGRAPH.finditer(text):
        out.append((position, text[position : match.start()]))
        position = match.end()
    out.append((position, text[position:]))
    return [(offset, part) for offset, part in out if part.strip()]


#: "all evening", "the whole day": the absolutist dictionary's words naming a stretch of time,
#: which is no all-or-nothing thinking; not quoted to the person.
_DURATION = re.compile(
    r"(?:all|whole|entire|full)\s+(?:the\s+)?(?:day|days|night|nights|evening|morning|"
    r"afternoon|week|weekend|month|year|way|along|right)\b",
    re.IGNORECASE,
)


def _quotes(
    text: str, found: Iterable[tuple[int, TurnAnalysis]], markers: frozenset[str]
) -> tuple[Quote, ...]:
    """Distinct spans of ``markers`` in reading order, longest first where they overlap."""
    spans = sorted(
        {
            (offset + e.start, offset + e.end)
            for offset, turn in found
            for e in turn.evidence
            if e.marker in markers
            and not (e.marker == "absolutist" and _DURATION.match(text, offset + e.start))
        },
        key=lambda s: (s[0], -(s[1] - s[0])),
    )
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if kept and start < kept[-1][1]:
            continue  # inside (or overlapping) the span already quoted
        kept.append((start, end))
    return tuple(Quote(s, e, text[s:e]) for s, e in kept)


def _learned_quotes(text: str, found: Iterable[tuple[int, TurnAnalysis]]) -> tuple[Quote, ...]:
    """The sentence the learned risk reader read as risk, where no risk words matched."""
    quotes = []
    for offset, turn in found:
        lead = turn.risk_lead
        if lead is None:
            continue
        for span in lead.evidence:
            if span.marker == "risk":
                start, end = offset + span.start, offset + span.end
                quotes.append(Quote(start, end, text[start:end]))
    return tuple(quotes)


def _sign(kind: SignKind, quotes: tuple[Quote, ...]) -> Sign:
    w = wording.SIGNS[kind]
    return Sign(kind, w.title, w.observation, quotes, w.prompts)


def reflect(
    text: str,
    kind: Kind = "journal",
    model: Literal["auto", "markers", "learned"] = "auto",
    lines: tuple[CrisisLine, ...] | None = None,
) -> Reflection:
    """Read a journal entry or a draft message. Raises ``ValueError`` for empty text."""
    from mentalize.analysis.session import analyze_utterances
    from mentalize.reflect.help import DEFAULT_LINES

    if not text.strip():
        raise ValueError("nothing to reflect on: the text is empty")
    parts = _paragraphs(text)
    turns = analyze_utterances([p for _, p in parts], role="patient", model=model)
    found = list(zip((o for o, _ in parts), turns, strict=True))

    # Negated risk words ("I would never hurt myself") count too: in a tool a person uses alone,
    # showing where help is when it was not needed costs little; missing it could cost a life.
    if any(turn.risk != "none" or turn.evidence_for(*RISK_MARKERS) for turn in turns):
        risk_quotes = _quotes(text, found, RISK_MARKERS) or _learned_quotes(text, found)
        notice = RiskNotice(
            wording.RISK_TITLE,
            wording.RISK_MESSAGE,
            wording.RISK_STOPPED,
            risk_quotes,
            lines if lines is not None else DEFAULT_LINES,
        )
        return Reflection(
            kind=kind, risk=notice, arousal=0.0, grounding=(), signs=(), strengths=(), prompts=()
        )

    arousal = max(turn.arousal for turn in turns)
    signs: list[Sign] = []
    candidates = JOURNAL_SIGNS if kind == "journal" else MESSAGE_SIGNS
    for sign in candidates:
        markers = SIGN_MARKERS[sign]
        if sign == "reader_motives" and not _SECOND_PERSON.search(text):
            continue  # a message that never addresses its reader makes no claim about them
        quotes = _quotes(text, found, markers)
        if sign in ("high_arousal", "heat"):
            if arousal < HIGH_AROUSAL and not quotes:
                continue
        elif not quotes:
            continue
        signs.append(_sign(sign, quotes))
    if kind == "journal":
        signs.extend(_focus_signs(text, found))

    strength_quotes = _quotes(text, found, STRENGTH_MARKERS)
    strengths = (
        (
            Sign(
                "strength",
                wording.STRENGTH_TITLE,
                wording.STRENGTH_OBSERVATION,
                strength_quotes,
                wording.STRENGTH_PROMPTS,
            ),
        )
        if strength_quotes
        else ()
    )
    grounding = wording.GROUNDING if arousal >= HIGH_AROUSAL else ()
    general = wording.JOURNAL_PROMPTS if kind == "journal" else wording.MESSAGE_PROMPTS
    shown = {p for s in signs for p in s.prompts}
    return Reflection(
        kind=kind,
        risk=None,
        arousal=arousal,
        grounding=grounding,
        signs=tuple(signs),
        strengths=strengths,
        prompts=tuple(p for p in general if p not in shown),
        empty_note=""
        if signs
        else (wording.NO_SIGNS_JOURNAL if kind == "journal" else wording.NO_SIGNS_MESSAGE),
    )


def _focus_signs(text: str, found: list[tuple[int, TurnAnalysis]]) -> list[Sign]:
    """A mind stuck on one side: every paragraph that names whose states it is about names the
    same side, and the other side is present in the text without a mind of its own."""
    focuses = [turn.focus for _, turn in found if turn.focus in ("self", "other")]
    if not focuses or len(set(focuses)) != 1:
        return []
    markers_seen = {e.marker for _, turn in found for e in turn.evidence}
    if markers_seen & {"opacity", "perspective"}:
        return []  # the words already move between minds
    if focuses[0] == "other":
        quotes = _sentences(text, _quotes(text, found, frozenset({"focus_other"})))
        return [_sign("mind_on_other", quotes)] if quotes else []
    if "focus_other" in markers_seen:  # someone else is in the story, but only as an actor
        quotes = _sentences(text, _quotes(text, found, frozenset({"focus_self"})))
        return [_sign("mind_on_self", quotes)] if quotes else []
    return []


_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)|\n+")


def _sentences(text: str, anchors: tuple[Quote, ...], limit: int = 3) -> tuple[Quote, ...]:
    """The first ``limit`` sentences holding an anchor: a pronoun alone is no quote to show."""
    bounds, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    out: list[Quote] = []
    for s, e in bounds:
        if any(s <= q.start < e for q in anchors):
            words = text[s:e].strip()
            lead = len(text[s:e]) - len(text[s:e].lstrip())
            out.append(Quote(s + lead, s + lead + len(words), words))
            if len(out) == limit:
                break
    return tuple(out)
