"""What a risk reading says: kind, rung, time, whether it is asserted, and the words behind each.

One type, :class:`RiskReading`, serves every path: the language layer makes it from one text,
the session layer from a reply to a safety question, and every output (JSON, report, clinic,
batch tables, Reflect) shows it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from mentalize.language.spans import Span

RiskKind = Literal["ideation", "self_harm", "harm_to_others"]
RISK_KINDS: tuple[RiskKind, ...] = get_args(RiskKind)

IdeationSeverity = Literal[
    "unspecified", "wish_to_be_dead", "active_thoughts", "method", "intent", "plan", "behaviour"
]
SelfHarmSeverity = Literal["unspecified", "urge", "act"]
HarmSeverity = Literal["unspecified", "thoughts", "intent", "act"]
RiskSeverity = Literal[
    "unspecified",
    "wish_to_be_dead",
    "active_thoughts",
    "method",
    "intent",
    "plan",
    "behaviour",
    "urge",
    "thoughts",
    "act",
]
SEVERITIES: dict[str, tuple[str, ...]] = {
    "ideation": get_args(IdeationSeverity),
    "self_harm": get_args(SelfHarmSeverity),
    "harm_to_others": get_args(HarmSeverity),
}
"""Each kind's rungs, least to most severe. Ideation follows the Columbia Suicide Severity
Rating Scale (Posner et al. 2011): wish to be dead, non-specific active thoughts, thoughts with a
method, some intent, a plan or preparation, behaviour (an actual, interrupted or aborted
attempt). ``unspecified``: risk is disclosed (a "not really" to "do you feel safe?") but the
words do not say how far it goes."""

RiskTemporal = Literal["current", "past", "hypothetical"]
RiskAssertion = Literal["asserted", "negated", "questioned", "reported", "figurative", "other"]
"""``asserted``: said of the speaker; ``negated``: denied; ``questioned``: asked, not claimed;
``reported``: about someone else; ``figurative``: an idiom; ``other``: medical, harm-reduction
or form-filling talk."""


@dataclass(frozen=True, slots=True)
class RiskReading:
    """One mention of risk in a turn and how it was read. Only an ``asserted`` reading raises a
    flag; the others are kept so a reader sees what was found and why it was not flagged."""

    risk: RiskKind
    severity: RiskSeverity
    temporal: RiskTemporal
    asserted: RiskAssertion
    evidence: tuple[Span, ...]
    """The words behind each part: a span's ``marker`` names the part it supports (``risk``,
    ``severity``, ``temporal`` or ``assertion``)."""
    reason: str
    context_turn: int | None = None
    """The earlier turn (a safety question) this reading depends on, when it does."""

    @property
    def flagged(self) -> bool:
        return self.asserted == "asserted"

    @property
    def rank(self) -> int:
        """Position on the kind's ladder (0 = unspecified)."""
        return SEVERITIES[self.risk].index(self.severity)

    def words(self, text: str, part: str = "risk") -> tuple[str, ...]:
        return tuple(text[s.start : s.end] for s in self.evidence if s.marker == part)
