"""Flat rows from a :class:`SessionAnalysis`: the ``turns`` and ``sessions`` tables of a batch run.

One place defines the columns, their order and their types, so every engine (local processes,
Dask), every output format (CSV, Parquet) and the pandas interop write the same tables. Nested
fields become JSON strings (evidence, speakers, ruptures, ...) or ``;``-joined names (``moves``),
so a CSV and a Parquet file of the same run hold the same values. Documented in ``docs/batch.md``;
the column list is part of the public contract: add columns at the end, never rename.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from mentalize.analysis.results import (
    INTERVENTIONS,
    SessionAnalysis,
    TurnAnalysis,
)
from mentalize.outputs.figures import reader_balance
from mentalize.outputs.schema import (
    episode_dict,
    profile_dict,
    risk_flag_dict,
    risk_reading_dict,
)

ColumnType = Literal["string", "int", "float", "bool"]

#: ``turns`` table: one row per turn. ``text_id`` is the id column of a ``--texts`` source
#: (empty for transcripts); ``turn`` is the turn's index within its source (0-based).
TURN_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("source", "string"),
    ("text_id", "string"),
    ("turn", "int"),
    ("speaker", "string"),
    ("role", "string"),
    ("text", "string"),
    ("start", "float"),
    ("arousal", "float"),
    ("certainty", "float"),
    ("mentalizing", "float"),
    ("focus", "string"),
    ("risk", "string"),
    ("risk_severity", "string"),
    ("risk_temporal", "string"),
    ("risk_detail", "string"),
    ("mode", "string"),
    ("intervention", "string"),
    ("moves", "string"),
    ("minimal", "bool"),
    ("markers", "string"),
    ("evidence", "string"),
    # The trained reader (empty on markers alone): docs/codebook.md's scales.
    ("rf_level", "float"),
    ("valence", "float"),
    ("strain", "string"),
    ("self_other", "string"),
    ("cognitive_affective", "string"),
    ("internal_external", "string"),
    ("automatic_controlled", "string"),
    ("mbt_level", "float"),
    ("repair", "bool"),
)

#: ``sessions`` table: one row per transcript.
SESSION_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("source", "string"),
    ("sha256", "string"),
    ("format", "string"),
    ("model", "string"),
    ("turns", "int"),
    ("speakers", "string"),
    ("calibration", "float"),
    ("stance", "float"),
    *((f"n_{name}", "int") for name in INTERVENTIONS),
    ("episodes", "int"),
    ("ruptures", "int"),
    ("repairs", "int"),
    ("risk_flags", "int"),
    ("risk_denials", "int"),
    ("recommendation_level", "int"),
    ("recommendation_label", "string"),
    ("recommendation_reason", "string"),
    ("episodes_json", "string"),
    ("ruptures_json", "string"),
    ("repairs_json", "string"),
    ("risk_flags_json", "string"),
    ("risk_denials_json", "string"),
    ("hyper_share", "float"),
    ("hypo_share", "float"),
    ("profiles_json", "string"),
)

TURN_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in TURN_COLUMNS)
SESSION_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in SESSION_COLUMNS)

READER_COLUMNS: tuple[str, ...] = tuple(name for name, _ in TURN_COLUMNS[-9:])
"""The ``turns`` columns taken from the trained reader's labels of the turn."""

#: Separator of the ``moves`` and ``markers`` columns (intervention and marker names never hold it).
LIST_SEPARATOR = ";"


def _json(value: Any) -> str:
    """Compact, key-ordered JSON, so equal values always give equal strings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def turn_row(turn: TurnAnalysis, source: str, text_id: str | None = None) -> dict[str, Any]:
    """One ``turns`` row: every per-turn field of ``mentalize.session/1``, flattened.

    ``markers`` lists the distinct marker names that fired, in first-seen order (easy to filter
    on); ``evidence`` keeps every span as JSON ``[{"marker", "start", "end"}]`` offsets into
    ``text``.
    """
    lead = turn.risk_lead
    seen: dict[str, None] = {}
    for e in turn.evidence:
        seen.setdefault(e.marker, None)
    return {
        "source": source,
        "text_id": text_id,
        "turn": turn.index,
        "speaker": turn.speaker,
        "role": turn.role,
        "text": turn.text,
        "start": turn.start,
        "arousal": turn.arousal,
        "certainty": turn.certainty,
        "mentalizing": turn.mentalizing,
        "focus": turn.focus,
        "risk": turn.risk,
        "risk_severity": lead.severity if lead is not None else None,
        "risk_temporal": lead.temporal if lead is not None else None,
        "risk_detail": _json([risk_reading_dict(r) for r in turn.risk_detail]),
        "mode": turn.mode,
        "intervention": turn.intervention,
        "moves": LIST_SEPARATOR.join(turn.moves),
        "minimal": turn.minimal,
        "markers": LIST_SEPARATOR.join(seen),
        "evidence": _json(
            [{"marker": e.marker, "start": e.start, "end": e.end} for e in turn.evidence]
        ),
        **{name: getattr(turn.reading, name, None) for name in READER_COLUMNS},
    }


def turn_rows(analysis: SessionAnalysis, source: str | None = None) -> list[dict[str, Any]]:
    """The ``turns`` rows of one session, in turn order (``source`` defaults to the analysis's)."""
    name = analysis.source if source is None else source
    return [turn_row(t, name) for t in analysis.turns]


def session_row(
    analysis: SessionAnalysis, source: str | None = None, sha256: str | None = None
) -> dict[str, Any]:
    """The ``sessions`` row of one session: session-level fields, with counts as columns and the
    nested lists (episodes, ruptures, repairs, risk flags) as JSON strings. Per-patient series
    are left out: they are the ``turns`` table's arousal/mentalizing, smoothed."""
    s = analysis.session
    counts = s.intervention_counts
    row: dict[str, Any] = {
        "source": analysis.source if source is None else source,
        "sha256": sha256,
        "format": analysis.format,
        "model": analysis.model,
        "turns": len(analysis.turns),
        "speakers": _json([{"name": n, "role": r} for n, r in analysis.speakers.items()]),
        "calibration": s.calibration,
        "stance": s.stance,
    }
    for name in INTERVENTIONS:
        row[f"n_{name}"] = int(counts.get(name, 0))
    hyper, hypo = reader_balance(s.profiles)
    row.update(
        {
            "episodes": len(analysis.episodes),
            "ruptures": len(s.ruptures),
            "repairs": len(s.repairs),
            "risk_flags": len(s.risk_flags),
            "risk_denials": len(s.risk_denials),
            "recommendation_level": analysis.recommendation.level,
            "recommendation_label": analysis.recommendation.label,
            "recommendation_reason": analysis.recommendation.reason,
            "episodes_json": _json([episode_dict(e) for e in analysis.episodes]),
            "ruptures_json": _json(
                [{"turn": r.turn, "speaker": r.speaker, "kind": r.kind} for r in s.ruptures]
            ),
            "repairs_json": _json(
                [{"turn": r.turn, "rupture_turn": r.rupture_turn} for r in s.repairs]
            ),
            "risk_flags_json": _json([risk_flag_dict(f) for f in s.risk_flags]),
            "risk_denials_json": _json([risk_flag_dict(f) for f in s.risk_denials]),
            "hyper_share": hyper,
            "hypo_share": hypo,
            "profiles_json": _json([profile_dict(p) for p in s.profiles]),
        }
    )
    return row
