"""Typed results of an analysis: what a turn and a session were read as, with the evidence.

These dataclasses are the contract between the analysis layer and its edges (JSON, HTML, CLI).
They hold values only; computing them is the job of :mod:`mentalize.analysis.turns` and
:mod:`mentalize.analysis.session`, serialising them the job of :mod:`mentalize.outputs.schema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from mentalize.language.risk import strongest
from mentalize.language.risk.types import RiskAssertion, RiskReading, RiskSeverity, RiskTemporal
from mentalize.language.spans import Span as Evidence
from mentalize.learned.reading import MBTReading
from mentalize.transcript import Role

if TYPE_CHECKING:
    import pandas as pd

Mode = Literal[
    "mentalizing", "psychic_equivalence", "teleological", "pretend", "concrete", "hypermentalizing"
]
MODES: tuple[Mode, ...] = get_args(Mode)
NON_MENTALIZING_MODES: frozenset[str] = frozenset(MODES[1:])

Intervention = Literal[
    "curious_question",
    "empathic_validation",
    "clarification",
    "challenge",
    "relationship",
    "interpretation",
    "advice",
    "other",
]
INTERVENTIONS: tuple[Intervention, ...] = get_args(Intervention)

Risk = Literal["none", "ideation", "self_harm", "harm_to_others"]
RISKS: tuple[Risk, ...] = get_args(Risk)

Focus = Literal["self", "other", "relationship", "none"]
FOCI: tuple[Focus, ...] = get_args(Focus)

TherapistResponse = Literal["stepped_down", "pushed_on", "mixed"]

TurningPointKind = Literal["onset", "peak", "goes_quiet", "flares", "step_in", "recovery"]
TURNING_POINT_KINDS: tuple[TurningPointKind, ...] = get_args(TurningPointKind)

__all__ = [
    "FOCI",
    "INTERVENTIONS",
    "MODES",
    "NON_MENTALIZING_MODES",
    "RISKS",
    "TURNING_POINT_KINDS",
    "Episode",
    "Evidence",
    "Focus",
    "Intervention",
    "MBTReading",
    "Mode",
    "Phase",
    "ReadingProfile",
    "Recommendation",
    "Repair",
    "Risk",
    "RiskFlag",
    "RiskReading",
    "Rupture",
    "Series",
    "SessionAnalysis",
    "SessionSummary",
    "TherapistResponse",
    "TurnAnalysis",
    "TurningPoint",
    "TurningPointKind",
]


@dataclass(frozen=True, slots=True)
class TurnAnalysis:
    """Everything read from one turn. Values describe this turn alone (no smoothing)."""

    index: int
    speaker: str
    role: Role
    text: str
    start: float | None
    arousal: float
    certainty: float
    mentalizing: float
    focus: Focus
    risk: Risk
    mode: Mode | None
    intervention: Intervention | None
    evidence: tuple[Evidence, ...]
    minimal: bool = False
    """True for backchannels ("Mm.", "Yeah") too short to read; session series skip them."""
    moves: tuple[Intervention, ...] = ()
    """Therapist turns: every MBT move read sentence by sentence, in order (``intervention``
    is among them unless it is ``other``); empty for patient turns."""
    risk_detail: tuple[RiskReading, ...] = ()
    """Every risk mention in the turn, flagged or not, with rung, time, whether it is asserted
    and the words behind each part; ``risk`` is the kind of the leading flagged one. Empty for
    therapist turns (their risk words are questions)."""
    reading: MBTReading | None = None
    """The trained MBT reader's labels (mode, rf level, polarities, valence, strain; for
    therapists intervention, level, repair and stance), when the learned layer ran."""

    @property
    def risk_lead(self) -> RiskReading | None:
        """The flagged reading behind ``risk`` (``None`` when nothing is flagged)."""
        return strongest(self.risk_detail)

    def evidence_for(self, *markers: str) -> tuple[Evidence, ...]:
        wanted = set(markers)
        return tuple(e for e in self.evidence if e.marker in wanted)

    def words(self, evidence: Evidence) -> str:
        return self.text[evidence.start : evidence.end]


@dataclass(frozen=True, slots=True)
class Episode:
    """A breakdown: patient turns where arousal rose and mentalizing fell into a non-mentalizing
    mode, and what the therapist did inside it and just after."""

    speaker: str
    start_turn: int
    end_turn: int
    peak_arousal: float
    modes: tuple[Mode, ...]
    therapist_response: TherapistResponse | None
    response_turns: tuple[int, ...]
    peak_turn: int | None = None
    """The collapsed turn of highest arousal (``peak_arousal`` is its arousal); among equals the
    one with least mentalizing, then the first. ``None`` in files written before it."""
    recovery_turn: int | None = None
    """The patient's first turn after the episode read as mentalizing again, calmly, before any
    later episode of theirs; ``None`` when the session shows no such turn."""
    turning_points: tuple[TurningPoint, ...] = ()
    """Where the episode turned, in session order: onset, peak, where it eased and returned
    inside, the therapist turns just before recovery, and recovery (empty in older files)."""
    phases: tuple[Phase, ...] = ()
    """The episode cut where it eased (two or more calm patient turns with no collapse read)
    and returned: one phase when it never eased (empty in older files)."""


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of one episode between easings: its first and last collapsed turn and its
    peak (highest arousal, then least mentalizing)."""

    start_turn: int
    end_turn: int
    peak_turn: int


@dataclass(frozen=True, slots=True)
class TurningPoint:
    """One turn where an episode changed course, so a supervisor can find it in the transcript.

    ``onset`` is the first collapsed turn; ``peak`` the turn of ``Episode.peak_turn``;
    ``goes_quiet`` the first of two or more calm patient turns inside the episode with no
    collapse read (inside an episode these are flat, short replies: the collapse going on
    quietly, not recovery), and ``flares`` the collapsed turn that follows them; ``step_in`` a
    therapist turn just before ``recovery``, the patient's first calm mentalizing turn after
    the episode."""

    turn: int
    kind: TurningPointKind


@dataclass(frozen=True, slots=True)
class Rupture:
    """Patient strain toward the therapist (hostility or withdrawal) at ``turn``."""

    turn: int
    speaker: str
    kind: Literal["confrontation", "withdrawal"]


@dataclass(frozen=True, slots=True)
class Repair:
    """A therapist turn that acknowledges their part or explores the misunderstanding together.

    ``rupture_turn`` is the rupture it answers, or None for a repair on its own: the therapist
    owned a misstep before the patient showed strain."""

    turn: int
    rupture_turn: int | None


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """Risk language at ``turn``; ``words`` are the spans that fired (never averaged away).

    A flag is a disclosure (``asserted``); a denial is kept apart in
    :attr:`SessionSummary.risk_denials` with the same fields, and never clears a flag."""

    turn: int
    speaker: str
    risk: Risk
    words: tuple[str, ...]
    severity: RiskSeverity = "unspecified"
    temporal: RiskTemporal = "current"
    asserted: RiskAssertion = "asserted"
    reason: str = ""
    context_turn: int | None = None
    """The earlier turn (a safety question) this flag depends on, when it does."""


@dataclass(frozen=True, slots=True)
class Series:
    """Per-patient series over their readable turns: raw and smoothed arousal and mentalizing."""

    speaker: str
    turns: tuple[int, ...]
    arousal: tuple[float, ...]
    mentalizing: tuple[float, ...]
    arousal_smoothed: tuple[float, ...]
    mentalizing_smoothed: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ReadingProfile:
    """One patient's session as the trained reader saw it: where their mentalizing sat on each
    polarity, and the balance of hyper- against hypomentalizing, over their readable turns.

    ``hypo`` counts turns read ``concrete`` or ``teleological`` (no mental state doing work, or
    action taken as proof of one); ``concrete`` includes fitting factual answers, so the share is
    read against what the session was about. ``hyper`` counts turns read ``hypermentalizing``."""

    speaker: str
    turns: int
    polarities: dict[str, dict[str, int]]
    """Per polarity, how many turns were read at each pole (turns where it applies)."""
    hyper: int
    hypo: int
    rf_level: float | None
    """Mean reader rf_level (0-4) over the turns."""
    valence: float | None
    """Mean reader valence (1 very negative - 5 very positive)."""

    def leaning(self, polarity: str) -> str | None:
        """The pole most of the turns sat at (``None`` when the polarity never applied)."""
        return leading_pole(self.polarities.get(polarity, {}))


def leading_pole(counts: Mapping[str, int]) -> str | None:
    """The pole with the most turns; ``None`` when there are none or two poles tie for most (a
    tie has no lean, and naming one would be arbitrary)."""
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(counts, key=lambda pole: counts[pole])


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """Session-level readings. ``calibration``/``stance`` are None when the therapist has no
    readable turns to judge."""

    calibration: float | None
    stance: float | None
    intervention_counts: dict[str, int]
    ruptures: tuple[Rupture, ...]
    repairs: tuple[Repair, ...]
    risk_flags: tuple[RiskFlag, ...]
    risk_denials: tuple[RiskFlag, ...] = ()
    """Risk denied (a "No, never." to a safety question, "I would never hurt myself"), in order:
    shown beside the flags, never instead of them."""
    profiles: tuple[ReadingProfile, ...] = ()
    """Per patient, the trained reader's polarity profile and hyper/hypo balance (empty on
    markers alone)."""


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Which level of the MBT spectrum fits next, and why."""

    level: int
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class SessionAnalysis:
    """The MBT reading of one session: per-turn results plus session-level findings."""

    source: str
    format: str
    turns: tuple[TurnAnalysis, ...]
    series: tuple[Series, ...]
    episodes: tuple[Episode, ...]
    session: SessionSummary
    recommendation: Recommendation
    speakers: dict[str, Role] = field(default_factory=dict)
    model: str | None = None
    """The learned model (encoder and heads) behind arousal, certainty and intervention, or
    ``None`` when every estimate came from the markers alone."""

    @property
    def has_therapist_turn(self) -> bool:
        """Whether anyone in the transcript speaks as a therapist: a patient's own writing has
        no therapist, so nothing suggests a therapist's next move for it."""
        return any(t.role == "therapist" for t in self.turns)

    def to_dataframe(self) -> pd.DataFrame:
        """Deprecated since 0.1 (to go in 0.2): use ``mentalize.outputs.turns_frame(analysis)``.

        The turns as a pandas table with the batch ``turns`` columns. Tables are an output, and
        the result type is the core that outputs read, so the core no longer builds them; this
        one upward import is kept, named in the layer contract, until the method goes.
        """
        import warnings

        from mentalize.outputs.frames import turns_frame

        warnings.warn(
            "SessionAnalysis.to_dataframe() is deprecated; use "
            "mentalize.outputs.turns_frame(analysis)",
            DeprecationWarning,
            stacklevel=2,
        )
        return turns_frame(self)

    @property
    def therapist_turns(self) -> tuple[TurnAnalysis, ...]:
        return tuple(t for t in self.turns if t.role == "therapist")

    @property
    def patient_turns(self) -> tuple[TurnAnalysis, ...]:
        return tuple(t for t in self.turns if t.role == "patient")
