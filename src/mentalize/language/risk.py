"""Risk language with negation and figurative use handled.

Tuned for recall: every affirmed match is surfaced for a clinician to review in context. A match
is dropped only when the clause negates it right before ("I would never hurt myself", "no
thoughts of suicide") or when it is a known figure of speech ("career suicide"); negated matches
are kept as ``risk_negated`` evidence so the reader still sees them.
"""

from __future__ import annotations

import re

from mentalize.language.lexicon import load_lexicon
from mentalize.language.spans import Span
from mentalize.language.text import TextView

RISK_MARKERS = {
    "risk_ideation": "ideation",
    "risk_self_harm": "self_harm",
    "risk_harm_to_others": "harm_to_others",
}

# A negator followed only by words that keep it governing what comes next:
# "would never", "I'm not going to", "don't want to", "no thoughts of", "never had thoughts about".
_NEGATION_FRAME = re.compile(
    r"(?:\b(?:not|never|no|nor|without)\b|n't|\bnt\b|\bcannot\b)"
    r"(?:\s+(?:ever|really|actually|seriously|going|gonna|want|wanna|wanted|to|plan|planning|"
    r"planned|intend|intending|intention|intentions|thinking|thought|thoughts|think|of|about|had|"
    r"have|any|feel|feeling|felt|be|being|do|did|would|that|am|i|i'm|urge|urges|desire|wish|"
    r"plans|want\s+to|risk|at\s+risk|ever\s+again|anymore))*\s*$"
)
_FIGURATIVE_BEFORE = re.compile(
    r"\b(?:political|career|professional|social|commercial|financial|brand|fashion|"
    r"asked\s+(?:me\s+)?about|asking\s+(?:me\s+)?about|questions?\s+about)\s*$"
)
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:but|and|because|so|although|though)\b")


def _clause_prefix(view: TextView, start: int) -> str:
    sentence = view.sentence_at(start)
    begin = sentence.start if sentence else 0
    prefix = view.lower[begin:start]
    breaks = list(_CLAUSE_BREAK.finditer(prefix))
    if breaks:
        prefix = prefix[breaks[-1].end() :]
    return prefix[-60:]


def is_negated(view: TextView, start: int) -> bool:
    """True when the clause before ``start`` negates what follows."""
    return bool(_NEGATION_FRAME.search(_clause_prefix(view, start)))


def is_figurative(view: TextView, span: Span) -> bool:
    """Known figures of speech ('career suicide') and talk about the asking ('you asked about
    suicide'), which is not the speaker's own risk."""
    return bool(_FIGURATIVE_BEFORE.search(view.lower[max(0, span.start - 20) : span.start]))


def find_risk(view: TextView) -> list[Span]:
    """Affirmed risk spans (``risk_*``) plus negated ones as ``risk_negated``."""
    lexicon = load_lexicon("risk")
    spans: list[Span] = []
    for category in lexicon.categories.values():
        found = view.phrase_hits.get(category.marker, []) + category.find_patterns(view.text)
        for span in found:
            if is_figurative(view, span):
                continue
            if is_negated(view, span.start):
                spans.append(Span("risk_negated", span.start, span.end))
            else:
                spans.append(span)
    return _drop_contained(spans)


def _drop_contained(spans: list[Span]) -> list[Span]:
    """Keep the widest of overlapping risk spans so one phrase is not counted twice."""
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return kept


def classify_risk(spans: list[Span]) -> str:
    """The most severe affirmed risk among spans (ideation and self-harm before harm to others)."""
    found = {RISK_MARKERS[s.marker] for s in spans if s.marker in RISK_MARKERS}
    for risk in ("ideation", "self_harm", "harm_to_others"):
        if risk in found:
            return risk
    return "none"
