"""Session analysis: every turn read, then the session-level findings built on top."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from mentalize import environment
from mentalize.analysis import estimates, interventions, therapist
from mentalize.analysis.collapse_features import read_collapse
from mentalize.analysis.episodes import find_episodes
from mentalize.analysis.profile import reading_profiles
from mentalize.analysis.recommend import recommend
from mentalize.analysis.relational import find_repairs, find_ruptures, rupture_head_fits
from mentalize.analysis.results import (
    INTERVENTIONS,
    SessionAnalysis,
    SessionSummary,
    TurnAnalysis,
)
from mentalize.analysis.risk import read_replies, risk_flags
from mentalize.analysis.series import patient_series
from mentalize.analysis.turns import analyze_turn
from mentalize.errors import MissingExtra
from mentalize.language import MarkerSet, read_markers
from mentalize.transcript import Role, Transcript, Turn

if TYPE_CHECKING:  # the heads (numpy) load only with the learned layer
    from mentalize.learned.heads import LinearHead

ProgressCallback = Callable[[int, int], None]
CHUNK = 256
"""Turns read per step on markers alone: progress stays live, memory flat."""
LEARNED_CHUNK = 2048
"""Turns per step with the learned layer. The encoder sorts each call's texts by length so
batches pad little; the more texts a call holds, the better that works (on the 10,000-turn
benchmark transcript the encoder runs 14% fewer tokens, padding included, than with 256)."""


ModelChoice = Literal["auto", "markers", "learned"]
"""``auto`` uses the learned layer when the models extra is installed; ``markers`` never does;
``learned`` requires it (a clear error when it is missing)."""


MODEL_ENV = "MENTALIZE_MODEL"
"""Overrides ``auto`` for a whole process (``markers`` or ``learned``), e.g. in scripts."""


def use_learned(model: ModelChoice) -> bool:
    override = environment.get(MODEL_ENV)
    if model == "auto" and override in ("markers", "learned"):
        model = "markers" if override == "markers" else "learned"
    if model == "markers":
        return False
    from mentalize.learned.layer import learned_available

    if learned_available():
        return True
    if model == "learned":
        raise MissingExtra("models", "the learned layer")
    return False


def read_turns(
    source_turns: Sequence[Turn],
    roles: Sequence[Role],
    progress: ProgressCallback | None = None,
    model: ModelChoice = "auto",
    conversation: bool = True,
) -> tuple[list[TurnAnalysis], list[MarkerSet], str | None]:
    """Per-turn readings, in order, and the learned model's id (None when marker-only): the one
    place every path (sessions, single utterances) reads turns, so all get the same estimates.

    Turns go through in chunks, so the encoder sees full batches and memory stays flat however
    long the transcript is. ``conversation=False`` reads independent texts: the MBT reader
    then sees no turn before each one."""
    layer = None
    if use_learned(model):
        from mentalize.learned.layer import learned_layer

        layer = learned_layer()
    turns: list[TurnAnalysis] = []
    markers: list[MarkerSet] = []
    total = len(source_turns)
    step = LEARNED_CHUNK if layer is not None else CHUNK
    for start in range(0, total, step):
        chunk = source_turns[start : start + step]
        found = [read_markers(turn.text) for turn in chunk]
        learned = (
            layer.read(
                found,
                roles[start : start + len(chunk)],
                source_turns[start - 1].text if start else "",
                conversation,
            )
            if layer is not None
            else [None] * len(chunk)
        )
        for offset, turn in enumerate(chunk):
            index = start + offset
            analysis, _ = analyze_turn(index, turn, roles[index], found[offset], learned[offset])
            turns.append(analysis)
        markers.extend(found)
        if progress is not None and start + len(chunk) < total:
            progress(start + len(chunk), total)
    if progress is not None:
        progress(total, total)
    return turns, markers, (layer.model_id if layer is not None else None)


def analyze_utterances(
    texts: Sequence[str], role: Role = "patient", model: ModelChoice = "auto"
) -> tuple[TurnAnalysis, ...]:
    """Read independent texts (survey answers, posts, single utterances) one by one, all in one
    role, with no session context: the path evaluations and corpus tools use."""
    source_turns = [Turn(speaker="text", text=text) for text in texts]
    turns, _, _ = read_turns(
        source_turns, [role] * len(source_turns), model=model, conversation=False
    )
    return tuple(turns)


def _session_heads(model_id: str | None) -> tuple[LinearHead | None, LinearHead | None]:
    """The shipped rupture and collapse heads where the learned layer read this session
    (``model_id`` set); each is checked against the features it reads where it is used."""
    if model_id is None:
        return None, None
    from mentalize.learned.layer import learned_layer

    layer = learned_layer()
    return rupture_head_fits(layer.rupture), layer.collapse


def therapist_demands(
    turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet]
) -> tuple[dict[int, float], list[float]]:
    """How demanding each therapist intervention was (turn index to intensity), and the stance
    credit of each: what calibration, stance and the episode logic read."""
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
    return intensities, credits


def patient_rigidity(
    turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet]
) -> dict[int, float]:
    """The certainty the markers read in each patient turn's words (see ``find_episodes``)."""
    return {
        t.index: estimates.certainty(found)
        for t, found in zip(turns, markers, strict=True)
        if t.role == "patient"
    }


def analyze_transcript(
    transcript: Transcript,
    progress: ProgressCallback | None = None,
    model: ModelChoice = "auto",
) -> SessionAnalysis:
    """The MBT reading of a transcript whose roles are already assigned.

    ``progress(done, total)`` is called every few hundred turns, so a caller can show a bar on
    long transcripts.
    """
    roles = [transcript.role_of(turn.speaker) for turn in transcript.turns]
    turns, markers, model_id = read_turns(transcript.turns, roles, progress, model)
    turns = read_replies(turns)

    intensities, credits = therapist_demands(turns, markers)
    series = patient_series(turns)
    rigidity = patient_rigidity(turns, markers)
    rupture_head, collapse_head = _session_heads(model_id)
    collapse = read_collapse(collapse_head, turns, intensities)
    episodes = find_episodes(turns, series, intensities, rigidity, collapse)
    ruptures = find_ruptures(turns, markers, rupture_head)
    repairs = find_repairs(ruptures, turns, markers)
    flags, denials = risk_flags(turns)
    counts = Counter(t.intervention for t in turns if t.intervention is not None)
    summary = SessionSummary(
        calibration=therapist.calibration(turns, intensities, episodes),
        stance=therapist.stance(credits),
        intervention_counts={name: counts.get(name, 0) for name in INTERVENTIONS},
        ruptures=ruptures,
        repairs=repairs,
        risk_flags=flags,
        risk_denials=denials,
        profiles=reading_profiles(turns),
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
        model=model_id,
    )
