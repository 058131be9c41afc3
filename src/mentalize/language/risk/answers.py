"""How a short answer goes: yes, no, or a hedge.

One vocabulary serves both places an answer is read: the speaker's own answer to a question they
put ("Suicidal? Nah.", :mod:`mentalize.language.risk.scope`) and a reply to someone else's safety
question ("Not really." to "Do you feel safe tonight?", :mod:`mentalize.analysis.risk`).
"""

from __future__ import annotations

import re

YES = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|mm+|mhm|well|like|honestly|i\s+mean|hmm+|so)\W+)*(?:yes|yeah|yea|yep|yup|aye|ya|"
    r"only|little\s+bit|just\s+the|many\s+times|"
    r"sometimes|a\s+bit|a\s+little|kind\s+of|kinda|sort\s+of|maybe|i\s+have|i\s+do|i\s+did|"
    r"most\s+(?:days|nights)|every\s+(?:day|night)|often|occasionally|lately|a\s+few\s+times|"
    r"(?:a\s+)?couple\s+of\s+times|(?:a\s+)?few|(?:a\s+)?couple|some|more\s+than|pretty\s+much|probably|"
    r"i\s+think\s+so|a\s+lot|"
    r"i\s+don'?t\s+know|idk|dunno|not\s+sure|i'?m\s+not\s+sure|now\s+and\s+then|once\s+or\s+twice|"
    r"a\s+couple|once|twice|all\s+the\s+time|constantly|always|now\s+and\s+again|of\s+course)\b",
)
YES_LATER = re.compile(r"\b(?:yes|yeah|yep|aye)\b")
"""A short reply that says yes after a few words ("Mm. When the house goes quiet. Yeah.")."""
NO = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|god|oh|hmm+|lord|good|goodness|gosh|heavens|lol|what|christ)\W+)*"
    r"(?:no|nope|nah|naw|never|not\s+(?:really|even|a\s+one|"
    r"at\s+all|much|anymore|once|since|me|wanting|in\s+a\s+bad\s+way|like\s+that)|none|"
    r"of\s+course\s+not|no\s+way|(?:god|heaven)\s+forbid|hindi|absolutely\s+not|certainly\s+not|i\s+haven'?t|i\s+have\s+not|"
    r"i\s+don'?t|i\s+wouldn'?t|i\s+would\s+never|i'?m\s+not\s+(?:having|thinking|going\s+to)|i'?d\s+never|haven'?t|nothing|definitely\s+not)\b"
)
HEDGE = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|hmm+)\W+)*(?:not\s+really|not\s+much|not\s+sure|"
    r"i'?m\s+not\s+sure|i\W+don'?t\s+know|idk|dunno|maybe|i\s+guess|sort\s+of|kind\s+of|"
    r"i\s+don'?t\s+think\s+so)\b"
)
"""No clear answer either way ("not really", "I don't know"): to a question about risk, no
clear denial."""

REASSURES = re.compile(
    r"^\W*(?:(?:um+|uh+|er+m?|well|honestly|oh|yeah|yes|hmm+)\W+)*(?:i'?ll\s+be|i'?m|i\s+am|i\s+feel)\s+"
    r"(?:(?:totally|completely|really|quite|pretty|fine\s+and)\s+)?(?:fine|ok(?:ay)?|alright|all\s+right|safe|good|grand)\b"
)
"""A reply that reassures ("I'll be fine.", "I'm safe, yeah."): no risk, whichever way the
question was put."""
