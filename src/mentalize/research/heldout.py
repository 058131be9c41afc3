"""Check the analyser against labelled sessions: episodes, therapist response, calibration, stance.

A labelled session is a transcript plus ``<name>.labels.json``::

    {"session": "attuned_1.txt", "condition": "attuned" | "misattuned",
     "episodes": [{"start_turn": 3, "end_turn": 9, "therapist_response": "stepped_down"}],
     "ruptures": [{"turn": 20, "repaired_at": 21}]}

Turn indices are 0-based in file order. The figures answer the questions a clinician would ask:
are the breakdowns a human marked found (recall), are the ones found real (precision), is the
therapist's response read the same way, and do attuned sessions score higher than misattuned ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Literal

from mentalize.analysis.entrypoints import analyze
from mentalize.analysis.results import SessionAnalysis
from mentalize.errors import InputError

RUPTURE_TOLERANCE = 1
"""A detected rupture within one turn of the labelled one counts as found."""


@dataclass(frozen=True, slots=True)
class SessionResult:
    name: str
    condition: str
    labelled_episodes: int
    found_episodes: int
    labelled_hit: int
    found_true: int
    responses_agreed: int
    responses_compared: int
    labelled_ruptures: int
    ruptures_found: int
    calibration: float | None
    stance: float | None


@dataclass(slots=True)
class Evaluation:
    sessions: list[SessionResult] = field(default_factory=list)
    models: set[str] = field(default_factory=set)
    """What produced the readings: each analysis's ``model``, or ``markers only``."""

    @property
    def model(self) -> str:
        return ", ".join(sorted(self.models)) or "none"

    def _sum(self, attribute: str) -> int:
        return sum(getattr(s, attribute) for s in self.sessions)

    @property
    def episode_recall(self) -> float | None:
        total = self._sum("labelled_episodes")
        return self._sum("labelled_hit") / total if total else None

    @property
    def episode_precision(self) -> float | None:
        total = self._sum("found_episodes")
        return self._sum("found_true") / total if total else None

    @property
    def response_agreement(self) -> float | None:
        total = self._sum("responses_compared")
        return self._sum("responses_agreed") / total if total else None

    @property
    def rupture_recall(self) -> float | None:
        total = self._sum("labelled_ruptures")
        return self._sum("ruptures_found") / total if total else None

    def condition_mean(self, condition: str, attribute: str) -> float | None:
        values = [
            getattr(s, attribute)
            for s in self.sessions
            if s.condition == condition and getattr(s, attribute) is not None
        ]
        return mean(values) if values else None

    def pairwise_order(self, attribute: str) -> float | None:
        """Share of (attuned, misattuned) pairs where the attuned session scores higher."""
        attuned = [getattr(s, attribute) for s in self.sessions if s.condition == "attuned"]
        misattuned = [getattr(s, attribute) for s in self.sessions if s.condition == "misattuned"]
        pairs = [(a, m) for a in attuned for m in misattuned if a is not None and m is not None]
        return sum(a > m for a, m in pairs) / len(pairs) if pairs else None


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end


def score_session(name: str, labels: dict, analysis: SessionAnalysis) -> SessionResult:
    labelled = labels.get("episodes", [])
    found = analysis.episodes
    hit = agreed = compared = 0
    for episode in labelled:
        matches = [
            e
            for e in found
            if _overlap(e.start_turn, e.end_turn, episode["start_turn"], episode["end_turn"])
        ]
        if matches:
            hit += 1
            if episode.get("therapist_response"):
                compared += 1
                agreed += matches[0].therapist_response == episode["therapist_response"]
    true_found = sum(
        any(_overlap(e.start_turn, e.end_turn, x["start_turn"], x["end_turn"]) for x in labelled)
        for e in found
    )
    ruptures = labels.get("ruptures", [])
    detected = [r.turn for r in analysis.session.ruptures]
    ruptures_found = sum(
        any(abs(d - r["turn"]) <= RUPTURE_TOLERANCE for d in detected) for r in ruptures
    )
    return SessionResult(
        name=name,
        condition=labels.get("condition", "unknown"),
        labelled_episodes=len(labelled),
        found_episodes=len(found),
        labelled_hit=hit,
        found_true=true_found,
        responses_agreed=agreed,
        responses_compared=compared,
        labelled_ruptures=len(ruptures),
        ruptures_found=ruptures_found,
        calibration=analysis.session.calibration,
        stance=analysis.session.stance,
    )


def _check_labels(labels: object, source: str) -> None:
    """Refuse a label file the scorer could not read, naming it and what is expected."""
    expected = (
        'expected {"episodes": [{"start_turn": N, "end_turn": N, ...}], '
        '"ruptures": [{"turn": N, ...}]}'
    )
    if not isinstance(labels, dict):
        raise InputError(source, f"not a JSON object; {expected}")
    episodes, ruptures = labels.get("episodes", []), labels.get("ruptures", [])
    if not isinstance(episodes, list) or not isinstance(ruptures, list):
        raise InputError(source, f"episodes and ruptures must be lists; {expected}")
    whole = [(e, ("start_turn", "end_turn")) for e in episodes] + [(r, ("turn",)) for r in ruptures]
    for entry, keys in whole:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), int) and not isinstance(entry.get(k), bool) for k in keys
        ):
            raise InputError(
                source, f"an entry lacks whole-number {' and '.join(keys)}; {expected}"
            )


def evaluate_folder(
    folder: str | Path, model: Literal["auto", "markers", "learned"] = "auto"
) -> Evaluation:
    """Analyse every ``*.labels.json`` session in ``folder`` with ``model`` and score it.

    ``auto`` is what a user gets by default (the learned layer where it is installed); the
    figures differ by model, so a reported figure names the one it came from.
    """
    root = Path(folder)
    label_files = sorted(root.glob("*.labels.json"))
    if not label_files:
        raise InputError(str(root), "no *.labels.json files; expected labelled sessions")
    evaluation = Evaluation()
    for label_file in label_files:
        try:
            labels = json.loads(label_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                str(label_file), f"not valid JSON ({exc.__class__.__name__})"
            ) from None
        _check_labels(labels, str(label_file))
        transcript = root / labels.get("session", label_file.name.removesuffix(".labels.json"))
        analysis = analyze(transcript, model=model)
        evaluation.models.add(analysis.model or "markers only")
        evaluation.sessions.append(score_session(transcript.name, labels, analysis))
    return evaluation
