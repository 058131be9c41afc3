"""Risk across turns: replies to safety questions, and the session's flags and denials.

A short reply carries its meaning from the question before it: "Not really." after "Do you feel
safe going home tonight?" discloses risk; "No, never." after "Have you thought of hurting
yourself?" denies it. Flags and denials are both kept, in order: a later denial never clears an
earlier disclosure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial

from mentalize.analysis.results import RiskFlag, TurnAnalysis
from mentalize.language.lexicon import normalise
from mentalize.language.risk import RiskReading, read_risk, strongest
from mentalize.language.risk.answers import (
    DENIED_LAST,
    FULL_YES,
    HEDGE,
    TAG,
    YES,
    YES_LATER,
    denies,
    denies_premise,
    is_answer,
    reassures,
)
from mentalize.language.risk.questions import asked_about
from mentalize.language.spans import Span
from mentalize.language.text import TextView

REPLY_WORDS = 15
"""A reply this short (in words) is read against the question before it."""


def _answer(text: str) -> tuple[bool | None, str] | None:
    """(True, words) for yes, (False, words) for a clear no, (None, words) for a hedge ("not
    really", "I don't know") or a reply that is neither ("Here and there.", "Saturday.", "Not
    today, but yesterday."), which is no clear denial whichever way the question was put.
    ``None`` for a reply too long to read against the question, one that opens with a question
    of its own, or one with no words."""
    lower = TAG.sub(" ", normalise(text).lower()).strip()
    if len(lower.split()) > REPLY_WORDS:
        return None
    last = DENIED_LAST.search(lower)
    if last is not None:
        return False, last.group()
    hedge = HEDGE.match(lower)
    if hedge is not None:
        return None, hedge.group()
    no = denies(lower)
    if no is not None:
        return False, no.group()
    yes = YES.match(lower) or YES_LATER.search(lower)
    if yes is not None:
        return True, yes.group()
    if not is_answer(lower):
        return None
    return None, lower


def _readings_of(turn: TurnAnalysis) -> tuple[RiskReading, ...]:
    """What the risk rules find in a turn: a therapist's turn carries no readings of its own."""
    return turn.risk_detail or read_risk(TextView(turn.text))


def _reason(
    question: str, said_yes: bool | None, discloses: bool, hedged: bool, unclear: bool
) -> str:
    if not discloses:
        return f"an answer to {question} that denies it"
    if unclear:
        return f"no clear yes or no to {question}, which asked about safety and risk at once"
    if said_yes is None:
        if hedged:
            return f"a hedged answer to {question}: not a clear denial"
        return f"an answer to {question} that does not deny it"
    return f"an answer to {question} that discloses risk"


def read_replies(turns: list[TurnAnalysis]) -> list[TurnAnalysis]:
    """Add a reading to each short patient reply that answers a question about risk or safety:
    a disclosure (flagged) or a denial (kept, not flagged); the turn's ``risk`` follows its
    readings."""
    out = list(turns)
    for i in range(1, len(out)):
        turn, before = out[i], out[i - 1]
        if turn.role == "therapist" or before.speaker == turn.speaker:
            continue
        answer = _answer(turn.text)
        if answer is None:
            continue
        asked = asked_about(before.text, partial(_readings_of, before))
        if asked is None:
            continue
        said_yes, words = answer
        if asked.statement and said_yes is not True:
            continue
        if any(
            r.risk == asked.risk and r.asserted in ("asserted", "negated") for r in turn.risk_detail
        ):
            continue
        lower = normalise(turn.text).lower()
        if said_yes is not True and denies_premise(lower):
            discloses = False
        elif asked.seeks_risk is None:
            discloses = True  # safety and risk in one breath: a bare yes or no is no clear answer
        elif asked.seeks_risk:
            if reassures(lower):
                continue  # "I'm fine." to "any thoughts of suicide?": neither yes nor no
            discloses = said_yes is not False
        else:
            # A question about safety: only a whole yes or a reassurance says safe ("Some
            # days." to "Do you want to live?" does not).
            discloses = not (reassures(lower) or (said_yes is True and FULL_YES.match(lower)))
        words = words.strip(" \t\n.,!?-—…")
        start = lower.find(words) if words else -1
        evidence = (Span("risk", start, start + len(words)),) if start >= 0 else ()
        question = f"the question at turn {before.index + 1}"
        reading = RiskReading(
            risk=asked.risk,
            severity=asked.severity,
            temporal="current",
            asserted="asserted" if discloses else "negated",
            evidence=evidence,
            reason=_reason(
                question,
                said_yes,
                discloses,
                HEDGE.match(lower) is not None,
                asked.seeks_risk is None and said_yes is not None,
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
