"""Session analysis: every turn read, then the session-level findings built on top."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from mentalize.analysis import interventions, therapist
from mentalize.analysis.episodes import find_episodes
from mentalize.analysis.recommend import recommend
from mentalize.analysis.relational import find_repairs, find_ruptures
from mentalize.analysis.results import (
    INTERVENTIONS,
    RiskFlag,
    SessionAnalysis,
    SessionSummary,
    TurnAnalysis,
)
from mentalize.analysis.series import patient_series
from mentalize.analysis.turns import analyze_turn
from mentalize.language import MarkerSet
from mentalize.language.risk import RISK_MARKERS
from mentalize.transcript import Role, Transcript, Turn

ProgressCallback = Callable[[int, int], None]
PROGRESS_EVERY = 500


def read_turns(
    source_turns: Sequence[Turn],
    roles: Sequence[Role],
    progress: ProgressCallback | None = None,
) -> tuple[list[TurnAnalysis], list[MarkerSet]]:
    """Per-turn readings, in order; the one place every path (sessions, single utterances) reads
    turns, so all of them get the same estimates."""
    turns: list[TurnAnalysis] = []
    markers: list[MarkerSet] = []
    total = len(source_turns)
    for index, (turn, role) in enumerate(zip(source_turns, roles, strict=True)):
        analysis, found = analyze_turn(index, turn, role)
        turns.append(analysis)
        markers.append(found)
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, total)
    if progress is not None:
        progress(total, total)
    return turns, markers


def analyze_utterances(texts: Sequence[str], role: Role = "patient") -> tuple[TurnAnalysis, ...]:
    """Read independent texts (survey answers, posts, single utterances) one by one, all in one
    role, with no session context: the path evaluations and corpus tools use."""
    source_turns = [Turn(speaker="text", text=text) for text in texts]
    turns, _ = read_turns(source_turns, [role] * len(source_turns))
    return tuple(turns)


def analyze_transcript(
    transcript: Transcript, progress: ProgressCallback | None = None
) -> SessionAnalysis:
    """The MBT reading of a transcript whose roles are already assigned.

    ``progress(done, total)`` is called every few hundred turns, so a caller can show a bar on
    long transcripts.
    """
    roles = [transcript.role_of(turn.speaker) for turn in transcript.turns]
    turns, markers = read_turns(transcript.turns, roles, progress)

    intensities: dict[int, float] = {}
    credits: list[float] = []
    for turn, found in zip(turns, markers, strict=True):
        if turn.intervention is None:
            continue
        value = interventions.intensity(found, turn.intervention)
        if value is not None:
            intensities[turn.index] = value
        credit = interventions.stance_credit(found, turn.intervention, turn.certainty)
        if credit is not None:
            credits.append(credit)

    series = patient_series(turns)
    episodes = find_episodes(turns, series, intensities)
    ruptures = find_ruptures(turns, markers)
    repairs = find_repairs(ruptures, turns, markers)
    flags = risk_flags(turns)
    counts = Counter(t.intervention for t in turns if t.intervention is not None)
    summary = SessionSummary(
        calibration=therapist.calibration(turns, intensities, episodes),
        stance=therapist.stance(credits),
        intervention_counts={name: counts.get(name, 0) for name in INTERVENTIONS},
        ruptures=ruptures,
        repairs=repairs,
        risk_flags=flags,
    )
    return SessionAnalysis(
        source=transcript.source,
        format=transcript.format,
        turns=tuple(turns),
        series=series,
        episodes=episodes,
        session=summary,
        recommendation=recommend(turns, flags, ruptures, repairs),
        speakers={s: transcript.role_of(s) for s in transcript.speakers},
    )


def risk_flags(turns: list[TurnAnalysis]) -> tuple[RiskFlag, ...]:
    """One flag per turn and kind of risk, with the words that fired; never averaged away."""
    flags: list[RiskFlag] = []
    for turn in turns:
        if turn.role == "therapist":
            continue
        by_kind: dict[str, list[str]] = {}
        for span in turn.evidence:
            kind = RISK_MARKERS.get(span.marker)
            if kind:
                by_kind.setdefault(kind, []).append(turn.text[span.start : span.end])
        for kind in ("ideation", "self_harm", "harm_to_others"):
            if kind in by_kind:
                flags.append(RiskFlag(turn.index, turn.speaker, kind, tuple(by_kind[kind])))  # type: ignore[arg-type]
    return tuple(flags)
