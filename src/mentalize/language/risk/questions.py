"""What a question asks about risk, so that a short reply can be read with it.

"Sometimes." means nothing alone; after "Do you ever think about ending your life?" it discloses
ideation, and after "Do you feel safe going home tonight?" a "No." discloses it too. This module
reads the question: which risk it asks about, on which rung, and which way round (a question
about risk, where yes discloses, or about safety, where no does). The reply is read in
:mod:`mentalize.language.risk.answers`; both are put together in :mod:`mentalize.analysis.risk`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mentalize.language.lexicon import normalise
from mentalize.language.risk.types import RiskKind, RiskReading, RiskSeverity

_SEEKS_RISK: tuple[tuple[re.Pattern[str], RiskKind, RiskSeverity], ...] = (
    (
        re.compile(
            r"\b(?:not\s+(?:to\s+)?wake\s+up|wish(?:ed)?\s+you\s+(?:were|was)\s+dead|better\s+off\s+dead|"
            r"not\s+(?:be|being)\s+(?:here|around|alive)|not\s+want(?:ing)?\s+to\s+be\s+(?:here|around|alive)|"
            r"wish(?:ed)?\s+you\s+(?:weren'?t|were\s+not|wasn'?t)\s+(?:here|alive|around)|"
            r"(?:want|wish|wished|wanting|wishing)\s+(?:to\s+|you\s+could\s+)?(?:just\s+)?disappear)"
        ),
        "ideation",
        "wish_to_be_dead",
    ),
    (
        re.compile(
            r"\b(?:(?:a|any)\s+plans?\s+(?:to|for|about|of)\s+(?:end\w*|kill\w*|hurt\w*|do(?:ing)?\s+it|act\w*)|"
            r"planned\s+(?:how|when|where)|how\s+you\s+would\s+(?:do|end|kill)|"
            r"(?:made|have|got|making)\s+(?:a|any)\s+(?:\w+\s+)?plans?\s*\?|"
            r"(?:how|when|where)\s+(?:or\s+(?:how|when|where)\s+)?you(?:\s+(?:might|would|could|will)|'d)\s+"
            r"do\s+(?:it|this|that))"
        ),
        "ideation",
        "plan",
    ),
    (
        re.compile(
            r"\b(?:intend\w*|intention)\s+(?:\w+\s+){0,3}(?:carry\s+(?:it\s+)?out|act(?:ing)?\b|go\s+through)"
        ),
        "ideation",
        "intent",
    ),
    (
        re.compile(
            r"\b(?:kill(?:ing)?\s+yourself|end(?:ing)?\s+(?:your\s+(?:own\s+)?life|it\s+all|it|things)|"
            r"tak(?:e|ing)\s+your\s+(?:own\s+)?life|(?<!by\s)suicid\w*|thoughts?\s+of\s+(?:death|dying)|"
            r"want(?:ed)?\s+to\s+die|done\s+with\s+it\s+all)"
        ),
        "ideation",
        "active_thoughts",
    ),
    (
        re.compile(
            r"\b(?:hurt(?:ing)?\s+yourself|harm(?:ing)?\s+yourself|self[\s-]?harm\w*|cut(?:ting)?\s+"
            r"(?:yourself|again)|urges?\b(?!\s+to\s+(?:drink|use|smoke|gamble|eat|binge|buy|call|text|drive)))"
        ),
        "self_harm",
        "urge",
    ),
    (
        re.compile(
            r"\b(?:hurt(?:ing)?|harm(?:ing)?|kill(?:ing)?|attack(?:ing)?)\s+(?:him|her|them|someone|"
            r"anyone|anybody|others|somebody|people|your\s+(?:\w+\s+)?(?:partner|wife|husband|girlfriend|"
            r"boyfriend|kids?|children|child|son|daughter|baby|mum|mom|mother|dad|father|brother|sister|ex|"
            r"boss|manager|neighbou?r|family|colleague|friend|flatmate|roommate))\b"
        ),
        "harm_to_others",
        "thoughts",
    ),
)
_SOMEONE_ELSES = re.compile(
    r"\b(?:your|his|her|their|a)\s+(?:\w+\s+)?(?:friend|mate|partner|wife|husband|mum|mom|mother|dad|"
    r"father|brother|sister|son|daughter|kid|child|cousin|uncle|aunt|colleague|neighbou?r)\b"
)
"""Someone other than the person asked, named before the risk words in the same sentence ("When
your friend died by suicide...", "Is your partner suicidal?")."""
_SEEKS_MEANS: tuple[tuple[re.Pattern[str], RiskKind, RiskSeverity], ...] = (
    (
        re.compile(
            r"\bact(?:ed|ing)?\s+on\s+(?:any\s+of\s+)?(?:those|these|the|your|that|such)\s+"
            r"(?:thoughts|urges|feelings|plans?|impulses)\b|"
            r"\b(?:intention|intend\w*|think\s+you'?d|you'?d|would\s+you|have\s+you|did\s+you|will\s+you|"
            r"likely\s+to)\s+(?:\w+\s+){0,2}act(?:ed|ing)?\s+on\s+(?:them|it|those|these|that)\b|"
            r"\bhow\s+(?:likely|close)\b[^?]{0,60}\b(?:act(?:ed|ing)?\s+on|do\s+it|go\s+through\s+with\s+it)\b"
        ),
        "ideation",
        "intent",
    ),
    (
        re.compile(
            r"\b(?:still\s+(?:got|have|keeping|holding\s+on\s+to)|saving|saved|stockpil\w*|hoard\w*)\b"
            r"[^?.]{0,50}\b(?:tablets|pills|rope|guns?|shotgun|rifle|firearms?|weapons?)\b|"
            r"\b(?:kept|keeping)\s+(?:the|those|these|any|some|all)\s+(?:\w+\s+)?(?:tablets|pills|rope|"
            r"guns?|shotgun|rifle|blades?|razors?)\b|"
            r"\baccess\s+to\b[^?.]{0,30}\b(?:guns?|shotgun|rifle|firearms?|weapons?)\b|"
            r"\b(?:rope|shotgun|rifle|guns?|firearms?|weapons?)\b[^?]{0,80}\b(?:what'?s\s+(?:it|that|that\s+there|"
            r"they)\s+for|on\s+yourself)\b|"
            r"\bwhat'?s\s+(?:the|that|your)\s+(?:rope|shotgun|rifle|gun|weapon)\b[^?]{0,60}\bfor\b|"
            r"\b(?:tablets|pills|rope|guns?|shotgun|rifle|blades?|razors?)\b[^?]{0,80}\b(?:are\s+(?:they|"
            r"those|these)|is\s+(?:it|that))\s+still\s+(?:there|in|under|at|hidden|kept|where)\b|"
            r"\b(?:been|gone|went)\s+back\s+to\s+the\s+(?:bridge|edge|cliff|river|tracks|railway|car\s+park)\b"
        ),
        "ideation",
        "plan",
    ),
    (
        re.compile(
            r"\b(?:still\s+)?(?:used|use|using)\s+(?:the\s+|your\s+)?(?:blades?|razors?)\b|"
            r"\b(?:used|use|using)\s+(?:the\s+|your\s+)?lighter\s+(?:again|on)\b"
        ),
        "self_harm",
        "act",
    ),
)
"""Questions about means and intent ("Are you still keeping the pills?", "How likely is it
you'd act on those thoughts?"): a reply that is no denial discloses the risk."""
_SEEKS_SAFETY = re.compile(
    r"\b(?:are\s+you\s+safe|feel\s+safe|keep\s+yourself\s+safe|stay\s+safe|be\s+safe|safe\s+(?:tonight|"
    r"going\s+home|at\s+home|to\s+go\s+home)|want\s+to\s+(?:live|be\s+alive|keep\s+going|be\s+here)|"
    r"reasons?\s+(?:to|for)\s+liv\w+|worth\s+living|promise\s+(?:me|you)|"
    r"get\s+through\s+(?:tonight|the\s+night)|(?:stopping|stops|stop)\s+you\s+(?:from\s+)?"
    r"(?:act\w*|doing\s+(?:it|that|anything)|killing|ending|hurting|going\s+through)|"
    r"keeps?\s+you\s+(?:alive|safe|here))\b"
)
"""Questions about safety and what protects: "no" (or "nothing") is the answer that discloses."""
_MEANS_RISK = re.compile(r"\b(?:do|did)\s+you\s+mean\b|\b(?:you|i)\s+mean\b|\bmeaning\b")
"""A safety question that goes on to ask what was meant ("...do you mean you might try to end
your life?"): the risk it names is what is answered."""
_GUARDED = re.compile(r"(?:won'?t|wont|not|never|n't|before\s+you|without)\s+(?:\w+\s+){0,3}$")
"""Risk words a safety question guards against ("promise me you won't hurt yourself")."""
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
_PERMISSION = re.compile(
    r"\b(?:is\s+that\s+(?:ok|okay|alright|all\s+right)|(?:can|may)\s+i\s+ask|would\s+it\s+be\s+"
    r"(?:ok|okay|alright)|do\s+you\s+mind\s+if|are\s+you\s+(?:ok|okay)\s+(?:with|if)\s+(?:that|me)|"
    r"(?:ok|okay|alright)\s+to\s+ask)\b"
)
"""Asking leave to ask ("I'm going to ask about suicide now, is that okay?"): "Sure." answers the
leave, not the question to come."""
_ASKS_ITSELF = re.compile(
    r"\b(?:have|do|are|did|is|were|has|can|will|would)\s+you\b|\bwhether\b|\bif\s+you\b"
)
_RISK_STEMS = re.compile(
    r"\b(?:kill|die|dead|death|dying|suicid|end|hurt|harm|cut|burn|overdos|od|pills?|tablets|hang|jump|"
    r"life|living|alive|wake|disappear|gone|burden|better\s+off|self|stab|shoot|gun|weapon|rope|blade|"
    r"razor|bridge|plan|done|enough|here|around|exist|sleep|point|finish|go|leave|check|stop)"
)
"""Stems of the words the risk rules read: a question without one is not read by them."""
_QUESTION_SENTENCE = re.compile(r"[^.!?]*\?")
_THEY = re.compile(r"\b(?:they|their|them|people|folks|others)\b")
_YOU = re.compile(r"\b(?:you|your|yourself|you'?d|you'?re|you'?ve|you'?ll)\b")


@dataclass(frozen=True, slots=True)
class Question:
    """What a question asks: the risk and rung it names, and which way round it is put."""

    risk: RiskKind
    severity: RiskSeverity
    seeks_risk: bool | None
    """True: yes discloses (a question about risk); False: no discloses (a question about
    safety); None: both at once ("Do you feel safe, or are you thinking of ending your life?"),
    so a bare yes or no is no clear answer."""
    statement: bool
    """No question was put, but the turn normalises the thought ("sometimes people this low
    think of ending their life"); only a yes to that is read."""


def _sentences_asked(lower: str) -> list[str]:
    """The question sentences of ``lower``, last first, without those that only ask leave to
    ask ("...is that okay?"); the whole turn when it has no question mark."""
    if "?" not in lower:
        return [lower]
    out = [m.group() for m in _QUESTION_SENTENCE.finditer(lower)]
    asked = []
    for sentence in reversed(out):
        leave = _PERMISSION.search(sentence)
        if leave is not None and not _ASKS_ITSELF.search(sentence, leave.end()):
            continue
        asked.append(sentence)
    return asked


def _risk_in(sentence: str) -> tuple[re.Match[str], RiskKind, RiskSeverity] | None:
    for pattern, kind, rung in _SEEKS_RISK:
        for found in pattern.finditer(sentence):
            if kind == "ideation" and _SOMEONE_ELSES.search(sentence, 0, found.start()):
                continue  # "When your friend died by suicide...": someone else's
            return found, kind, rung
    return None


def asked_about(text: str, readings: Callable[[], tuple[RiskReading, ...]]) -> Question | None:
    """The :class:`Question` ``text`` puts about risk or safety, else ``None``; read from its
    last question (what a short reply answers), earlier ones if that only asks leave. ``readings``
    gives what the risk rules find in the turn; it is called only when no pattern here has
    decided, so the rules run on few therapist turns."""
    lower = normalise(text).lower()
    statement = "?" not in lower and not _ASKS_WITHOUT_MARK.search(lower)
    if statement and not _NORMALISING.search(lower):
        return None
    sentences = _sentences_asked(lower)
    if not sentences:
        return None
    asked = sentences[0]
    safety = None if statement else _SEEKS_SAFETY.search(asked)
    risk = _risk_in(asked)
    if risk is None and safety is None:
        risk = _risk_in(lower)  # "You said you'd thought of ending it. Is that still there?"
    if risk is not None:
        found, kind, rung = risk
        if kind == "self_harm" and _ACT_QUESTION.search(asked):
            rung = "act"
        if safety is None:
            return Question(kind, rung, True, statement)
        if found.start() > safety.end() and _MEANS_RISK.search(asked, safety.end(), found.start()):
            return Question(kind, rung, True, False)
        if _GUARDED.search(asked[: found.start()]):
            return Question("ideation", "unspecified", False, False)
        return Question(kind, rung, None, False)
    if safety is not None:
        return Question("ideation", "unspecified", False, False)
    if statement:
        return None
    for pattern, kind, rung in _SEEKS_MEANS:
        if pattern.search(lower):
            return Question(kind, rung, True, False)
    if not _RISK_STEMS.search(lower):
        return None  # no word the rules could read as risk: spare them the turn
    named = [r for r in readings() if _of_the_person_asked(r, lower)]
    if named:
        # The rules read risk words said of the person asked ("do you mean you'd rather be
        # dead?"): the question asks about that risk.
        lead = max(named, key=lambda r: r.rank)
        return Question(lead.risk, lead.severity, True, False)
    return None


def _of_the_person_asked(reading: RiskReading, lower: str) -> bool:
    """Risk words the rules read as said of the person asked, now: "your life", "you'd rather
    be dead", the person's own words quoted back ("you said you'd been having thoughts about
    hurting Kevin"), or a thought normalised ("people this low have thoughts of ending their
    life. Does this happen to you?"); not someone else's ("your mum's overdose"), not history,
    not a figure of speech or talk about a programme."""
    if reading.temporal == "past" or reading.asserted == "figurative":
        return False
    spans = [s for s in reading.evidence if s.marker == "risk"]
    cue = [lower[s.start : s.end] for s in reading.evidence if s.marker == "assertion"]
    if reading.asserted in ("reported", "other"):
        if any(_YOU.search(c) for c in cue):
            return True
        normalised = _NORMALISING.search(lower) is not None
        return normalised and reading.asserted == "reported" and any(_THEY.search(c) for c in cue)
    return any(_YOU.search(lower[max(0, s.start - 20) : s.end]) for s in spans)
