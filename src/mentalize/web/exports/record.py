"""What an export contains, who may make one, and the audit trail it leaves.

Exports follow reads: whoever may read a patient may export the record (the owning clinician,
and their supervisor read-only), and an admin, who reads no clinical record, cannot. Psychotherapy
notes are left out unless asked for, and only the patient's own clinician may ask; they are
fetched through ``scoping.visible`` as well, so even a request that slipped past the check would
find none for anyone else.

Every exported row gets an audit entry (action ``export``), after one entry for the patient that
marks the export itself. Psychotherapy notes are audited under their own action,
``export_psychotherapy_notes``: once on the patient when they were chosen (even if there are
none), and once per note exported, so "were psychotherapy notes ever exported?" is one filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from mentalize.web.audit.chain import Action, record
from mentalize.web.records import scoping
from mentalize.web.records.models import (
    AlertReview,
    ClinicianNote,
    CrisisPlanVersion,
    OutcomeEvent,
    Patient,
    PsychotherapyNote,
    QuestionnaireAdministration,
    Session,
    SupervisionComment,
    Treatment,
)

FORMATS = ("fhir", "csv")


@dataclass(frozen=True)
class PatientRecord:
    """One patient's rows as the exporting user may see them, oldest first."""

    patient: Patient
    treatments: list[Treatment]
    sessions: list[Session]
    clinician_notes: list[ClinicianNote]
    psychotherapy_notes: list[PsychotherapyNote] | None
    """``None`` when not chosen: the export says nothing about them, not even a count."""
    crisis_plans: list[CrisisPlanVersion]
    questionnaires: list[QuestionnaireAdministration]
    outcomes: list[OutcomeEvent]
    alert_reviews: list[AlertReview]
    """Who reviewed which overview alert, when, and their note (issue 19)."""
    supervision_comments: list[SupervisionComment]
    """The supervisor's comments: part of the record the clinician and supervisor both read."""
    exported_by: Any
    exported_at: datetime

    def rows(self) -> list[models.Model]:
        """Every exported row except psychotherapy notes, in the order they are audited."""
        return [
            self.patient,
            *self.treatments,
            *self.sessions,
            *self.clinician_notes,
            *self.crisis_plans,
            *self.questionnaires,
            *self.outcomes,
            *self.alert_reviews,
            *self.supervision_comments,
        ]


def _rows(user: Any, model: type[models.Model], patient: Patient, *order: str) -> list[Any]:
    return list(scoping.visible(user, model).filter(patient=patient).order_by(*order, "pk"))


def collect(user: Any, pk: Any, *, psychotherapy_notes: bool = False) -> PatientRecord:
    """The record of patient ``pk``: 404 if ``user`` may not read it; 403 when psychotherapy
    notes are asked for by anyone but the patient's own clinician."""
    patient = scoping.get_for(user, Patient, pk)
    if psychotherapy_notes and not scoping.can_read_psychotherapy_notes(user, patient):
        raise PermissionDenied("Only the patient's own clinician may export psychotherapy notes.")
    return PatientRecord(
        patient=patient,
        treatments=_rows(user, Treatment, patient, "start"),
        sessions=_rows(user, Session, patient, "date"),
        clinician_notes=_rows(user, ClinicianNote, patient, "created_at"),
        psychotherapy_notes=(
            _rows(user, PsychotherapyNote, patient, "created_at") if psychotherapy_notes else None
        ),
        crisis_plans=_rows(user, CrisisPlanVersion, patient, "treatment_id", "version"),
        questionnaires=_rows(user, QuestionnaireAdministration, patient, "date"),
        outcomes=_rows(user, OutcomeEvent, patient, "date"),
        alert_reviews=_rows(user, AlertReview, patient, "reviewed_at"),
        supervision_comments=_rows(user, SupervisionComment, patient, "created_at"),
        exported_by=user,
        exported_at=timezone.now(),
    )


def audit_export(user: Any, exported: PatientRecord) -> None:
    """Write the export's audit entries in one transaction (before the download is sent)."""
    with transaction.atomic():
        for row in exported.rows():
            record(user, Action.EXPORT, row)
        if exported.psychotherapy_notes is not None:
            record(user, Action.EXPORT_PSYCHOTHERAPY_NOTES, exported.patient)
            for note in exported.psychotherapy_notes:
                record(user, Action.EXPORT_PSYCHOTHERAPY_NOTES, note)
