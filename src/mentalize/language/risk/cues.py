"""Words near risk: the gate the learned risk reader must pass.

The reader reads a whole turn and, on distressed talk with no risk in it ("my chest is tight, my
hands are shaking"), can score high. Where the risk concepts found nothing, a learned flag is
raised only when the turn also holds one of these words: broad enough to cover indirect wording
("tired", "gone", "sleep", "burden", "pills"), narrow enough that ordinary distress without any
of them is left to the clinician's reading, not flagged.
"""

from __future__ import annotations

import re

from mentalize.language.lexicon import normalise
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
    r"useless|pointless|hopeless|numb|empty|nothing|nobody|no\s*one|forever|permanent\w*|last|"
    # means, places, farewells and the body, as people name them without a risk word
    r"gauge|shotgun|rifle|pistol|firearms?|insulin|paracetamol|tylenol|painkillers?|lighter|ligature|"
    r"belt|cord|step(?:ping|ped)?\s+off|go(?:ing)?\s+off\s+(?:it|the)|roof|cliff|car\s+park|"
    r"multi-?storey|traffic|don'?t\s+look|check\w*\s+out|loose\s+ends|in\s+order|my\s+(?:things|stuff)|"
    r"giving\s+out|needing\s+(?:them|it)|insurance|on\s+purpose|punish\w*|welts?|bruis\w*|raw|"
    r"push\w*\s+(?:him|her|them)|crash\w*|took\s+me\s+out|hit\s+by|run\s+over|waste\s+of|"
    r"less\s+of\s+me|promise|crossed\s+my\s+mind)\b"
)


def has_risk_cue(view: TextView) -> bool:
    """True when the text holds a word near risk (see the module note)."""
    return _CUES.search(view.lower) is not None


_FIRST_PERSON = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|mine|myself|meself|masel|mysel|mi)\b"
)
"""The speaker in the words at all: "broke my streak last night", "mi a think bout it" (Jamaican
"mi"), not only a subject "I"."""
_IDIOM = re.compile(
    r"\b(?:is|are|was|were|'s)\s+killing\s+me\b|\bdying\s+to\b|\bto\s+die\s+for\b|\bdied\s+laughing\b|"
    r"\bdead\s+(?:tired|on\s+my\s+feet)\b|\bshoot\s+my\s+shot\b|\bknife\s+opens\b"
)
"""Figures of speech the head can mistake for risk."""


def speaks_of_self(text: str, sentence: tuple[int, int] | None) -> bool:
    """True when the speaker talks of themselves: the first person ("I", "me", "my") somewhere in
    the turn, and in the span the reader's flag rests on, which is no known idiom ("this custody
    battle is killing me"). A turn with no first person at all ("What's the point of the NG
    tube") is left to the rules; someone else's risk told in the first person ("my daughter's
    cutting") is the reader's to tell apart, as it was trained to."""
    lower = normalise(text).lower()
    if not _FIRST_PERSON.search(lower):
        return False
    if sentence is None:
        return True
    if _IDIOM.search(lower, sentence[0], sentence[1]):
        return False
    return _FIRST_PERSON.search(lower, sentence[0], sentence[1]) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence with words in it, as the markers split them: the units
    a learned risk flag is shown on."""
    bounds = [(s.start, s.end) for s in TextView(text).sentences]
    return [(a, b) for a, b in bounds if text[a:b].strip()] or [(0, len(text))]
