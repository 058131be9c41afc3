"""Who may see and change which record: the one place the clinic decides it.

    clinician    reads and writes their own patients and everything under them
    supervisor   reads their supervisees' patients; writes nothing
    admin        no clinical records at all (accounts only, in the admin site)

Psychotherapy notes are narrower still: only the patient's own clinician reads or writes them.

Views and the API fetch every clinical row through :func:`get_for`; a row the user may not see
answers 404 (whether it exists is itself private), and a row they may see but not change answers
403. Nothing else in the web package filters by user. The one door without a user is a patient's
one-time questionnaire link (:mod:`mentalize.web.questionnaire_links.services`): its token
allows one submission of one questionnaire for one patient, and no read at all.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from mentalize.web.accounts.models import Role
from mentalize.web.records.models import Patient, PsychotherapyNote

M = TypeVar("M", bound=models.Model)


def visible_patients(user: Any) -> models.QuerySet[Patient]:
    """The patients ``user`` may read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if user.role == Role.CLINICIAN:
        return Patient.objects.filter(clinician=user)
    if user.role == Role.SUPERVISOR:
        return Patient.objects.filter(clinician__supervisor=user, clinician__role=Role.CLINICIAN)
    return Patient.objects.none()


def writable_patients(user: Any) -> models.QuerySet[Patient]:
    """The patients ``user`` may change (and add records to): a clinician's own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if user.role == Role.CLINICIAN:
        return Patient.objects.filter(clinician=user)
    return Patient.objects.none()


def can_create_patients(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.CLINICIAN)


def _patient_filter(
    model: type[models.Model], patients: models.QuerySet[Patient]
) -> dict[str, Any]:
    if model is Patient:
        return {"pk__in": patients.values("pk")}
    return {"patient__in": patients.values("pk")}


def visible(user: Any, model: type[M]) -> models.QuerySet[M]:
    """All rows of ``model`` that ``user`` may read."""
    if model is PsychotherapyNote:
        return model.objects.filter(**_patient_filter(model, writable_patients(user)))
    return model.objects.filter(**_patient_filter(model, visible_patients(user)))


def get_for(
    user: Any, model: type[M], pk: Any, *, write: bool = False, defer: tuple[str, ...] = ()
) -> M:
    """The row, if ``user`` may read it (else 404) and, with ``write``, change it (else 403).

    ``defer`` names columns the caller does not need (a session's transcript, analysis and
    report are large and decrypted on load; a status poll needs none of them)."""
    try:
        obj = visible(user, model).defer(*defer).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None
    if write and not can_write(user, obj):
        raise PermissionDenied("Read-only access.")
    return obj


def can_write(user: Any, obj: models.Model) -> bool:
    """Whether ``user`` may change ``obj`` or add records under it."""
    patient_id = obj.pk if isinstance(obj, Patient) else obj.patient_id
    return writable_patients(user).filter(pk=patient_id).exists()


def can_read_psychotherapy_notes(user: Any, patient: Patient) -> bool:
    return writable_patients(user).filter(pk=patient.pk).exists()
