"""The API's request and response bodies as typed models: the OpenAPI document's components are
generated from them (:func:`component_schemas`), so the description of a body and its type are
one thing.

Why pydantic rather than django-ninja: the API is plain Django views, kept as they are (their
scoping, audit and error handling are tested); pydantic only describes the bodies, and it is
already a dependency of the package (it checks instrument files' shape). The views still build
plain dicts; ``tests/web/test_openapi.py`` validates what they send against these schemas.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from typing_extensions import TypeAliasType

from mentalize.transcript import formats
from mentalize.web.records.forms import INSTRUMENTS
from mentalize.web.records.models import AlertReview as AlertReviewRow

__all__ = ["component_schemas"]

AnalysisStatus = TypeAliasType(
    "AnalysisStatus",
    Annotated[
        Literal["pending", "running", "done", "failed"],
        Field(
            description="Where the session's analysis stands: queued, being analysed, done (the "
            "analysis can be read), or failed (see analysis_error)."
        ),
    ],
)


class Error(BaseModel):
    error: str = Field(description="What is wrong, in a sentence.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per-field messages, when a submitted object was invalid.",
    )


class PatientSummary(BaseModel):
    id: int
    code: str = Field(description="Pseudonymous code.")
    clinician: str = Field(description="The owning clinician's name.")


class PatientList(BaseModel):
    patients: list[PatientSummary]


class PatientCreate(BaseModel):
    code: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
        description="Pseudonymous code, unique in the clinic; no names.",
    )
    name: str | None = Field(None, max_length=200, description="Optional; stored encrypted.")


class PatientSession(BaseModel):
    id: int
    date: dt.date
    turns: int
    analysis_status: AnalysisStatus


class Patient(BaseModel):
    id: int
    code: str
    name: str | None
    clinician: str
    sessions: list[PatientSession]


class SessionUpload(BaseModel):
    transcript: str = Field(
        description=f"The transcript file ({formats.file_types()}; UTF-8; up to 5 MiB).",
        json_schema_extra={"contentMediaType": "application/octet-stream"},
    )
    date: dt.date = Field(None, description="Session date; default today.")  # type: ignore[assignment]
    format: str = Field(  # type: ignore[assignment]
        None,
        description="Default: from the file name's extension, else detected.",
        json_schema_extra={"enum": list(formats.FORMATS)},
    )


class Session(BaseModel):
    id: int
    patient: int
    date: dt.date
    turns: int
    analysis_status: AnalysisStatus
    analysis_error: str | None = Field(
        description="One line saying why the analysis failed (never transcript text); null "
        "unless analysis_status is failed."
    )
    url: str = Field(description="Path of this session (poll it).")
    analysis: str = Field(description="Path of the analysis.")


class AnalysisNotReady(BaseModel):
    error: str
    analysis_status: AnalysisStatus


class QuestionnaireCreate(BaseModel):
    instrument: str = Field(json_schema_extra={"enum": list(INSTRUMENTS)})
    answers: list[int] = Field(
        description="One answer per item, in item order; the instrument engine checks the count "
        "and range."
    )
    date: dt.date = Field(None, description="Default: today.")  # type: ignore[assignment]


class ScoreBand(BaseModel):
    id: str = ""
    label: str = ""
    scale: str = ""
    min: float = 0.0
    max: float = 0.0


class ScoreFlag(BaseModel):
    id: str = ""
    item: int = 0
    answer: int = 0
    severity: Literal["risk", "caution"] = "caution"
    message: str = ""


class ScoreResult(BaseModel):
    """The instrument engine's result (mentalize.instruments ScoreResult). A screening aid that
    supports clinical judgement; not a diagnosis."""

    instrument: str
    version: str
    answers: list[int]
    scores: dict[str, float]
    band: ScoreBand | None = None
    flags: list[ScoreFlag]
    interpretation: str


class Questionnaire(BaseModel):
    id: int
    patient: int
    instrument: str
    version: str
    date: dt.date
    result: ScoreResult


class OverviewSession(BaseModel):
    id: int = 0
    date: dt.date = dt.date.min
    mentalizing: float | None = None
    arousal: float | None = None
    calibration: float | None = None
    stance: float | None = None
    patient_turns: int = 0
    risk_flags: int = 0
    risk_kinds: dict[str, int] = Field(default_factory=dict)
    risk_rungs: dict[str, str] = Field(
        default_factory=dict, description="Per kind of risk, the highest rung flagged."
    )


class OverviewScale(BaseModel):
    """One scale of one instrument over time."""

    instrument: str = ""
    scale: str = ""
    label: str = ""
    points: list[dict[str, Any]] = Field(default_factory=list)


class OverviewEvent(BaseModel):
    id: int = 0
    date: dt.date = dt.date.min
    kind: str = ""


class OverviewAlert(BaseModel):
    kind: str = ""
    date: dt.date = dt.date.min
    message: str = ""
    url: str | None = None


class Overview(BaseModel):
    """The patient overview's series and alerts (what the overview page charts): per-session
    readings, questionnaire scores with reliable change against the first administration,
    outcome events, and alerts."""

    patient: int
    today: dt.date = dt.date.min
    baseline: str = ""
    sessions: list[OverviewSession]
    questionnaires: list[OverviewScale]
    outcome_events: list[OverviewEvent]
    alerts: list[OverviewAlert]


class AlertReview(BaseModel):
    """A clinician's review of one overview alert. Alerts are computed, not stored: the review
    names its alert by ``kind`` and ``source_id``, the row that raised it."""

    id: int
    kind: str = Field(
        description="outcome (an outcome event), questionnaire_flag (a critical item), "
        "risk_flags (risk language in a session) or deterioration (reliable deterioration).",
        json_schema_extra={"enum": list(AlertReviewRow.Kind.values)},
    )
    alert_date: dt.date = Field(description="The alert's own date: that of the row that raised it.")
    source_id: int = Field(
        description="Id of the row that raised the alert: the outcome event, the questionnaire "
        "administration or the session, by kind."
    )
    note: str = Field(description="The reviewing clinician's note; empty when none was written.")
    reviewed_by: str = Field(description="Who reviewed it (the treating clinician's name).")
    reviewed_at: dt.datetime


class AlertReviewList(BaseModel):
    """Every review of the patient's alerts, newest first; reviews are never edited or removed."""

    patient: int
    alert_reviews: list[AlertReview]


class SupervisionComment(BaseModel):
    id: int
    author: str = Field(description="The supervisor who wrote it.")
    created_at: dt.datetime
    session: int | None = Field(
        description="Id of the session the comment is about; null for the treatment in general "
        "(or when that session was deleted)."
    )
    text: str


class SupervisionCommentList(BaseModel):
    """The supervisor's comments on the patient, newest first; never edited or removed."""

    patient: int
    supervision_comments: list[SupervisionComment]


_MODELS: tuple[type[BaseModel], ...] = (
    Error,
    PatientList,
    PatientCreate,
    Patient,
    SessionUpload,
    Session,
    AnalysisNotReady,
    QuestionnaireCreate,
    Questionnaire,
    Overview,
    AlertReviewList,
    SupervisionCommentList,
)


def _tidy(node: Any, parent: str | None = None) -> Any:
    """Drop what the generator adds for Python's sake: titles and defaults (a body's optional
    field is simply not required; its default is the server's business)."""
    if isinstance(node, dict):
        return {
            key: _tidy(value, key)
            for key, value in node.items()
            if parent == "properties" or key not in ("title", "default")
        }
    if isinstance(node, list):
        return [_tidy(value) for value in node]
    return node


def component_schemas() -> dict[str, Any]:
    """Every body's JSON Schema, keyed by name, with references between them pointing at
    ``#/components/schemas/``."""
    _, top = models_json_schema(
        [(model, "serialization") for model in _MODELS],
        ref_template="#/components/schemas/{model}",
    )
    return _tidy(top.get("$defs", {}))
