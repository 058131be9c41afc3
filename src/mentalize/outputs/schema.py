"""The versioned JSON form of a :class:`SessionAnalysis` (``mentalize.session/1``).

Documented in ``docs/schema.md``; the JSON Schema itself ships as ``session.schema.json`` so
researchers can validate files without importing mentalize.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

from mentalize.analysis.results import (
    Episode,
    Evidence,
    MBTReading,
    Phase,
    ReadingProfile,
    Recommendation,
    Repair,
    RiskFlag,
    RiskReading,
    Rupture,
    Series,
    SessionAnalysis,
    SessionSummary,
    TurnAnalysis,
    TurningPoint,
)
from mentalize.errors import InputError
from mentalize.files import write_atomic

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
        "peak_turn": e.peak_turn,
        "recovery_turn": e.recovery_turn,
        "turning_points": [{"turn": t.turn, "kind": t.kind} for t in e.turning_points],
        "phases": [
            {"start_turn": x.start_turn, "end_turn": x.end_turn, "peak_turn": x.peak_turn}
            for x in e.phases
        ],
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


READING_FIELDS: tuple[str, ...] = (
    "mode",
    "mode_p",
    "rf_level",
    "self_other",
    "cognitive_affective",
    "internal_external",
    "automatic_controlled",
    "arousal",
    "valence",
    "certainty_about_minds",
    "strain",
    "strain_p",
    "intervention",
    "mbt_level",
    "repair",
    "repair_p",
    "stance",
)
"""The trained reader's fields, in schema order (``null`` where a field is for the other role)."""


def reading_dict(reading: MBTReading | None) -> dict[str, Any] | None:
    """The trained reader's labels of one turn, with the markers that agreed with each."""
    if reading is None:
        return None
    out: dict[str, Any] = {name: getattr(reading, name) for name in READING_FIELDS}
    out["evidence"] = [{"reading": n, "markers": list(m)} for n, m in reading.evidence]
    return out


def profile_dict(p: ReadingProfile) -> dict[str, Any]:
    """One patient's polarity profile and hyper/hypo balance."""
    return {
        "speaker": p.speaker,
        "turns": p.turns,
        "polarities": {k: dict(v) for k, v in p.polarities.items()},
        "hyper": p.hyper,
        "hypo": p.hypo,
        "rf_level": p.rf_level,
        "valence": p.valence,
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
                "number": t.index + 1,  # what people read ("turn 1"); index stays for /1 readers
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
                "reading": reading_dict(t.reading),
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
            "profiles": [profile_dict(p) for p in s.profiles],
        },
        "recommendation": {
            "level": analysis.recommendation.level,
            "label": analysis.recommendation.label,
            "reason": analysis.recommendation.reason,
        },
    }


def to_json(analysis: SessionAnalysis, indent: int | None = 2) -> str:
    return json.dumps(to_dict(analysis), indent=indent, ensure_ascii=False)


class _Fields:
    """Reads one object of a document, naming the path of a missing or mistyped field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise _SchemaError(where, "must be an object")
        self.data, self.where = data, where

    def get(self, name: str, default: Any = ...) -> Any:
        if name in self.data:
            return self.data[name]
        if default is ...:
            raise _SchemaError(f"{self.where}.{name}", "is missing")
        return default

    def items(self, name: str, default: Any = ...) -> list[tuple[str, Any]]:
        value = self.get(name, default)
        if not isinstance(value, list):
            raise _SchemaError(f"{self.where}.{name}", "must be a list")
        return [(f"{self.where}.{name}[{i}]", item) for i, item in enumerate(value)]


class _SchemaError(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where} {problem}")


def _spans(f: _Fields, name: str, part_key: str) -> tuple[Evidence, ...]:
    out = []
    for where, item in f.items(name, []):
        e = _Fields(item, where)
        out.append(Evidence(marker=e.get(part_key), start=e.get("start"), end=e.get("end")))
    return tuple(out)


def _risk_reading(f: _Fields) -> RiskReading:
    return RiskReading(
        risk=f.get("risk"),
        severity=f.get("severity"),
        temporal=f.get("temporal"),
        asserted=f.get("asserted"),
        evidence=_spans(f, "evidence", "part"),
        reason=f.get("reason"),
        context_turn=f.get("context_turn", None),
    )


def _risk_flag(f: _Fields) -> RiskFlag:
    # Flags stored before the risk reader (issue 14) carry kind, turn and words only; the
    # defaults are the values such a flag meant (an asserted, current mention of unstated rung).
    return RiskFlag(
        turn=f.get("turn"),
        speaker=f.get("speaker"),
        risk=f.get("risk"),
        words=tuple(f.get("words")),
        severity=f.get("severity", "unspecified"),
        temporal=f.get("temporal", "current"),
        asserted=f.get("asserted", "asserted"),
        reason=f.get("reason", ""),
        context_turn=f.get("context_turn", None),
    )


def _turn(f: _Fields) -> TurnAnalysis:
    return TurnAnalysis(
        index=f.get("index"),
        speaker=f.get("speaker"),
        role=f.get("role"),
        text=f.get("text"),
        start=f.get("start"),
        arousal=f.get("arousal"),
        certainty=f.get("certainty"),
        mentalizing=f.get("mentalizing"),
        focus=f.get("focus"),
        risk=f.get("risk"),
        mode=f.get("mode"),
        intervention=f.get("intervention"),
        evidence=_spans(f, "evidence", "marker"),
        minimal=f.get("minimal", False),
        moves=tuple(f.get("moves", ())),
        risk_detail=tuple(_risk_reading(_Fields(r, w)) for w, r in f.items("risk_detail", [])),
        reading=_reading(f.get("reading", None), f"{f.where}.reading"),
    )


def _reading(data: Any, where: str) -> MBTReading | None:
    if data is None:
        return None
    f = _Fields(data, where)
    evidence = tuple(
        (_Fields(e, w).get("reading"), tuple(_Fields(e, w).get("markers")))
        for w, e in f.items("evidence", [])
    )
    return MBTReading(**{name: f.get(name, None) for name in READING_FIELDS}, evidence=evidence)


def _profile(f: _Fields) -> ReadingProfile:
    return ReadingProfile(
        speaker=f.get("speaker"),
        turns=f.get("turns"),
        polarities={
            name: dict(_Fields(counts, f"{f.where}.polarities.{name}").data)
            for name, counts in _Fields(f.get("polarities"), f"{f.where}.polarities").data.items()
        },
        hyper=f.get("hyper"),
        hypo=f.get("hypo"),
        rf_level=f.get("rf_level"),
        valence=f.get("valence"),
    )


def _series(f: _Fields) -> Series:
    return Series(
        speaker=f.get("speaker"),
        turns=tuple(f.get("turns")),
        arousal=tuple(f.get("arousal")),
        mentalizing=tuple(f.get("mentalizing")),
        arousal_smoothed=tuple(f.get("arousal_smoothed")),
        mentalizing_smoothed=tuple(f.get("mentalizing_smoothed")),
    )


def _episode(f: _Fields) -> Episode:
    # Episodes stored before issue 19 have no peak, recovery, turning points or phases: they
    # read as unknown (None, empty), never as a recovery or a peak that was not computed.
    return Episode(
        speaker=f.get("speaker"),
        start_turn=f.get("start_turn"),
        end_turn=f.get("end_turn"),
        peak_arousal=f.get("peak_arousal"),
        modes=tuple(f.get("modes")),
        therapist_response=f.get("therapist_response"),
        response_turns=tuple(f.get("response_turns")),
        peak_turn=f.get("peak_turn", None),
        recovery_turn=f.get("recovery_turn", None),
        turning_points=tuple(
            TurningPoint(turn=_Fields(t, w).get("turn"), kind=_Fields(t, w).get("kind"))
            for w, t in f.items("turning_points", [])
        ),
        phases=tuple(_phase(_Fields(x, w)) for w, x in f.items("phases", [])),
    )


def _phase(f: _Fields) -> Phase:
    return Phase(
        start_turn=f.get("start_turn"), end_turn=f.get("end_turn"), peak_turn=f.get("peak_turn")
    )


def _summary(f: _Fields) -> SessionSummary:
    def rupture(r: _Fields) -> Rupture:
        return Rupture(turn=r.get("turn"), speaker=r.get("speaker"), kind=r.get("kind"))

    def repair(r: _Fields) -> Repair:
        return Repair(turn=r.get("turn"), rupture_turn=r.get("rupture_turn"))

    return SessionSummary(
        calibration=f.get("calibration"),
        stance=f.get("stance"),
        intervention_counts=dict(f.get("intervention_counts")),
        ruptures=tuple(rupture(_Fields(r, w)) for w, r in f.items("ruptures")),
        repairs=tuple(repair(_Fields(r, w)) for w, r in f.items("repairs")),
        risk_flags=tuple(_risk_flag(_Fields(r, w)) for w, r in f.items("risk_flags")),
        risk_denials=tuple(_risk_flag(_Fields(r, w)) for w, r in f.items("risk_denials", [])),
        profiles=tuple(_profile(_Fields(p, w)) for w, p in f.items("profiles", [])),
    )


def from_dict(data: Any, source: str = "<document>") -> SessionAnalysis:
    """The inverse of :func:`to_dict`: a ``mentalize.session/1`` document as the typed
    :class:`SessionAnalysis` every output reads, so stored analyses (the clinic's, a batch run's
    JSON) are read by the same code as fresh ones.

    Fields added within ``/1`` after a document was written (``model``, ``moves``, ``minimal``,
    ``risk_detail``, ``risk_denials``, a flag's rung and time, ``reading``, ``profiles``, an
    episode's ``peak_turn``, ``recovery_turn``, ``turning_points`` and ``phases``) take
    the value they meant then.
    Anything else missing or of the wrong shape raises :class:`InputError` naming ``source`` and
    the field's path; the document's text is never quoted.
    """
    try:
        doc = _Fields(data, "document")
        schema = doc.get("schema")
        if schema != SCHEMA_ID:
            raise _SchemaError("schema", f"must be {SCHEMA_ID!r}")
        recommendation = _Fields(doc.get("recommendation"), "recommendation")
        return SessionAnalysis(
            source=doc.get("source"),
            format=doc.get("format"),
            turns=tuple(_turn(_Fields(t, w)) for w, t in doc.items("turns")),
            series=tuple(_series(_Fields(x, w)) for w, x in doc.items("series")),
            episodes=tuple(_episode(_Fields(e, w)) for w, e in doc.items("episodes")),
            session=_summary(_Fields(doc.get("session"), "session")),
            recommendation=Recommendation(
                level=recommendation.get("level"),
                label=recommendation.get("label"),
                reason=recommendation.get("reason"),
            ),
            speakers={
                _Fields(x, w).get("name"): _Fields(x, w).get("role")
                for w, x in doc.items("speakers", [])
            },
            model=doc.get("model", None),
        )
    except _SchemaError as exc:
        raise InputError(source, f"is not a {SCHEMA_ID} document: {exc}") from None
    except TypeError as exc:  # a list where a number belongs, and the like
        raise InputError(
            source, f"is not a {SCHEMA_ID} document: a field has the wrong type ({exc})"
        ) from None


def from_json(text: str, source: str = "<document>") -> SessionAnalysis:
    """:func:`from_dict` of a JSON text (what :func:`to_json` and ``write_json`` wrote)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"is not JSON (line {exc.lineno}, column {exc.colno})") from None
    return from_dict(data, source)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``mentalize.session/1``."""
    schema_file = resources.files("mentalize.outputs").joinpath("session.schema.json")
    text = schema_file.read_text(encoding="utf-8")
    return json.loads(text)


def write_json(analysis: SessionAnalysis, path: str | os.PathLike[str]) -> None:
    write_atomic(path, to_json(analysis) + "\n")
