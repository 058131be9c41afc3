"""Risk across turns: replies to safety questions, and the session's flags and denials.

A short reply carries its meaning from the question before it: "Not really." after "Do you feel
safe going home tonight?" discloses risk; "No, never." after "Have you thought of hurting
yourself?" denies it. Flags and denials are both kept, in order: a later denial never clears an
earlier disclosure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from mentalize.analysis.results import RiskFlag, TurnAnalysis
from mentalize.language.lexicon import normalise
from mentalize.language.risk import RiskKind, RiskReading, RiskSeverity, read_risk, strongest
from mentalize.language.risk.answers import HEDGE, NO, REASSURES, YES, YES_LATER
from mentalize.language.spans import Span
from mentalize.language.text import TextView

REPLY_WORDS = 15
"""A reply this short (in words) is read against the question before it."""

_SEEKS_RISK: tuple[tuple[re.Pattern[str], RiskKind, RiskSeverity], ...] = (
    (
        re.compile(
            r"\b(?:not\s+(?:to\s+)?wake\s+up|wish(?:ed)?\s+you\s+(?:were|was)\s+dead|better\s+off\s+dead|"
            r"not\s+(?:be|being)\s+(?:here|around|alive)|not\s+want(?:ing)?\s+to\s+be\s+(?:here|around|alive)|"
            r"disappear)"
        ),
        "ideation",
        "wish_to_be_dead",
    ),
    (
        re.compile(
            r"\b(?:(?:a|any)\s+plans?\s+(?:to|for|about|of)\s+(?:how|when|where|end\w*|kill\w*|hurt\w*|"
            r"do(?:ing)?\s+it|act\w*)|planned\s+(?:how|when|where)|how\s+you\s+would\s+(?:do|end|kill))"
        ),
        "ideation",
        "plan",
    ),
    (
        re.compile(
            r"\b(?:kill(?:ing)?\s+yourself|end(?:ing)?\s+(?:your\s+(?:own\s+)?life|it\s+all|it|things)|"
            r"tak(?:e|ing)\s+your\s+(?:own\s+)?life|suicid\w*|thoughts?\s+of\s+(?:death|dying)|"
            r"want(?:ed)?\s+to\s+die|done\s+with\s+it\s+all)"
        ),
        "ideation",
        "active_thoughts",
    ),
    (
        re.compile(
            r"\b(?:hurt(?:ing)?\s+yourself|harm(?:ing)?\s+yourself|self[\s-]?harm\w*|cut(?:ting)?\s+"
            r"(?:yourself|again)|urges?)\b"
        ),
        "self_harm",
        "urge",
    ),
    (
        re.compile(
            r"\b(?:hurt(?:ing)?|harm(?:ing)?|kill(?:ing)?|attack(?:ing)?)\s+(?:him|her|them|someone|"
            r"anyone|anybody|others|somebody|people|your\s+\w+)\b"
        ),
        "harm_to_others",
        "thoughts",
    ),
)
_SEEKS_MEANS: tuple[tuple[re.Pattern[str], RiskKind, RiskSeverity], ...] = (
    (
        re.compile(
            r"\bact(?:ed|ing)?\s+on\s+(?:those|these|the|your|that|them|it)\b|"
            r"\bhow\s+(?:likely|close)\b[^?]{0,60}\b(?:act|do\s+it|go\s+through)"
        ),
        "ideation",
        "intent",
    ),
    (
        re.compile(
            r"\b(?:still\s+(?:got|have|keeping|kept)|kept|keeping|saving|saved|stockpil\w*|access\s+to)\b"
            r"[^?.]{0,50}\b(?:tablets|pills|meds|medication|rope|guns?|shotgun|rifle|firearms?|weapons?)\b|"
            r"\b(?:the|your|that)\s+(?:rope|shotgun|rifle|gun|firearms?)\b[^?]{0,60}\b(?:for|on\s+yourself)\b|"
            r"\b(?:how|when)\s+(?:or\s+(?:how|when|where)\s+)?you(?:\s+(?:might|would|could|will)|'d)\s+do\s+it\b|"
            r"\b(?:been|gone|went)\s+back\s+(?:there|to\s+the\s+(?:bridge|edge|river|tracks|car\s+park))"
        ),
        "ideation",
        "plan",
    ),
    (
        re.compile(r"\b(?:used|use|using)\s+(?:the\s+|your\s+)?(?:blades?|razors?|lighter)\b"),
        "self_harm",
        "act",
    ),
)
"""Questions about means, intent and going back to a place: asked of someone whose risk is
already on the table, a reply that is no denial discloses it."""
_SEEKS_SAFETY = re.compile(
    r"\b(?:are\s+you\s+safe|feel\s+safe|keep\s+yourself\s+safe|stay\s+safe|be\s+safe|safe\s+(?:tonight|going\s+home|at\s+"
    r"home|to\s+go\s+home)|want\s+to\s+(?:live|be\s+alive|keep\s+going|be\s+here)|reasons?\s+(?:to|for)\s+"
    r"liv\w+|promise\s+(?:me|you)|get\s+through\s+(?:tonight|the\s+night))\b"
)
_ACT_QUESTION = re.compile(r"\b(?:have|did|has)\s+you\s+(?:\w+\s+){0,2}(?:hurt|harmed|cut|done)\b")


_NORMALISING = re.compile(
    r"\b(?:people|some\s+people|many\s+people|others|folks|a\s+lot\s+of\s+people)\b[^.!]{0,80}"
    r"\b(?:think|thoughts?|feel|wish|have)\b"
)
_ASKS_WITHOUT_MARK = re.compile(
    r"(?:^|[.!]\s+)(?:do|did|have|has|are|were|is|was|can|could|would|will)\s+you\b|"
    r"\bwhen\s+you\s+say\b[^.!]*\b(?:do|did)\s+you\s+mean\b"
)
"""A transcribed question often loses its question mark."""


def _asks(
    text: str, readings: Iterable[RiskReading] = ()
) -> tuple[RiskKind, RiskSeverity, bool, bool] | None:
    """(kind, rung, seeks_risk, statement) when ``text`` asks a safety question, else ``None``.
    ``statement``: no question was put, but the turn normalises the thought ("sometimes people
    this low think of ending their life"); only a yes to that is read. ``readings``: what the
    risk rules found in the question."""
    lower = normalise(text).lower()
    statement = "?" not in lower and not _ASKS_WITHOUT_MARK.search(lower)
    if statement and not _NORMALISING.search(lower):
        return None
    safety = None if statement else _SEEKS_SAFETY.search(lower)
    for pattern, kind, rung in _SEEKS_RISK:
        found = pattern.search(lower)
        if found and (safety is None or found.start() > safety.start()):
            if kind == "self_harm" and _ACT_QUESTION.search(lower):
                return kind, "act", True, statement
            return kind, rung, True, statement
    if safety is not None:
        # "Do you feel safe tonight?": a yes is the answer that reassures. When the question
        # goes on to name the risk ("...do you mean you might try to end your life?"), the
        # later clause is the one answered.
        return "ideation", "unspecified", False, False
    if statement:
        return None
    for pattern, kind, rung in _SEEKS_MEANS:
        if pattern.search(lower):
            return kind, rung, True, False
    mentioned = [r for r in readings if r.risk != "none"]
    if mentioned:
        # The rules found risk words in the question itself ("do you mean you'd rather be
        # dead?"): it asks about that risk.
        lead = max(mentioned, key=lambda r: r.rank)
        return lead.risk, lead.severity, True, False
    return None


def _answer(text: str) -> tuple[bool | None, re.Match[str]] | None:
    """(True, words) for yes, (False, words) for no, (None, words) for a hedge ("not really",
    "I don't know") or a reply that is neither ("Here and there.", "Saturday.", "Worse,
    honestly."), which is no clear denial whichever way the question was put."""
    lower = normalise(text).lower()
    if len(lower.split()) > REPLY_WORDS:
        return None
    hedge = HEDGE.match(lower)
    if hedge is not None:
        return None, hedge
    no = NO.match(lower)
    if no is not None:
        return False, no
    yes = YES.match(lower) or YES_LATER.search(lower)
    if yes is not None:
        return True, yes
    return None, _WHOLE.match(lower)  # type: ignore[return-value]


_WHOLE = re.compile(r"(?s).*")
_NOTHING_LIKE_THAT = re.compile(r"\bnothing\s+like\s+(?:that|this)\b")
_BUT = re.compile(r"\b(?:but|not|n't|except|unless|maybe|probably)\b")


def _reassures(text: str) -> bool:
    """ "I'll be fine.", "I'm safe, honestly.": no risk whichever way the question was put, unless
    the reply goes on to qualify it ("I'm fine, but not tonight")."""
    lower = normalise(text).lower()
    if _NOTHING_LIKE_THAT.search(lower):
        return True
    match = REASSURES.match(lower)
    return match is not None and not _BUT.search(lower, match.end())


def _question_readings(before: TurnAnalysis) -> tuple[RiskReading, ...]:
    """What the risk rules find in a turn that asks something: a therapist's turn carries no
    readings of its own, so they are read here, only for a turn a short reply follows."""
    return before.risk_detail or read_risk(TextView(before.text))


def read_replies(turns: list[TurnAnalysis]) -> list[TurnAnalysis]:
    """Add a reading to each short patient reply that answers a safety question: a disclosure
    (flagged) or a denial (kept, not flagged); the turn's ``risk`` follows its readings."""
    out = list(turns)
    for i in range(1, len(out)):
        turn, before = out[i], out[i - 1]
        if turn.role == "therapist" or before.speaker == turn.speaker:
            continue
        answer = _answer(turn.text)
        if answer is None:
            continue
        asked = _asks(before.text, _question_readings(before))
        if asked is None:
            continue
        kind, rung, seeks_risk, statement = asked
        said_yes, match = answer
        if statement and said_yes is not True:
            continue
        if any(r.risk == kind and r.asserted in ("asserted", "negated") for r in turn.risk_detail):
            continue
        discloses = True if said_yes is None else (said_yes if seeks_risk else not said_yes)
        if _reassures(turn.text):
            discloses = False
        words = match.group().strip(" \t\n.,!?-—…")
        start = normalise(turn.text).lower().find(words) if words else -1
        evidence = (Span("risk", start, start + len(words)),) if start >= 0 else ()
        question = f"the question at turn {before.index + 1}"
        reading = RiskReading(
            risk=kind,
            severity=rung,
            temporal="current",
            asserted="asserted" if discloses else "negated",
            evidence=evidence,
            reason=(
                f"a hedged answer to {question}: not a clear denial"
                if said_yes is None and seeks_risk and HEDGE.match(normalise(turn.text).lower())
                else f"an answer to {question} that does not deny it"
                if said_yes is None and seeks_risk
                else f"an answer to {question} that discloses risk"
                if discloses
                else f"an answer to {question} that denies it"
            ),
            context_turn=before.index,
        )
        detail = (*turn.risk_detail, reading)
        lead = strongest(detail)
        out[i] = replace(
            turn,
            risk_detail=detail,
            risk=lead.risk if lead is not None else "none",
            # A disclosure is never a backchannel, however short.
            minimal=turn.minimal and not reading.flagged,
        )
    return out


def _distinct(words: Iterable[str]) -> tuple[str, ...]:
    """Words in order, without repeats or words inside another ("wished I could just disappear"
    inside "I wished I could just disappear")."""
    found = list(dict.fromkeys(words))
    return tuple(w for w in found if not any(w != o and w in o for o in found))


def _flag(turn: TurnAnalysis, reading: RiskReading) -> RiskFlag:
    return RiskFlag(
        turn=turn.index,
        speaker=turn.speaker,
        risk=reading.risk,
        words=reading.words(turn.text) or (turn.text.strip()[:80],),
        severity=reading.severity,
        temporal=reading.temporal,
        asserted=reading.asserted,
        reason=reading.reason,
        context_turn=reading.context_turn,
    )


def risk_flags(turns: list[TurnAnalysis]) -> tuple[tuple[RiskFlag, ...], tuple[RiskFlag, ...]]:
    """(flags, denials): one flag per turn and kind of asserted risk, at the kind's highest rung
    with the words of every mention of it; one denial per turn and kind that was denied. Never
    averaged away, never cleared by a later denial."""
    flags: list[RiskFlag] = []
    denials: list[RiskFlag] = []
    for turn in turns:
        if turn.role == "therapist":
            continue
        for kind in ("ideation", "self_harm", "harm_to_others"):
            readings = [r for r in turn.risk_detail if r.risk == kind]
            asserted = [r for r in readings if r.flagged]
            if asserted:
                lead = max(asserted, key=lambda r: (r.rank, r.temporal == "current"))
                words = _distinct(w for r in asserted for w in r.words(turn.text))
                flag = _flag(turn, lead)
                flags.append(replace(flag, words=words or flag.words))
            elif any(r.asserted == "negated" for r in readings):
                lead = next(r for r in readings if r.asserted == "negated")
                denials.append(_flag(turn, lead))
    return tuple(flags), tuple(denials)
