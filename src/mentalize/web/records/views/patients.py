"""Caseload, patients and treatment episodes."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from mentalize import instruments
from mentalize.web.accounts.models import Role
from mentalize.web.records import overview, scoping, services
from mentalize.web.records.forms import INSTRUMENTS, PatientForm, TreatmentForm
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    Patient,
    QuestionnaireAdministration,
    Treatment,
)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Admins go to account administration; everyone else to their caseload."""
    if request.user.role == Role.ADMIN:
        return redirect("admin:index")
    return redirect("caseload")


@login_required
@require_safe
def caseload(request: HttpRequest) -> HttpResponse:
    """Patient codes, owning clinicians and how many alerts each has (no clinical text)."""
    user = request.user
    patients = list(scoping.visible_patients(user).select_related("clinician"))
    # Counting alerts reads each patient's analyses and scores: one audit entry per patient.
    counts = overview.alert_counts(user, patients)
    for patient in patients:
        patient.alert_count = counts[patient.pk]
    return render(
        request,
        "clinic/caseload.html",
        {"patients": patients, "can_create": scoping.can_create_patients(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    if not scoping.can_create_patients(request.user):
        raise PermissionDenied("Only clinicians add patients.")
    form = PatientForm(request.POST or None, clinician=request.user)
    if request.method == "POST" and form.is_valid():
        # save_patient turns a same-caseload race on the code into the form's own error.
        patient = services.save_patient(request.user, form)
        if patient is not None:
            return redirect("patient", pk=patient.pk)
    return render(request, "clinic/patient_form.html", {"form": form})


def _score_summary(admin: QuestionnaireAdministration) -> tuple[str, str]:
    """The instrument's published short title and its scores as the instrument writes them
    ("RFQ_u 1.00", not "rfq_u 1.0"), for the patient page's table."""
    definition = instruments.load(admin.instrument)
    scores = admin.scored["scores"]
    shown = [
        f"{scale.label.split(' (')[0]} {scores[scale.id]:.{scale.decimals}f}"
        for scale in definition.scales
        if scores.get(scale.id) is not None
    ]
    return definition.short_title, " · ".join(shown)


@login_required
@require_safe
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = scoping.get_for(request.user, Patient, pk)
    treatments = list(patient.treatments.all())
    sessions = list(patient.sessions.select_related("treatment").defer(*SESSION_TEXT_FIELDS))
    questionnaires = list(patient.questionnaires.all())
    outcomes = list(patient.outcome_events.all())
    # Which alerts are reviewed (the notes themselves are shown on the overview, not here).
    reviews = list(patient.alert_reviews.defer("note"))
    for admin in questionnaires:
        admin.scored = json.loads(admin.result)
        admin.title, admin.shown_scores = _score_summary(admin)
    services.audit_reads(
        request.user, [patient, *treatments, *sessions, *questionnaires, *outcomes, *reviews]
    )
    found = overview.compute(patient, sessions, questionnaires, outcomes, reviews=reviews)
    return render(
        request,
        "clinic/patient.html",
        {
            "patient": patient,
            "treatments": treatments,
            "sessions": sessions,
            "questionnaires": questionnaires,
            "outcomes": outcomes,
            "instruments": [(i, instruments.load(i).short_title) for i in INSTRUMENTS],
            "can_write": scoping.can_write(request.user, patient),
            # Open alerts from the rows read (and audited) above; the overview page charts them
            # and lists the reviewed ones.
            "alerts": found.alerts,
            "reviewed_count": len(found.reviewed),
            "window_days": overview.ALERT_WINDOW_DAYS,
            "back": "patient",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def treatment_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    form = TreatmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create(request.user, Treatment, patient=patient, **form.cleaned_data)
        return redirect("patient", pk=patient.pk)
    return render(request, "clinic/treatment_form.html", {"form": form, "patient": patient})
