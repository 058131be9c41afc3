"""How a short answer goes: yes, no, or a hedge.

One vocabulary serves both places an answer is read: the speaker's own answer to a question they
put ("Suicidal? Nah.", :mod:`mentalize.language.risk.scope`) and a reply to someone else's safety
question ("Not really." to "Do you feel safe tonight?", :mod:`mentalize.analysis.risk`).
"""

from __future__ import annotations

import re

YES = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|mm+|mhm|well|like|honestly|i\s+mean|hmm+|so|i'?m\s+not\s+going\s+to\s+lie|"
    r"not\s+gonna\s+lie|ngl|to\s+be\s+honest)\W+)*(?:yes|yeah|yea|yep|yup|aye|ya|"
    r"only|little\s+bit|just\s+the|many\s+times|"
    r"sometimes|a\s+bit|a\s+little|kind\s+of|kinda|sort\s+of|maybe|i\s+have|i\s+do|i\s+did|"
    r"most\s+(?:days|nights)|every\s+(?:day|night)|often|occasionally|lately|a\s+few\s+times|"
    r"(?:a\s+)?couple\s+of\s+times|(?:a\s+)?few|(?:a\s+)?couple|some|more\s+than|pretty\s+much|probably|"
    r"i\s+think\s+so|a\s+lot|"
    r"i\s+don'?t\s+know|idk|dunno|not\s+sure|i'?m\s+not\s+sure|now\s+and\s+then|once\s+or\s+twice|"
    r"a\s+couple|once|twice|all\s+the\s+time|constantly|always|now\s+and\s+again|of\s+course|"
    r"(?:because\s+|cos\s+)?i\s+am|i\s+can|i\s+will|i\s+promise|definitely|absolutely|"
    r"who\s+doesn'?t|doesn'?t\s+everyone|don'?t\s+we\s+all|isn'?t\s+it\s+obvious)\b",
)
YES_LATER = re.compile(r"\b(?:yes|yeah|yep|aye)\b")
"""A short reply that says yes after a few words ("Mm. When the house goes quiet. Yeah.")."""
FULL_YES = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|mm+|well|honestly|oh)\W+)*(?:yes|yeah|yea|yep|yup|aye|ya|of\s+course|"
    r"definitely|absolutely|i\s+(?:do|will|can|am|promise|think\s+so|should\s+be|will\s+be))\b"
)
"""A whole yes, not a partial one ("some days", "only for the kids"): to a question about
safety, only this reassures."""
NO = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|god|oh|hmm+|lord|good(?:\s+lord)?|goodness|gosh|heavens|lol|"
    r"christ|what)\W+)*"
    r"(?:no|nope|nah|naw|never(?!\s+(?:stop|stopped|stops|ends|goes\s+away|leaves|left))|not\s+(?:really|"
    r"even\s+(?:once|fleeting\w*|close|slightly|remotely|a\s+little)|a\s+one|lately|recently|"
    r"at\s+the\s+moment|right\s+now|today|this\s+week|"
    r"at\s+all|much|anymore|once|me|in\s+a\s+bad\s+way|like\s+that)|none|"
    r"of\s+course\s+not|no\s+way|(?:god|heaven)\s+forbid|hindi|absolutely\s+not|certainly\s+not|"
    r"i\s+haven'?t(?!\s+stop)|i\s+have\s+not|i'?m\s+not\s+(?:thinking\s+about|going\s+to(?!\s+lie))|"
    r"i\s+don'?t(?!\s+(?:stop|know))|i\s+wouldn'?t(?!\s+say\s+no)|i\s+would\s+never|i'?d\s+never|"
    r"haven'?t(?!\s+stop)|nothing|definitely\s+not)\b"
)
_TAKEN_BACK = re.compile(
    r"(?<!\w,\s)\b(?:yes|yeah|yep)\b|\b(?:yesterday|last\s+(?:night|week|month)|only\s+(?:when|if|at|on)|"
    r"except|used\s+to|act\s+on|passing\s+thoughts|sometimes)\b"
)
"""After a "no", anywhere in the reply, what takes it back ("Not today, no. Yesterday I was.",
"Nah, only when I'm drunk.", "Nothing I'd act on."); not "Angry, yes, very angry. But never"."""
_BUT = re.compile(
    r"\b(?:but(?!\s+(?:not|no|never|i'?m\s+not|i\s+don'?t|i\s+wouldn'?t|i\s+won'?t|i'?d\s+never))|"
    r"though|until|till)\b"
)
"""In the same sentence as the "no", a turn the other way ("Not today, but yesterday.")."""
_STILL_NO = re.compile(r"\b(?:no|never|nope|nah|not\s+once|none)\W*$")
"""A reply that ends on its "no" stays a denial ("No. I'm angry, but no.")."""
_SENTENCE_END = re.compile(r"[.!?]")


def denies(lower: str) -> re.Match[str] | None:
    """The words of a clear denial at the start of ``lower``: a "no" nothing after it takes
    back, or one the reply ends on again."""
    found = NO.match(lower)
    if found is None:
        return None
    end = _SENTENCE_END.search(lower, found.end())
    same_sentence = end.start() if end is not None else len(lower)
    taken_back = _TAKEN_BACK.search(lower, found.end()) or _BUT.search(
        lower, found.end(), same_sentence
    )
    if taken_back and not _STILL_NO.search(lower, found.end()):
        return None
    return found


HEDGE = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|hmm+)\W+)*(?:not\s+really|not\s+much|not\s+sure|"
    r"i'?m\s+not\s+sure|i\W+don'?t\s+know|idk|(?:i\s+)?dunno|maybe|i\s+guess|sort\s+of|kind\s+of|"
    r"i\s+don'?t\s+think\s+so)\b"
)
"""No clear answer either way ("not really", "I don't know"): to a question about risk, no
clear denial."""

_REASSURES = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|oh|no|nah|hmm+)\W+)*(?:i'?ll\s+be|i'?m|i\s+am|i\s+feel)\s+"
    r"(?:(?:totally|completely|really|quite|pretty|perfectly)\s+)?(?:fine|ok(?:ay)?|alright|all\s+right|"
    r"safe|grand)\b"
)
DENIED_LAST = re.compile(r"\bnothing\s+like\s+that\W+no\W*$")
"""A denial that closes a reply after a first word that sounds like yes ("Only the usual, like,
everyone dies eventually? Nothing like that, no.")."""
_ONLY_FILLERS = re.compile(
    r"^(?:\W|honestly|really|thanks|thank\s+you|i\s+promise|promise|now|tonight|love|mate|doc|"
    r"seriously|truly|i\s+will|i\s+am|i\s+think|i'?m\s+sure|no|nah)*$"
)
_PREMISE_DENIED = re.compile(
    r"^\W*(?:(?:no|nah|honestly)\W+)*(?:i'?m\s+not\s+having|i\s+don'?t\s+have|i\s+haven'?t\s+(?:got|had))\s+"
    r"(?:any\s+(?:of\s+)?)?(?:those|these|them|that|such)\b"
)
_WORDS = re.compile(r"[a-z]")
TAG = re.compile(r"\[[^\]]*\]|\([^)]*\)")
"""A transcription tag ("[crying]", "(long pause)"): not the speaker's words."""
_FILLER_QUESTION = re.compile(r"^\W*(?:honestly|really|seriously|truthfully|me)\?\s*")
_FIRST_SENTENCE = re.compile(r"[^.!?]*[.!?]?")


def denies_premise(lower: str) -> bool:
    """ "I'm not having those thoughts.": the question's premise denied, whichever way it was
    put ("Is anything stopping you from acting on those thoughts?"), with no yes after."""
    return _PREMISE_DENIED.match(lower) is not None and YES_LATER.search(lower) is None


def reassures(lower: str) -> bool:
    """ "I'll be fine.", "I'm safe, honestly.": fine whichever way a question about safety was
    put. Only where nothing else follows: "I'm fine, I've got the pills sorted" and "Yes. I'm
    okay with it now" are no reassurance."""
    match = _REASSURES.match(lower)
    return match is not None and _ONLY_FILLERS.match(lower[match.end() :]) is not None


def is_answer(lower: str) -> bool:
    """A reply with words in it that does not open with a question of its own ("What do you
    mean?", "Sorry?"; "Yes. Is that bad?" is an answer) nor is only a transcription tag
    ("[inaudible]", "(long pause)")."""
    bare = _FILLER_QUESTION.sub("", TAG.sub(" ", lower).strip())
    first = _FIRST_SENTENCE.match(bare)
    return bool(_WORDS.search(bare)) and not (first is not None and first.group().endswith("?"))
