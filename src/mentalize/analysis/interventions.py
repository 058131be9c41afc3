"""Therapist turns: which MBT intervention, how demanding it is, and how MBT-consistent.

Rules, in order (the first that holds names the turn):

1. ``relationship``: the therapist acknowledges their own part, or turns curiously to what is
   happening between them and the patient, without interpreting it;
2. ``interpretation``: a knowing-stance statement about the patient's mind or its causes;
3. ``advice``: directives, suggestions, lecturing;
4. ``challenge``: questioning an unwarranted belief or offering another perspective;
5. a question: ``curious_question`` when it asks about minds or is open and not-knowing,
   ``clarification`` when it checks facts, sequence or meaning;
6. ``empathic_validation``: validation, reflecting feeling, slowing and grounding;
7. ``other``: greetings, scheduling, backchannels.
"""

from __future__ import annotations

import re

from mentalize.analysis.results import Intervention
from mentalize.language import MarkerSet

_OPEN_QUESTION = re.compile(
    r"^\W*(?:and\s+|so\s+|but\s+)?(?:what|how|why|tell me)\b", re.IGNORECASE
)
_CAUSAL_CLAIM = re.compile(
    r"\b(?:because|that's why|which is why|is about|comes from|stems from)\b", re.IGNORECASE
)

INTENSITY: dict[str, float] = {
    "empathic_validation": 0.15,
    "clarification": 0.35,
    "curious_question": 0.5,
    "challenge": 0.75,
    "relationship": 0.85,
    "advice": 0.85,
    "interpretation": 0.95,
}
"""How much an intervention asks of the patient's mentalizing (the MBT spectrum, 0-1);
interpretation and advice sit at the top because they demand the patient take on the
therapist's mind while arousal is high."""

STANCE_CREDIT: dict[str, float] = {
    "curious_question": 1.0,
    "relationship": 1.0,
    "empathic_validation": 0.9,
    "clarification": 0.75,
    "challenge": 0.7,
    "advice": 0.0,
    "interpretation": 0.0,
}
"""How far each move keeps the MBT stance (curious, not-knowing, validating, non-directive)."""


def _statement_hits(markers: MarkerSet, name: str) -> int:
    """Hits of ``name`` outside question sentences."""
    questions = markers.of("question")
    return sum(
        1 for span in markers.of(name) if not any(q.start <= span.start < q.end for q in questions)
    )


_TENTATIVE = re.compile(
    r"\b(?:i\s+wonder|wondering|maybe|perhaps|might|could\s+it\s+be|i'm\s+not\s+sure|"
    r"i\s+could\s+be\s+wrong|is\s+it\s+possible)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?\n]")


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    """Start and end of the sentence holding ``position``."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, position)), default=0)
    end_match = _SENTENCE_END.search(text, position)
    return start, end_match.end() if end_match else len(text)


def _sentence_around(text: str, position: int) -> str:
    """The sentence holding ``position``: a tentative frame is judged sentence by sentence."""
    start, end = _sentence_bounds(text, position)
    return text[start:end]


_ASKS_PATIENT = re.compile(r"\b(?:what|how|where|which|when|whether)\b", re.IGNORECASE)
_REFLECTIVE_FRAME = re.compile(
    r"\b(?:sounds?\s+like|it\s+seems|seems\s+like|feel(?:s|ing)?\s+like|you\s+reali[sz]e|"
    r"you're\s+saying|you\s+said|you\s+mentioned|you\s+think|you\s+believe|you\s+feel\s+that)\b",
    re.IGNORECASE,
)


def _advice(markers: MarkerSet) -> int:
    """Directive phrases that direct. A modal inside a question that asks the patient to find
    the answer ("what do you think you need to do?", "what have you tried?") invites them to
    think, and one inside a reflection ("it sounds like you have to quit") gives their own
    sense of obligation back: neither is the therapist telling them what to do."""
    count = 0
    for span in markers.of("advice"):
        start, end = _sentence_bounds(markers.text, span.start)
        before = markers.text[start : span.start]
        if markers.text[start:end].rstrip().endswith("?") and _ASKS_PATIENT.search(before):
            continue
        if _REFLECTIVE_FRAME.search(before):
            continue
        count += 1
    return count


def _interpretations(markers: MarkerSet) -> int:
    """Knowing-stance interpretations in statements; one offered tentatively ("I wonder if you
    might be avoiding it") is a curious hypothesis, which the MBT stance allows, not a verdict."""
    questions = markers.of("question")
    strong = sum(
        1
        for span in markers.of("interpretation")
        if not any(q.start <= span.start < q.end for q in questions)
        and not _TENTATIVE.search(_sentence_around(markers.text, span.start))
    )
    weak = 0
    if _statement_hits(markers, "knowing_reference") and _CAUSAL_CLAIM.search(markers.text):
        weak = 1
    return strong + weak


def question_kind(markers: MarkerSet) -> Intervention:
    """A question is curious when it asks about minds or opens ("what", "how", "tell me"), and a
    clarification when it checks facts, sequence or meaning."""
    c = markers.counts
    if c["not_knowing"] or c["mental_state_question"] or c["other_mind_question"]:
        return "curious_question"
    if c["clarification"]:
        return "clarification"
    questions = markers.of("question")
    if not questions:
        return "curious_question" if _OPEN_QUESTION.search(markers.text) else "clarification"
    opening = markers.text[questions[-1].start : questions[-1].end]
    return "curious_question" if _OPEN_QUESTION.search(opening) else "clarification"


def classify(markers: MarkerSet) -> Intervention:
    """The intervention a therapist turn makes (see the module docstring for the rules)."""
    c = markers.counts
    interpretations = _interpretations(markers)
    asks = markers.questions > 0
    curious = c["not_knowing"] or c["mental_state_question"] or c["other_mind_question"]
    if c["therapist_acknowledgement"] or (
        c["relationship"] and (asks or curious) and not interpretations
    ):
        return "relationship"
    if interpretations:
        return "interpretation"
    if _advice(markers):
        return "advice"
    if c["challenge"]:
        return "challenge"
    if asks:
        return question_kind(markers)
    if c["validation"] or c["grounding"]:
        return "empathic_validation"
    if curious:
        return "curious_question"
    if c["clarification"]:
        return "clarification"
    if c["housekeeping"] or markers.word_count < 4:
        return "other"
    if c["affective"] and c["focus_other"]:
        return "empathic_validation"  # a reflection of feeling: "you felt left behind"
    return "other"


_ASKING_MOVES = frozenset({"curious_question", "clarification"})
_INVITES = re.compile(
    r"\b(?:tell\s+me|say\s+more|help\s+me\s+understand|i\s+wonder|i'm\s+wondering|"
    r"i\s+am\s+wondering|i'm\s+curious|i\s+am\s+curious|curious\s+about|walk\s+me\s+through|"
    r"talk\s+me\s+through|fill\s+me\s+in|can\s+we\s+think\s+about|let's\s+try\s+to\s+understand)\b",
    re.IGNORECASE,
)


def _asks(sentence: MarkerSet) -> bool:
    """A sentence explores only if it asks: a question, an open question word in front (spoken
    transcripts often drop the "?"), or an invitation to say more."""
    return bool(
        sentence.questions or _OPEN_QUESTION.search(sentence.text) or _INVITES.search(sentence.text)
    )


def moves(
    markers: MarkerSet, intervention: Intervention, require_asking: bool = True
) -> tuple[Intervention, ...]:
    """Every MBT move in a therapist turn, sentence by sentence, in order and without repeats.

    A turn often does more than one thing ("That sounds frightening. What went through your
    mind?" validates, then explores); ``intervention`` names the turn by the rule order (or the
    learned head), and ``moves`` keeps the rest visible. ``other`` is left out, and the turn's
    own ``intervention`` is always among the moves, first if no sentence alone reads as it. A
    sentence counts as a curious question or clarification only if it asks (:func:`_asks`):
    a hedge such as "I'm not sure" keeps the stance but is not a move of its own. That rule is
    checked on the corpus's train split by ``bench/asking_rule.py`` (``require_asking=False``
    turns it off there).
    """
    found: list[Intervention] = []
    if len(markers.sentence_bounds) > 1:
        for part in markers.sentence_sets():
            move = classify(part)
            if require_asking and move in _ASKING_MOVES and not _asks(part):
                continue  # "I'm not sure what to say." hedges; it does not explore
            if move != "other" and move not in found:
                found.append(move)
    if intervention != "other" and intervention not in found:
        found.insert(0, intervention)
    return tuple(found)


def intensity(markers: MarkerSet, intervention: Intervention) -> float | None:
    """How demanding this turn is for the patient (None for ``other``)."""
    if intervention == "other":
        return None
    if intervention == "relationship" and markers.counts["therapist_acknowledgement"]:
        return 0.45  # owning one's part de-escalates; it asks less than exploring the relationship
    value = INTENSITY[intervention]
    if intervention == "curious_question":
        demanding = (
            markers.counts["other_mind_question"]
            or re.search(r"\bwhy\b", markers.text, re.IGNORECASE)
            or markers.questions > 1
            or markers.word_count > 30
        )
        if demanding:
            value = 0.7
        elif markers.counts["mental_state_question"]:
            value = 0.6  # asks the patient to mentalize now: more than a simple "what happened?"
    if markers.counts["validation"] or markers.counts["grounding"]:
        value = max(0.1, value - 0.15)
    return value


def stance_credit(markers: MarkerSet, intervention: Intervention, certainty: float) -> float | None:
    """MBT-stance credit for one therapist turn (None for ``other``)."""
    if intervention == "other":
        return None
    credit = STANCE_CREDIT[intervention]
    if markers.counts["not_knowing"]:
        credit += 0.1
    if certainty >= 0.75:
        credit -= 0.2
    return min(1.0, max(0.0, credit))
