"""Caseload, patients and treatment episodes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from mentalize import instruments
from mentalize.web.accounts.models import Role
from mentalize.web.records import caseload as caseload_rows
from mentalize.web.records import overview, scoping, services
from mentalize.web.records.forms import INSTRUMENTS, PatientForm, TreatmentForm
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    Patient,
    QuestionnaireAdministration,
    Session,
    SupervisionComment,
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
    """The patients the user may read, one row each (no clinical text): last session, latest
    questionnaire scores with their change, episode, next review and open alerts.

    ``?q=`` narrows to codes containing it; ``?sort=`` names a column of
    :data:`.caseload.SORTS` (``-`` before it for the other direction). A search no code could
    match says so in one line and lists everyone; an unknown sort is the default order.
    """
    user = request.user
    query, problem = caseload_rows.clean_query(request.GET.get("q"))
    # One audit entry per patient listed, standing for the rows its line was drawn from.
    found = caseload_rows.build(user, query)
    rows, sort = caseload_rows.order(found.rows, request.GET.get("sort"))
    return render(
        request,
        "clinic/caseload.html",
        {
            "rows": rows,
            "columns": _columns(query, sort, several=found.clinicians > 1),
            "several_clinicians": found.clinicians > 1,
            "query": query,
            "raw_query": request.GET.get("q", "")[:100] if problem else query,
            "problem": problem,
            "sort": sort,
            "total": found.total,
            "can_create": scoping.can_create_patients(user),
        },
    )


def _columns(query: str, sort: str, *, several: bool) -> list[dict[str, str]]:
    """Each column's header: its sort link (the first click sorts the way that puts what needs
    attention first; a second click turns it round) and its ``aria-sort`` when it is sorted."""
    out = []
    for name, column in caseload_rows.SORTS.items():
        if name == "clinician" and not several:
            continue
        link = f"-{name}" if sort == name else name
        params = {"sort": link, **({"q": query} if query else {})}
        current = sort.removeprefix("-") == name
        aria = ""
        if current:
            aria = "descending" if caseload_rows.descending(sort) else "ascending"
        out.append(
            {"name": name, "label": column.label, "url": "?" + urlencode(params), "aria": aria}
        )
    return out


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
    comments, comment_count = _latest_supervision_comments(request.user, patient, sessions)
    services.audit_reads(
        request.user,
        [patient, *treatments, *sessions, *questionnaires, *outcomes, *reviews, *comments],
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
            "supervision_comments": comments,
            "supervision_count": comment_count,
        },
    )


SUPERVISION_SHOWN = 3
"""Supervision comments shown on the patient page; the supervision page lists them all."""


def _latest_supervision_comments(
    user: Any, patient: Patient, sessions: list[Session]
) -> tuple[list[SupervisionComment], int]:
    """The patient's newest supervision comments and how many there are in all.

    Read as the supervision page reads them (:func:`.supervision.comments`: through scoping, so
    the treating clinician and their supervisor see them and nobody else reaches the page); the
    caller audits each one shown. A comment's session is taken from the sessions the page has
    read (and audits) already, so no session row is read twice or with its transcript.
    """
    found = scoping.visible(user, SupervisionComment).filter(patient=patient)
    shown = list(found.select_related("author")[:SUPERVISION_SHOWN])
    by_id = {s.pk: s for s in sessions}
    for comment in shown:
        comment.about_session = by_id.get(comment.session_id)
    return shown, found.count() if len(shown) == SUPERVISION_SHOWN else len(shown)


@login_required
@require_http_methods(["GET", "POST"])
def treatment_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    form = TreatmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create(request.user, Treatment, patient=patient, **form.cleaned_data)
        return redirect("patient", pk=patient.pk)
    return render(request, "clinic/treatment_form.html", {"form": form, "patient": patient})
