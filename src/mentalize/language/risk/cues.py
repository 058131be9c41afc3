"""Words near risk: the gate the learned risk head must pass.

The head reads a whole turn and, on distressed talk with no risk in it ("my chest is tight, my
hands are shaking"), can score high. Where the risk concepts found nothing, a learned flag is
raised only when the turn also holds one of these words: broad enough to cover indirect wording
("tired", "gone", "sleep", "burden", "pills"), narrow enough that ordinary distress without any
of them is left to the clinician's reading, not flagged.
"""

from __future__ import annotations

import re

from mentalize.language.text import TextView

_CUES = re.compile(
    r"\b(?:die|dies|died|dying|dead|death|kill\w*|gone|goodbye\w*|bye|sleep\w*|asleep|wake|woke|"
    r"waking|burden\w*|better\s+off|without\s+me|point|tired|enough|hurt\w*|harm\w*|cut\w*|blade\w*|"
    r"razor\w*|burn\w*|burnt|scratch\w*|pick\w*|bleed\w*|bled|blood\w*|pills?|tablets?|meds|"
    r"overdos\w*|bridge|jump\w*|rope|train|tracks|edge|hang\w*|disappear\w*|vanish\w*|exist\w*|"
    r"alive|living|finish\w*|letters?|notes?|knife|knives|gun|weapon|smash\w*|batter\w*|"
    r"strangl\w*|punch\w*|stab\w*|shoot\w*|heaven|god|lord|funeral|grave|sorted|relief|escape|"
    r"done|any\s*more|no\s+more|mess|give\s+up|giving\s+up|can'?t\s+do\s+(?:this|it)|check\s+out|"
    r"end\w*|over|away|plan\w*|ready|wheel|drive|driving|suicid\w*|safe|unsafe|worthless|"
    r"useless|pointless|hopeless|numb|empty|nothing|nobody|no\s*one|forever|permanent\w*|last)\b"
)


def has_risk_cue(view: TextView) -> bool:
    """True when the text holds a word near risk (see the module note)."""
    return _CUES.search(view.lower) is not None


_SUBJECT_I = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|myself|mine)\b")


def speaks_of_self(text: str, sentence: tuple[int, int] | None) -> bool:
    """True when the speaker talks of themselves: "I" somewhere in the turn, and a first-person
    word in the sentence the head read as risk. A turn about someone else ("my daughter's
    cutting, found the blades in her pencil case") or with no "I" at all is left to the rules."""
    lower = text.lower().replace("\u2019", "'")
    if not _SUBJECT_I.search(lower):
        return False
    if sentence is None:
        return True
    return _FIRST_PERSON.search(lower, sentence[0], sentence[1]) is not None
