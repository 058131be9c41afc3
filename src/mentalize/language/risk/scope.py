"""Whether risk words are said of the speaker, now, and how far they go.

Each function looks at the words around one concept hit and returns its judgement with the span
that decided it, so a reader can see why a mention was or was not flagged:

- negation with its real scope: a chain of negators and the words they govern ("I would never",
  "it's not that I don't want to" asserts, two negators cancel), denial after a question
  ("Suicidal? Naw."), and "no longer" / "anymore" (history, not denial);
- questions: a question that holds the speaker's own words discloses ("is that bad that I want
  to die?"); a bare "like, suicidal?" only asks;
- someone else's risk: a third person nearest before the words, reported speech, quotes;
- medical and harm-reduction talk ("naloxone in case someone overdoses");
- time: past history ("when I was 14", "used to") unless something recent is in the sentence;
  a hypothetical ("if she leaves I'll ...");
- the rung: urge words make self-harm an urge; intent, plan and method words move ideation up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mentalize.language.risk.answers import YES, denies
from mentalize.language.risk.concepts import DROPPED_G, ConceptHit
from mentalize.language.risk.types import (
    SEVERITIES,
    RiskAssertion,
    RiskSeverity,
)
from mentalize.language.spans import Span
from mentalize.language.text import TextView

_CLAUSE_BREAK = re.compile(
    r"[,;:—–()]|\.\.\.|…|\s-\s|\b(?:but|because|cos|coz|cause|although|though|while|whereas|"
    r"and|so|then|except)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NEGATORS = frozenset(
    [
        "not",
        "never",
        "no",
        "nor",
        "cannot",
        "nah",
        "naw",
        "nope",
        "dont",
        "cant",
        "wont",
        "didnt",
        "wouldnt",
        "couldnt",
        "isnt",
        "wasnt",
        "havent",
        "hasnt",
        "aint",
        "doesnt",
        "shouldnt",
        "cannae",
        "wouldnae",
        "dinnae",
        "didnae",
        "couldnae",
        "isnae",
        "wasnae",
        "havnt",
    ]
)
_GOVERNING = frozenset(
    [
        "i",
        "i'm",
        "im",
        "i've",
        "ive",
        "i'd",
        "id",
        "i'll",
        "ill",
        "once",
        "am",
        "is",
        "it's",
        "its",
        "it",
        "that",
        "that's",
        "to",
        "want",
        "wanna",
        "wanted",
        "wants",
        "going",
        "gonna",
        "goin",
        "gunna",
        "tryna",
        "really",
        "ever",
        "even",
        "actually",
        "honestly",
        "seriously",
        "thought",
        "thinking",
        "think",
        "thoughts",
        "of",
        "about",
        "have",
        "had",
        "has",
        "any",
        "say",
        "saying",
        "said",
        "can",
        "could",
        "would",
        "will",
        "do",
        "did",
        "does",
        "be",
        "been",
        "being",
        "feel",
        "feeling",
        "felt",
        "like",
        "plan",
        "planning",
        "planned",
        "intend",
        "intending",
        "intention",
        "urge",
        "urges",
        "wish",
        "wishing",
        "desire",
        "just",
        "anything",
        "or",
        "the",
        "a",
        "an",
        "so",
        "much",
        "at",
        "all",
        "yet",
        "exactly",
        "necessarily",
        "mean",
        "meaning",
        "sure",
        "certain",
        "definitely",
        "might",
        "may",
        "should",
        "let",
        "again",
        "ever",
        "if",
        "whether",
        "you're",
        "you're",
        "me",
        "my",
        "it'd",
        "myself",
        "kind",
        "sort",
        "kinda",
        "sorta",
        "um",
        "uh",
        "er",
        "erm",
        "well",
        "right",
        "now",
        "currently",
        "anymore",
        "still",
        "though",
        "ready",
        "try",
        "trying",
        "tried",
        "gone",
        "go",
        "get",
        "got",
        "considering",
        "considered",
        "true",
        "false",
        "case",
        "correct",
        "lying",
        "honest",
        "cut",
        "burnt",
        "burned",
        "harmed",
        "scratched",
        "tell",
        "telling",
        "pretend",
        "pretending",
        "claim",
    ]
)
_DENIED_AFTER = re.compile(
    r"^[,.?!\s]*(?:no|nah|naw|nope|never)\s*[.!]|^\W*(?:is|'s)\s+(?:haram|a\s+(?:mortal\s+)?sin|"
    r"forbidden|selfish|not\s+for\s+me)\b|^[^.?!]{0,25}[.?!-]+\s*not\s+(?:wanting|in\s+a\s+(?:bad|suicidal|dark)\s+way|"
    r"planning)\b|^\W*(?:is|was|'s|are)?\s*(?:not|never|isn'?t|wasn'?t|aren'?t)\s+(?:\w+\s+)?(?:something|an\s+option|"
    r"on\s+the\s+cards|happening|me|my\s+thing|for\s+me)\b"
)
_REASSERTED = re.compile(
    r"[^.?!]{0,40}?[,.;]?\s*(?:because|but|and|cos)?\s*(?:i\s+(?:have|do|did|had)|course\s+i\s+(?:have|do|did))\b"
    r"(?!\s+(?:not|never|to|no))"
)
"""A denial taken back at once: "I haven't thought about hurting him, because I have." """
_CROSSED_AFTER = re.compile(
    r"\s*(?:has|have|had|'s|ha)?(?:n't|\s+not|\s+never)\s+(?:\w+\s+)?(?:crossed|entered|occurred)"
)
_NO_LONGER = re.compile(r"\b(?:any\s*more|no\s+longer|no\s+more)\b")
_THIRD_PRONOUN = frozenset(
    [
        "he",
        "she",
        "they",
        "he's",
        "she's",
        "they're",
        "he'd",
        "she'd",
        "they'd",
        "he'll",
        "she'll",
        "they'll",
        "hes",
        "shes",
        "theyre",
        "hed",
        "theyd",
    ]
)
"""A third-person subject: nearest before the words, it makes them someone else's."""
_THIRD = _THIRD_PRONOUN | frozenset(
    [
        "anybody",
        "anyone",
        "aunt",
        "auntie",
        "bloke",
        "boy",
        "boyfriend",
        "brother",
        "child",
        "children",
        "classmate",
        "client",
        "colleague",
        "cousin",
        "da",
        "dad",
        "daughter",
        "ex",
        "father",
        "flatmate",
        "friend",
        "friends",
        "girl",
        "girlfriend",
        "gran",
        "grandad",
        "grandma",
        "granny",
        "guy",
        "his",
        "husband",
        "kid",
        "kids",
        "lad",
        "lads",
        "lass",
        "lassie",
        "ma",
        "mam",
        "man",
        "mate",
        "mates",
        "member",
        "members",
        "missus",
        "mom",
        "mother",
        "mum",
        "nan",
        "neighbor",
        "neighbour",
        "nephew",
        "niece",
        "one",
        "op",
        "pal",
        "partner",
        "patient",
        "people",
        "poster",
        "sister",
        "somebody",
        "someone",
        "son",
        "their",
        "theirs",
        "uncle",
        "who",
        "whose",
        "wife",
        "woman",
    ]
)
_INTERJECTIONS = frozenset({"no", "nah", "naw", "nope"})
_NOT_NEGATORS = frozenset(["gonnae", "wannae"])
"""Scots words ending in "-nae" that are not negators ("I'm gonnae", "I wannae")."""
_SUBJECTS = frozenset(
    ["i", "i'm", "im", "i've", "ive", "i'd", "id", "i'll", "it", "it's", "that's", "that", "we"]
)
_FIRST_IN_HIT = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|myself|meself|masel|mysel|maself|mesel)\b")
_SUBJECT_FIRST = frozenset(["i", "i'm", "im", "i've", "ive", "i'd", "id", "i'll"])
_REFLEXIVE = frozenset(["myself", "meself", "masel", "mysel", "maself", "mesel"])
"""The speaker's reflexive, with its Scots and Northern English spellings."""
_FIRST = (
    frozenset(["i", "i'm", "im", "i've", "ive", "i'd", "id", "i'll", "me", "my", "mine"])
    | _REFLEXIVE
)
_SOMEONE_ELSE = re.compile(
    r"(?:my|our|his|her|their)\s+(?:(?:best|little|big|older|younger|ex|step)[\s-]?)?"
    r"(?:friend|mate|pal|classmate|flatmate|roommate|colleague|sister|brother|son|daughter|kid|child|"
    r"mum|mom|mam|mother|dad|father|wife|husband|partner|girlfriend|boyfriend|cousin|niece|nephew|"
    r"aunt|auntie|uncle|gran|granny|grandad|grandma|grandpa|neighbour|neighbor|client|patient|"
    r"student|pupil|teammate|bestie|fella|bloke|guy|girl|boy|lad|lass)s?\b"
)
"""A risk hit whose own first words name another person ("my classmate cuts"); not "my kids
are better off", which is about the speaker."""
_BETTER_OFF = re.compile(r"\b(?:better\s+off|without|burden)\b")
_CLAUSE_JOINS = frozenset(
    [
        "if",
        "when",
        "once",
        "because",
        "cos",
        "but",
        "and",
        "so",
        "though",
        "unless",
        "or",
        "before",
        "after",
        "since",
        "while",
    ]
)
_MY = re.compile(r"\b(?:my|mine|myself|meself)\b")
_WITNESS = re.compile(
    r"(?:knows?|knew|thinks?|thought|noticed?|notices|saw|sees?|seen|found|finds|realised|realized|"
    r"said|says|told|tells|asked|asks|worries|worried|reckons?|suspects?|guessed|heard|hears|caught|"
    r"catches|doesn'?t|didn'?t|don'?t|wants?|wanted|would|'d)$"
)
"""A verb after "he"/"she" that makes them the one who sees, knows or says, not the one at
risk; or a helper that may lead to one ("she doesn't know I cut")."""
_SECOND = frozenset(["you", "you're", "your", "yourself", "you'd", "you'll"])
_REPORTED_SPEECH = re.compile(
    r"\b(?:said|says|told\s+me|tells\s+me|saying|telling\s+me|texted|posted|wrote)\s+(?:that\s+)?"
    r"(?:i\s+should|i\s+ought|to\b|tae\b|i'?d\s+be|i\s+would\s+be|i\s+need\s+to|i\s+might\s+as\s+well|"
    r"go\s+and)"
)
_INNER_VOICE = re.compile(
    r"\b(?:voice|voices|my\s+(?:brain|head|mind|disease|illness|depression|anxiety|thoughts?))\b"
)
_OTHERS_BELIEF = re.compile(
    r"\b(?:she|he|people|everyone|everybody|mum|mam|mom|dad|my\s+\w+|the\s+\w+)\s+"
    r"(?:(?!i\b)\w+\s+)?(?:thinks|reckons|believes|assumes|worries|(?:is|are)\s+(?:worried|convinced|"
    r"scared|afraid))\b|\b(?:they|people|lads|everyone)\s+(?:(?!i\b)\w+\s+)?(?:think|reckon|"
    r"believe|assume|worry)\b|\b(?:treat\w*|tiptoe\w*\s+(?:round|around)|look\w*\s+at)\s+me\s+like\b"
)
_RETRACTED = re.compile(
    r"\b(?:i\s+know\s+i\s+said|when\s+i\s+said|i\s+only\s+said|i\s+said\s+it\s+but)\b"
)
_HA = re.compile(r"\bha(?:ha)*\b|\bdeath\s+by\b")
_NOT_JOKING = re.compile(r"\b(?:not|no|n't|never)\b[\w\s-]{0,12}$")
_JOKING = re.compile(r"\b(?:joking|kidding|jk|only\s+messing|just\s+messing|lol|haha)\b")
_SPEECH_VERB = re.compile(
    r"\b(?:said|says|say|told|tells|asked|goes|went|posted|wrote|texted|put)\b"
)
_QUOTE = re.compile(r"[\"“](.+?)[\"”]|(?<![\w])'(?=\S)(.+?)(?<=\S)'(?![\w])")
_OTHER_TALK = re.compile(
    r"\b(?:naloxone|narcan|test(?:ing)?\s+strips?|the\s+strips|test\s+(?:everything|my\s+stuff|it\s+first|"
    r"all\s+my|what\s+i)|fentanyl|tolerance|in\s+case\s+(?:someone|anyone|one\s+of|a\s+mate|my\s+mate|"
    r"somebody|he|she|they|a\s+friend)|overdose\s+(?:risk|prevention|awareness)|risk\s+of\s+(?:an?\s+)?"
    r"overdose|by\s+accident|accidental(?:ly)?|side[\s-]effects?|first\s+aid|training|course|leaflet|"
    r"prevention|awareness|lost\s+(?:\w+\s+)?(?:mates|friends|people|pals)\s+to|what\s+to\s+do\s+if|"
    r"(?:gp|doctor|nurse|psychiatrist|neurologist|pharmacist|consultant|dentist|chemist|trainer|coach|physio|"
    r"dietitian|midwife)\s+(?:\w+\s+)?"
    r"(?:said|says|asked|told|warned|explained|wants|gives|prescribes?|only\s+gives)|the\s+form|questionnaire|screening|"
    r"the\s+questions|tick\s+box|module|lecture|seminar|risk\s+assessment|wound\s+care|on\s+the\s+news|documentary|podcast|weekly\s+packs?|dosette|"
    r"careful\s+with|proper\s+dangerous|really\s+dangerous|be\s+careful|never\s+use\s+(?:on\s+my\s+own|alone)|"
    r"ask(?:ed|ing|s)?\s+(?:me\s+|you\s+|us\s+)?(?:again\s+(?:today\s+)?)?(?:about|if|whether)|"
    r"(?:the|that|this|a)\s+form|intake\s+(?:form|paper|sheet|questions?|assessment)|ligature\s+risk|"
    r"(?:overdose|od)\s+cases|protocol\s+for|follow\w*\s+(?:the\s+)?protocol|(?:checked|ticked|circled)\s+(?:no|never)\b|triage|suture|(?:can|may|might)\s+(?:increase|cause|trigger)|tick\s+the\s+box|(?:when\s+)?you\s+(?:say|said|mean)\b|when\s+u\s+(?:say|said)\b|"
    r"(?:lost|losing|lose)\s+(?:\w+\s+){0,3}?to\s+(?:an?\s+)?(?:overdose|od|suicide|drugs|heroin|fentanyl))"
)
_HARM_REDUCTION = re.compile(
    r"\b(?:naloxone|narcan|test(?:ing)?\s+strips?|fentanyl|harm\s+reduction|needle\s+exchange|"
    r"supervised\s+(?:use|injection|consumption))\b"
)
"""Harm-reduction words anywhere in the turn make overdose talk harm-reduction talk."""
_TALK_FOR_ANY_WORDS = re.compile(
    r"form|questionnaire|screening|questions|course|training|prevention|awareness|ask|tick|"
    r"you\s+(?:say|said|mean)|when\s+u\s+(?:say|said)|lost|losing|lose|triage|suture|increase|cause|trigger|first\s+aid|"
    r"module|lecture|seminar|assessment|intake|ligature|cases|checked|ticked|circled|protocol"
)
"""Talk that takes any risk words out of the speaker's mouth (a form, a course, a question
quoted back), not only medical ones."""
_PAST = re.compile(
    r"\b(?:when\s+i\s+was|(?:years?|months?)\s+(?:ago|back)|used\s+to|back\s+(?:in|then|when)|"
    r"in\s+(?:19|20)\d\d|as\s+a\s+(?:kid|teen(?:ager)?|child|student)|year\s+\d+|there\s+was\s+a\s+time|"
    r"in\s+the\s+past|last\s+(?:year|winter|summer|spring|autumn|christmas)|after\s+the\s+baby|"
    r"in\s+(?:the\s+)?(?:jail|prison)|at\s+(?:school|uni|college)\b|all\s+through\s+school|"
    r"(?:haven'?t|have\s+not|not)\s+(?:done\s+it|\w+ed)\s+(?:in|for|since)|"
    r"not\s+(?:like\s+that|there|in\s+that\s+place)\s+(?:now|anymore|any\s+more)|a\s+long\s+time\s+ago|"
    r"(?:nineteen|twenty|thirty|forty|fifteen|sixteen|seventeen|eighteen|fourteen|thirteen)\b)"
)
_RECENT = re.compile(
    r"\b(?:last\s+night|yesterday|today|tonight|this\s+(?:week|morning|month|weekend|afternoon|evening)|"
    r"right\s+now|rn|at\s+the\s+moment|lately|recently|these\s+days|again|days?\s+ago|weeks?\s+ago|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?)\b"
)
_IF = re.compile(r"\bif\b|\bwhat\s+if\b|\bunless\b")
_URGE = re.compile(
    r"\b(?:want|wanna|wanted|wants|urge|urges|itch|itching|tempted|temptation|craving|feel\s+like|"
    r"felt\s+like|close\s+to|nearly|almost|thinking\s+about|think\s+about|thought\s+about|"
    r"could\s+feel|dying\s+to|need\s+to|needed\s+to)\b"
)
_INTENT = re.compile(
    r"\b(?:(?:gonna|going\s+to|goin'?\s+to|gunna|i'?ll|i\s+will)\s+(?:\w+\s+){0,2}(?:kill|end|do\s+it|take|jump|hang|"
    r"go\s+through)|this\s+time|for\s+real|i\s+mean\s+it|made\s+(?:my|up\s+my|its)\s+mind|i'?ve\s+decided|"
    r"i\s+will\s+do\s+it)\b"
)
_PLAN = re.compile(
    r"\b(?:tonight|tomorrow\s+night|(?:this|next)\s+(?:friday|saturday|sunday|monday|tuesday|wednesday|"
    r"thursday|weekend)|i\s+know\s+(?:how|when|where)\s+i'?d|i'?ve\s+planned|my\s+plan|the\s+plan|"
    r"planned\s+it|planning\s+(?:it|to))\b"
)
_NO_PLAN = re.compile(
    r"\b(?:no|don'?t\s+have\s+a|haven'?t\s+got\s+a|not\s+got\s+a|without\s+a)\s+plan\b"
)
_METHOD = re.compile(
    r"\b(?:pills|tablets|paracetamol|overdose|bridge|jump\w*|rope|hang\w*|train|tracks|drown\w*|"
    r"gun|knife|blade|river|sea|canal|cliff|roof|ledge|belt|car\s+park|multi-?storey)\b"
)


@dataclass(frozen=True, slots=True)
class Judgement:
    """A part of a reading and the span that decided it (``None`` when it is the default)."""

    value: str
    cue: Span | None
    why: str


def _span(part: str, start: int, end: int) -> Span:
    return Span(part, start, end)


def _sentence_bounds(view: TextView, offset: int) -> tuple[int, int]:
    sentence = view.sentence_at(offset)
    if sentence is None:
        return 0, len(view.text)
    return sentence.start, sentence.end


def _clause_start(view: TextView, start: int) -> int:
    begin, _ = _sentence_bounds(view, start)
    prefix = view.lower[begin:start]
    breaks = list(_CLAUSE_BREAK.finditer(prefix))
    return begin + (breaks[-1].end() if breaks else 0)


def _tokens_before(view: TextView, start: int, floor: int) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(view.lower, floor, start))


def negation(view: TextView, hit: ConceptHit) -> Judgement | None:
    """The negators that govern the hit: an odd number denies, an even number asserts."""
    floor = _clause_start(view, hit.start)
    count = 0
    first: re.Match[str] | None = None
    interjection: re.Match[str] | None = None
    tokens = _tokens_before(view, hit.start, floor)
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i]
        bare = token.group()
        if bare.rstrip("'") in DROPPED_G:  # "not thinkin about it" reads as "not thinking"
            bare = bare.rstrip("'") + "g"
        word = bare.replace("'", "")
        after_token = _TOKEN.search(view.lower, token.end())
        following = after_token.group() if after_token is not None else ""
        if bare == "once" and following in _SUBJECTS:
            break  # "it's not once I've wanted to…, it's all the time": a new clause
        if bare in _INTERJECTIONS and following in _SUBJECTS:
            interjection = interjection or token
            continue
        if (
            bare in _NEGATORS
            or word in _NEGATORS
            or bare.endswith("n't")
            or (word.endswith("nae") and word not in _NOT_NEGATORS)
        ):
            count += 1
            first = token
        elif bare not in _GOVERNING:
            break
    if not hit.concept.negation_inside:
        for token in _TOKEN.finditer(view.lower, hit.start, hit.end):
            bare = token.group()
            if (
                bare in _NEGATORS
                or bare.replace("'", "") in _NEGATORS
                or bare.endswith("n't")
                or (bare.endswith("nae") and bare not in _NOT_NEGATORS)
            ):
                count += 1
                first = first or token
    crossed = _CROSSED_AFTER.match(view.lower, hit.end)
    if crossed is not None:
        count += 1
        first = first or crossed
    if count == 0 and interjection is not None:
        count, first = 1, interjection
    after = view.lower[hit.end : hit.end + 60]
    if count == 0 and _DENIED_AFTER.match(after):
        m = _DENIED_AFTER.match(after)
        assert m is not None
        return Judgement(
            "negated", _span("assertion", hit.end + m.start(), hit.end + m.end()), "denied"
        )
    if count == 0 or first is None:
        return None
    if count % 2 == 1 and _REASSERTED.match(view.lower, hit.end):
        return Judgement(
            "double", first and _span("assertion", first.start(), first.end()), "denied, then owned"
        )
    cue = _span("assertion", first.start(), first.end())
    if count % 2 == 0:
        return Judgement("double", cue, "a double negative that asserts")
    return Judgement("negated", cue, "denied")


_ECHO = re.compile(
    r"(?:\bwhat\s*,\s*|\bwhat\s+|\b(?:you|u)\s+(?:think|mean|reckon)\s+|\b(?:are\s+)?(?:you|u)(?:'?re)?\s+"
    r"asking\s+(?:me\s+)?(?:if\s+)?|\b(?:do|did)\s+(?:you|u|ya)\s+mean\s+)(?:like\s+)?"
    r"(?:(?:you\s+think|you'?re\s+asking(?:\s+if)?|do\s+you\s+mean)\s+)?(?:am\s+i|i'?m|i\s+am)\s+(?:like\s+)?(?:(?:going\s+to|gonna)\s+)?$"
)
"""The other's question said back, right before the risk words ("What, like am I suicidal?",
"What, you think I'm suicidal?"): it asks what was meant and discloses nothing by itself. Not
"You think I'm joking about killing myself?", where words come between."""


def _next_sentence(view: TextView, offset: int) -> str:
    _, end = _sentence_bounds(view, offset)
    return view.lower[end : end + 60]


def question(view: TextView, hit: ConceptHit) -> Judgement | None:
    """A question holding the hit: answered in the same turn, a disclosure in the speaker's own
    words, or only asked."""
    begin, end = _sentence_bounds(view, hit.start)
    if "?" not in view.text[hit.end : end + 1]:
        return None
    mark = view.text.find("?", hit.end, end + 1)
    cue = _span("assertion", mark, mark + 1)
    answer = _next_sentence(view, hit.start)
    if denies(answer):
        return Judgement("negated", cue, "asked, then denied")
    if YES.match(answer):
        return Judgement("asserted", cue, "asked, then answered yes")
    echo = _ECHO.search(view.lower[begin : hit.start])
    if echo is not None:
        return Judgement("questioned", cue, "the other's question echoed back, not a disclosure")
    own = hit.concept.self_stated or any(
        t.group() in _SUBJECT_FIRST for t in _tokens_before(view, hit.start, begin)
    )
    if own or hit.concept.severity in ("method", "plan"):
        return Judgement("asserted", cue, "a disclosure put as a question")
    return Judgement("questioned", cue, "asked, not claimed")


def _inside_quote(view: TextView, hit: ConceptHit) -> Span | None:
    for m in _QUOTE.finditer(view.text):
        if m.start() < hit.start and hit.end <= m.end():
            before = view.lower[max(0, m.start() - 40) : m.start()]
            if _SPEECH_VERB.search(before) and not _INNER_VOICE.search(before):
                return _span("assertion", m.start(), m.start() + 1)
    return None


def subject(view: TextView, hit: ConceptHit) -> Judgement | None:
    """``reported`` when the words are about someone else: a third or second person nearest
    before them, reported speech ("she told me I should ..."), or quoted speech."""
    words = view.lower[hit.start : hit.end]
    if re.search(
        r"\b(?:himself|herself|themselves|themself|yourself|his\s+life|her\s+life|their\s+life|your\s+(?:own\s+)?life)\b",
        words,
    ):
        return Judgement("reported", _span("assertion", hit.start, hit.end), "about someone else")
    quoted = _inside_quote(view, hit)
    if quoted is not None:
        return Judgement("reported", quoted, "someone else's words, quoted")
    floor = _clause_start(view, hit.start)
    begin, _ = _sentence_bounds(view, hit.start)
    said = _REPORTED_SPEECH.search(view.lower, begin, hit.start + 1)
    if said is not None and _INNER_VOICE.search(
        view.lower, max(0, said.start() - 30), said.start() + 1
    ):
        said = None  # "my disease tells me I should end it" is the speaker's own mind
    if said is not None:
        return Judgement(
            "reported", _span("assertion", said.start(), said.end()), "someone else's words"
        )
    belief = _OTHERS_BELIEF.search(view.lower, begin, hit.start)
    if belief is not None:
        return Judgement(
            "reported", _span("assertion", belief.start(), belief.end()), "someone else's fear"
        )
    if _FIRST_IN_HIT.search(words):
        return None  # "better off without me", "if I was gone": the words name the speaker
    someone = _SOMEONE_ELSE.match(words)
    if someone is not None and not _BETTER_OFF.search(words):
        return Judgement(
            "reported",
            _span("assertion", hit.start, hit.start + someone.end()),
            "about someone else",
        )
    if hit.concept.risk == "harm_to_others" and _TOKEN.match(view.lower, hit.start):
        lead = _TOKEN.match(view.lower, hit.start)
        if lead is not None and lead.group() in _FIRST:
            return None
    first_word = _TOKEN.match(view.lower, hit.start)
    if first_word is not None and first_word.group() in _FIRST:
        return None
    if floor == begin and not _MY.search(words):
        # One clause so far: a third-person subject just before the words, in their clause,
        # decides ("if I don't come home he'll end it"); not one who only sees, knows or says
        # ("I think she noticed the cuts", "he knows I've been cutting").
        tokens = _tokens_before(view, hit.start, begin)
        for k in range(len(tokens) - 1, max(-1, len(tokens) - 5), -1):
            word = tokens[k].group()
            if word in _SUBJECT_FIRST or word in _FIRST or word in _CLAUSE_JOINS:
                break  # the speaker, or another clause ("she'd understand if [I] wanted to die")
            following = tokens[k + 1].group() if k + 1 < len(tokens) else ""
            if word in _THIRD_PRONOUN and not _WITNESS.match(following):
                token = tokens[k]
                return Judgement(
                    "reported", _span("assertion", token.start(), token.end()), "about someone else"
                )
    for floor_at in (floor, begin):
        tokens = _tokens_before(view, hit.start, floor_at)
        if floor_at == begin and any(t.group() in _SUBJECT_FIRST for t in tokens):
            return None
        for token in reversed(tokens):
            word = token.group()
            base = word[:-2] if word.endswith("'s") and word not in _THIRD else word
            if word in _SUBJECT_FIRST or word == "me" or word in _REFLEXIVE:
                return None
            if base in _THIRD or (base in _SECOND and hit.concept.risk != "harm_to_others"):
                return Judgement(
                    "reported", _span("assertion", token.start(), token.end()), "about someone else"
                )
    return None


_ACCIDENT = re.compile(
    r"\b(?:fall|fell|falling|trip|tripped|slip|slipped|by\s+accident|accidental(?:ly)?|injury\s+at\s+work|"
    r"garden|gardening|shaving|cooking|chopping|kitchen|blood\s+thinners|diy)\b"
)


def other_talk(view: TextView, hit: ConceptHit) -> Judgement | None:
    """Medical, harm-reduction or form-filling talk around words that can carry risk, and
    accidents ("I'll fall and hurt myself")."""
    begin, end = _sentence_bounds(view, hit.start)
    if hit.concept.risk == "self_harm":
        accident = _ACCIDENT.search(view.lower, begin, end)
        if accident is not None:
            return Judgement(
                "other", _span("assertion", accident.start(), accident.end()), "an accident"
            )
    m = _OTHER_TALK.search(view.lower, begin, end)
    if m is None and hit.concept.medical:
        m = _HARM_REDUCTION.search(view.lower)
    if m is None:
        return None
    if not hit.concept.medical:
        talk = [
            found
            for found in _OTHER_TALK.finditer(view.lower, begin, end)
            if _TALK_FOR_ANY_WORDS.search(found.group())
        ]
        if not talk:
            return None
        m = talk[0]
    return Judgement(
        "other", _span("assertion", m.start(), m.end()), "medical or harm-reduction talk"
    )


def temporal(view: TextView, hit: ConceptHit, negated_history: Span | None) -> Judgement:
    """``past`` for history (unless something recent is in the sentence), ``hypothetical`` for a
    conditional threat or plan, else ``current``."""
    begin, end = _sentence_bounds(view, hit.start)
    window_start = begin
    if len(_TOKEN.findall(view.lower, begin, end)) <= 5 and begin > 0:
        window_start = _sentence_bounds(view, max(0, begin - 2))[0]
    recent = _RECENT.search(view.lower, begin, end)
    if negated_history is not None and recent is None:
        return Judgement("past", negated_history, "no longer")
    past = _PAST.search(view.lower, window_start, end)
    if past is not None and recent is None:
        return Judgement("past", _span("temporal", past.start(), past.end()), "in the past")
    condition = _IF.search(view.lower, begin, hit.start)
    if condition is not None and (
        hit.concept.risk == "harm_to_others"
        or hit.concept.severity in ("active_thoughts", "method", "intent", "plan")
    ):
        return Judgement(
            "hypothetical",
            _span("temporal", condition.start(), condition.end()),
            "if something happens",
        )
    if recent is not None:
        return Judgement("current", _span("temporal", recent.start(), recent.end()), "recent")
    return Judgement("current", None, "now")


def no_longer(view: TextView, hit: ConceptHit) -> Span | None:
    begin, end = _sentence_bounds(view, hit.start)
    m = _NO_LONGER.search(view.lower, begin, end)
    return _span("temporal", m.start(), m.end()) if m else None


def severity(view: TextView, hit: ConceptHit) -> tuple[RiskSeverity, Span | None]:
    """The rung: the concept's own, moved by urge, intent, plan or method words nearby."""
    kind, rung = hit.concept.risk, hit.concept.severity
    begin, end = _sentence_bounds(view, hit.start)
    ladder = SEVERITIES[kind]
    if kind == "self_harm":
        floor = _clause_start(view, hit.start)
        urge = _URGE.search(view.lower, max(begin, floor - 40), hit.start + 1) or _URGE.search(
            view.lower, hit.start, hit.end
        )
        if urge is not None:
            return "urge", _span("severity", urge.start(), urge.end())
        return rung, None
    if kind == "harm_to_others":
        if rung == "thoughts":
            m = re.compile(
                r"\b(?:gonna|going\s+to|goin'?\s+to|i'?ll|i\s+will|i\s+mean\s+it|swear|i\s+know\s+where)\b"
            ).search(view.lower, begin, end)
            if m is not None:
                return "intent", _span("severity", m.start(), m.end())
        return rung, None
    best: tuple[RiskSeverity, Span | None] = (rung, None)
    if rung in ("wish_to_be_dead", "active_thoughts", "method") and not _NO_PLAN.search(
        view.lower, begin, end
    ):
        for pattern, target in ((_PLAN, "plan"), (_INTENT, "intent")):
            m = pattern.search(view.lower, begin, end)
            if (
                m is not None
                and ladder.index(target) > ladder.index(best[0])
                and rung != "wish_to_be_dead"
            ):
                best = (target, _span("severity", m.start(), m.end()))  # type: ignore[assignment]
    if best[0] == "active_thoughts":
        m = _METHOD.search(view.lower, begin, end)
        if m is not None:
            best = ("method", _span("severity", m.start(), m.end()))
    return best


_FIGURATIVE_BEFORE = re.compile(
    r"\b(?:political|career|professional|social|commercial|financial|brand|fashion|electoral)\s*$"
)
_FIGURATIVE_AFTER = re.compile(
    r"^\s*(?:squad|mission|run|runs|drills?|doors?|sprints?|bomber|bombing|in\s+the\s+foot|out\b|"
    r"(?:of|from|with)\s+(?:embarrassment|shame|laugh\w*|boredom|cringe)|than\b|for\s+(?:a|an|some)\b)"
)


_EXASPERATED = re.compile(r"\b(?:some\s+days|most\s+days|sometimes|at\s+times|half\s+the\s+time)\b")
_COULD = re.compile(
    r"\bcould\s+(?:\w+ly\s+)?(?:strangl\w*|throttl\w*|kill|murder|wring|batter|smack|slap|punch|"
    r"swing\s+for|brain|deck)\b"
)
_MEANS_OR_PLAN = re.compile(
    r"\b(?:knife|knives|gun|blade|bat|weapon|piece|plan\w*|how\s+i'?d|where\s+(?:he|she)\s+lives|"
    r"thought\s+about\s+how|not\s+(?:even\s+)?(?:joking|kidding)|got\s+one|mean\s+it|for\s+real|serious\w*|wait(?:ing)?\s+for\s+(?:him|her|them)|"
    r"when\s+i\s+see\s+(?:him|her|them)|find\s+(?:him|her|them)|deserves?\s+(?:to\s+die|it)|"
    r"in\s+(?:his|her|their)\s+sleep|see\s+it\s+coming|swear|one\s+day|i\s+will|i'?ll|nearly|almost|"
    r"follow\w*|did\s+to\s+me|last\s+night|baby|babies|kids?|child|children|toddler|son|daughter)\b"
)


def figurative(view: TextView, hit: ConceptHit) -> Judgement | None:
    """Figures of speech: "career suicide", "suicide squad", "I'd rather die than wear that";
    exasperation with someone close ("I could cheerfully strangle my sister some days"), unless
    a weapon, a plan, an oath or "I mean it" is there too. A threat sworn to ("one more time
    and I swear I'll kill him") is never read as a figure: it is shown."""
    if hit.concept.risk == "harm_to_others":
        begin, end = _sentence_bounds(view, hit.start)
        lead = _COULD.search(view.lower, max(begin, hit.start - 40), hit.end)
        if (
            lead is not None
            and _EXASPERATED.search(view.lower, begin, end)
            and not _MEANS_OR_PLAN.search(view.lower)
        ):
            cue = _span("assertion", lead.start(), lead.end())
            return Judgement("figurative", cue, "exasperation, a figure of speech")
    base = max(0, hit.start - 25)
    before = _FIGURATIVE_BEFORE.search(view.lower[base : hit.start])
    if before is not None:
        cue = _span("assertion", base + before.start(), base + before.end())
        return Judgement("figurative", cue, "a figure of speech")
    after = _FIGURATIVE_AFTER.match(view.lower[hit.end : hit.end + 30])
    if after is not None:
        cue = _span("assertion", hit.end + after.start(), hit.end + after.end())
        return Judgement("figurative", cue, "a figure of speech")
    return None


def assertion(
    view: TextView, hit: ConceptHit
) -> tuple[RiskAssertion, Judgement | None, Span | None]:
    """How the words are used, the judgement that decided it, and a "no longer" cue when a denial
    reads as history ("I don't cut anymore")."""
    idiom = figurative(view, hit)
    if idiom is not None:
        return "figurative", idiom, None
    begin, end = _sentence_bounds(view, hit.start)
    taken_back = _RETRACTED.search(view.lower, begin, hit.start)
    if taken_back is not None:
        cue = _span("assertion", taken_back.start(), taken_back.end())
        return "negated", Judgement("negated", cue, "taken back"), None
    joke = None
    if hit.concept.risk == "harm_to_others":
        joke = _JOKING.search(view.lower)
    elif hit.concept.severity == "method":
        joke = _JOKING.search(view.lower, begin, end) or _HA.search(view.lower, begin, end)
    if joke is not None and _NOT_JOKING.search(
        view.lower[max(0, joke.start() - 20) : joke.start()]
    ):
        joke = None  # "I'm not joking" asserts
    if joke is not None:
        cue = _span("assertion", joke.start(), joke.end())
        return "figurative", Judgement("figurative", cue, "said as a joke"), None
    reported = subject(view, hit)
    if reported is not None:
        return "reported", reported, None
    other = other_talk(view, hit)
    if other is not None:
        return "other", other, None
    negated = negation(view, hit)
    if negated is not None and negated.value == "negated":
        stopped = no_longer(view, hit)
        if stopped is not None and hit.concept.risk != "harm_to_others":
            return "asserted", Judgement("asserted", stopped, "stopped: history"), stopped
        return "negated", negated, None
    asked = question(view, hit)
    if asked is not None:
        return asked.value, asked, None  # type: ignore[return-value]
    return "asserted", negated, None
