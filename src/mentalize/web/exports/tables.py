"""A patient's record as a zip of tidy CSV tables: one row per observation, one file per kind.

Why a zip of several tables rather than one CSV: sessions, scores and events have different
columns, and a single wide file would be mostly empty cells; tidy tables load straight into R or
pandas and join on their id columns. The zip is built in memory (``zipfile`` over ``BytesIO``).
Column names are documented in ``docs/clinic.md`` and in :data:`COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from mentalize.outputs.figures import session_figures
from mentalize.outputs.schema import from_json
from mentalize.web.exports import csv_safe
from mentalize.web.exports.record import PatientRecord
from mentalize.web.records import crisis_plan

COLUMNS: dict[str, tuple[str, ...]] = {
    "patient.csv": ("patient_id", "code", "name", "clinician", "exported_at", "exported_by"),
    "treatments.csv": (
        "treatment_id",
        "modality",
        "frequency",
        "start",
        "planned_end",
        "status",
    ),
    "sessions.csv": (
        "session_id",
        "treatment_id",
        "date",
        "turns",
        "source_format",
        "patient_mentalizing_mean",
        "patient_arousal_mean",
        "calibration",
        "stance",
        "ruptures",
        "repairs",
        "risk_flags",
        "recommendation_level",
    ),
    "questionnaire_scores.csv": (
        "administration_id",
        "treatment_id",
        "date",
        "instrument",
        "instrument_version",
        "scale",
        "score",
        "band",
        "flags",
    ),
    "questionnaire_answers.csv": ("administration_id", "instrument", "item", "answer"),
    "outcome_events.csv": (
        "event_id",
        "treatment_id",
        "date",
        "kind",
        "severity",
        "session_id",
        "note",
    ),
    "crisis_plans.csv": (
        "treatment_id",
        "version",
        "created_at",
        "author",
        "patient_can_do",
        "professionals_do",
        "information_for_others",
        "crisis_description",
        "contacts",
        "review_date",
    ),
    "clinician_notes.csv": ("note_id", "session_id", "created_at", "author", "text"),
    "alert_reviews.csv": (
        "review_id",
        "kind",
        "alert_date",
        "source_id",
        "reviewed_by",
        "reviewed_at",
        "note",
    ),
    "supervision_comments.csv": ("comment_id", "session_id", "created_at", "author", "text"),
    "psychotherapy_notes.csv": ("note_id", "session_id", "created_at", "author", "text"),
}


def _figure(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def _session_row(s: Any) -> list[Any]:
    ids = [s.pk, s.treatment_id or "", s.date.isoformat(), s.turns, s.source_format]
    if not s.analysed:
        return ids + [""] * 8  # empty cells until analysed
    analysis = from_json(s.analysis_json, source="stored analysis")
    # The same figures the overview shows (one function of the typed analysis), so an export and
    # the screen never disagree on one session.
    figures = session_figures(analysis)
    summary = analysis.session
    return [
        *ids,
        _figure(figures.mentalizing),
        _figure(figures.arousal),
        "" if figures.calibration is None else figures.calibration,
        "" if figures.stance is None else figures.stance,
        len(summary.ruptures),
        len(summary.repairs),
        len(summary.risk_flags),
        analysis.recommendation.level,
    ]


def tables(exported: PatientRecord) -> dict[str, list[list[Any]]]:
    """Each file's rows (without the header), in :data:`COLUMNS` order."""
    p = exported.patient
    out: dict[str, list[list[Any]]] = {
        "patient.csv": [
            [
                p.pk,
                p.code,
                p.name or "",
                p.clinician.username,
                exported.exported_at.isoformat(timespec="seconds"),
                exported.exported_by.username,
            ]
        ],
        "treatments.csv": [
            [t.pk, t.modality, t.frequency, t.start, t.planned_end or "", t.status]
            for t in exported.treatments
        ],
        "sessions.csv": [_session_row(s) for s in exported.sessions],
        "questionnaire_scores.csv": [],
        "questionnaire_answers.csv": [],
        "outcome_events.csv": [
            [
                o.pk,
                o.treatment_id or "",
                o.date,
                o.kind,
                o.severity,
                o.session_id or "",
                o.note or "",
            ]
            for o in exported.outcomes
        ],
        "crisis_plans.csv": [
            [
                v.treatment_id,
                v.version,
                v.created_at.isoformat(timespec="seconds"),
                v.author.username,
                v.patient_can_do,
                v.professionals_do,
                v.information_for_others,
                v.crisis_description or "",
                # One cell: "name (role): phone" per contact, separated by "; ".
                "; ".join(c.line() for c in crisis_plan.contacts_from(v.contacts)),
                v.review_date or "",
            ]
            for v in exported.crisis_plans
        ],
        "clinician_notes.csv": [_note_row(n) for n in exported.clinician_notes],
        "alert_reviews.csv": [
            [
                r.pk,
                r.kind,
                r.alert_date,
                r.source_id,
                r.reviewed_by.username,
                r.reviewed_at.isoformat(timespec="seconds"),
                r.note or "",
            ]
            for r in exported.alert_reviews
        ],
        "supervision_comments.csv": [
            [
                c.pk,
                c.session_id or "",
                c.created_at.isoformat(timespec="seconds"),
                c.author.username,
                c.text,
            ]
            for c in exported.supervision_comments
        ],
    }
    for q in exported.questionnaires:
        result = json.loads(q.result)
        band = result.get("band") or {}
        flags = ";".join(f["id"] for f in result.get("flags") or [])
        for scale, score in result["scores"].items():
            out["questionnaire_scores.csv"].append(
                [
                    q.pk,
                    q.treatment_id or "",
                    q.date,
                    q.instrument,
                    q.instrument_version,
                    scale,
                    score,
                    band.get("label", "") if band.get("scale") == scale else "",
                    flags,
                ]
            )
        for item, answer in enumerate(json.loads(q.answers), start=1):
            out["questionnaire_answers.csv"].append([q.pk, q.instrument, item, answer])
    if exported.psychotherapy_notes is not None:
        out["psychotherapy_notes.csv"] = [_note_row(n) for n in exported.psychotherapy_notes]
    return out


def _note_row(n: Any) -> list[Any]:
    return [
        n.pk,
        n.session_id,
        n.created_at.isoformat(timespec="seconds"),
        n.author.username,
        n.text,
    ]


def to_zip(exported: PatientRecord) -> bytes:
    """The tables as UTF-8 CSV files (header row first) in one zip, built in memory; text
    cells are made formula-safe (:mod:`.csv_safe`), so a note cannot become a live formula."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables(exported).items():
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(COLUMNS[name])
            # Text that a spreadsheet would run as a formula is quoted; numbers stay numbers.
            writer.writerows(csv_safe.row(r) for r in rows)
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()
