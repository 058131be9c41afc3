"""Supervision comments (issue 19): the supervisor writes, the clinician and supervisor read.

Supervisors read their supervisees' records and change none of them (:mod:`..scoping`); a
comment is not a change to the clinician's record but the supervisor's own contribution to it,
so it has its own rule, :func:`may_comment`, instead of ``write=True``. Whoever may not read the
patient gets 404 from :func:`.scoping.get_for` first, as everywhere else (other clinicians, other
supervisors, admins); the treating clinician, who reads the comments, gets 403 on posting one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mentalize.web.accounts.models import Role
from mentalize.web.records import scoping, services
from mentalize.web.records.forms import SupervisionCommentForm
from mentalize.web.records.models import SESSION_TEXT_FIELDS, Patient, SupervisionComment


def may_comment(user: Any, patient: Patient) -> bool:
    """Whether ``user`` may leave a supervision comment on ``patient``: only the supervisor of the
    patient's clinician (the same relation that lets a supervisor read the patient at all).

    Kept to that one relation on purpose: the clinician answers in supervision itself, not in
    the record, so the comments stay the supervisor's word and the record stays simple."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.SUPERVISOR
        and scoping.visible_patients(user).filter(pk=patient.pk).exists()
    )


@login_required
@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's supervision comments, newest first, and for the supervisor a form to add one.

    Every read of the list is audited (the patient, each comment shown, and each session whose
    date is shown); each new comment is a ``create`` entry written with it. A valid post answers
    with a redirect back here, so a reload does not post it twice.
    """
    user = request.user
    patient = scoping.get_for(user, Patient, pk)
    writer = may_comment(user, patient)
    if request.method == "POST" and not writer:
        raise PermissionDenied("Only the clinician's supervisor leaves supervision comments.")
    form = SupervisionCommentForm(request.POST or None, patient=patient) if writer else None
    if form is not None and request.method == "POST" and form.is_valid():
        services.add_supervision_comment(
            user, patient, form.cleaned_data["text"], form.cleaned_data["session"]
        )
        messages.success(request, "Supervision comment saved.")
        return redirect("supervision_comments", pk=patient.pk)
    shown = list(
        scoping.visible(user, SupervisionComment)
        .filter(patient=patient)
        .select_related("author", "session")
        .defer(*(f"session__{name}" for name in (*SESSION_TEXT_FIELDS, "figures_json")))
    )
    sessions = {c.session_id: c.session for c in shown if c.session is not None}
    if form is not None:  # the supervisor's form lists every session's date
        sessions.update((s.pk, s) for s in form.fields["session"].queryset)
    services.audit_reads(user, [patient, *shown, *sessions.values()])
    return render(
        request,
        "clinic/supervision.html",
        {"patient": patient, "comments": shown, "form": form},
    )
