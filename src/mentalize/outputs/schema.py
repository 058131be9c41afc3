"""The versioned JSON form of a :class:`SessionAnalysis` (``mentalize.session/1``).

Documented in ``docs/schema.md``; the JSON Schema itself ships as ``session.schema.json`` so
researchers can validate files without importing mentalize.
"""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from mentalize.analysis.results import Episode, RiskFlag, RiskReading, SessionAnalysis

SCHEMA_ID = "mentalize.session/1"


def episode_dict(e: Episode) -> dict[str, Any]:
    """One breakdown episode as in the schema (shared with the batch tables)."""
    return {
        "speaker": e.speaker,
        "start_turn": e.start_turn,
        "end_turn": e.end_turn,
        "peak_arousal": e.peak_arousal,
        "modes": list(e.modes),
        "therapist_response": e.therapist_response,
        "response_turns": list(e.response_turns),
    }


def risk_flag_dict(flag: RiskFlag) -> dict[str, Any]:
    """A flag or denial: the kind, rung, time and assertion, the words and why."""
    return {
        "turn": flag.turn,
        "speaker": flag.speaker,
        "risk": flag.risk,
        "words": list(flag.words),
        "severity": flag.severity,
        "temporal": flag.temporal,
        "asserted": flag.asserted,
        "reason": flag.reason,
        "context_turn": flag.context_turn,
    }


def risk_reading_dict(reading: RiskReading) -> dict[str, Any]:
    """One risk mention of a turn, flagged or not, with the span behind each part."""
    return {
        "risk": reading.risk,
        "severity": reading.severity,
        "temporal": reading.temporal,
        "asserted": reading.asserted,
        "reason": reading.reason,
        "context_turn": reading.context_turn,
        "evidence": [{"part": e.marker, "start": e.start, "end": e.end} for e in reading.evidence],
    }


def to_dict(analysis: SessionAnalysis) -> dict[str, Any]:
    """Plain JSON-ready data in schema order."""
    s = analysis.session
    return {
        "schema": SCHEMA_ID,
        "source": analysis.source,
        "format": analysis.format,
        "model": analysis.model,
        "speakers": [{"name": n, "role": r} for n, r in analysis.speakers.items()],
        "turns": [
            {
                "index": t.index,
                "speaker": t.speaker,
                "role": t.role,
                "text": t.text,
                "start": t.start,
                "arousal": t.arousal,
                "certainty": t.certainty,
                "mentalizing": t.mentalizing,
                "focus": t.focus,
                "risk": t.risk,
                "mode": t.mode,
                "intervention": t.intervention,
                "moves": list(t.moves),
                "minimal": t.minimal,
                "risk_detail": [risk_reading_dict(r) for r in t.risk_detail],
                "evidence": [
                    {"marker": e.marker, "start": e.start, "end": e.end} for e in t.evidence
                ],
            }
            for t in analysis.turns
        ],
        "series": [
            {
                "speaker": x.speaker,
                "turns": list(x.turns),
                "arousal": list(x.arousal),
                "mentalizing": list(x.mentalizing),
                "arousal_smoothed": list(x.arousal_smoothed),
                "mentalizing_smoothed": list(x.mentalizing_smoothed),
            }
            for x in analysis.series
        ],
        "episodes": [episode_dict(e) for e in analysis.episodes],
        "session": {
            "calibration": s.calibration,
            "stance": s.stance,
            "intervention_counts": dict(s.intervention_counts),
            "ruptures": [
                {"turn": r.turn, "speaker": r.speaker, "kind": r.kind} for r in s.ruptures
            ],
            "repairs": [{"turn": r.turn, "rupture_turn": r.rupture_turn} for r in s.repairs],
            "risk_flags": [risk_flag_dict(f) for f in s.risk_flags],
            "risk_denials": [risk_flag_dict(f) for f in s.risk_denials],
        },
        "recommendation": {
            "level": analysis.recommendation.level,
            "label": analysis.recommendation.label,
            "reason": analysis.recommendation.reason,
        },
    }


def to_json(analysis: SessionAnalysis, indent: int | None = 2) -> str:
    return json.dumps(to_dict(analysis), indent=indent, ensure_ascii=False)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``mentalize.session/1``."""
    schema_file = resources.files("mentalize.outputs").joinpath("session.schema.json")
    text = schema_file.read_text(encoding="utf-8")
    return json.loads(text)


def write_atomic(path: str | os.PathLike[str], content: str) -> None:
    """Write ``content`` to ``path`` via a temporary file in the same folder and a rename, so a
    crash or full disk never leaves a half-written report."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(analysis: SessionAnalysis, path: str | os.PathLike[str]) -> None:
    write_atomic(path, to_json(analysis) + "\n")
