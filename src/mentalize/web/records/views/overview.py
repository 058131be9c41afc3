"""The patient overview page: alerts for review and charts over the whole treatment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from mentalize.web.records import overview as service
from mentalize.web.records import scoping
from mentalize.web.records.forms import AlertReviewForm
from mentalize.web.records.models import Patient
from mentalize.web.records.overview_chart import overview_svg

T = TypeVar("T")

CLASSIFICATION_WORDS = {
    None: "—",
    "unchanged": "no reliable change",
    "improved": "reliable improvement",
    "recovered": "recovered (reliable improvement, out of the clinical range)",
    "deteriorated": "reliable deterioration",
}


def newest_first(items: Sequence[T]) -> list[T]:
    """A list for a table, newest first: the overview keeps every series oldest first (its
    chart runs left to right in time, and change is counted from the first score), but its
    tables follow the patient page, whose lists are newest first (date, then entry, descending),
    so a clinician reads the same order wherever sessions are listed."""
    return list(reversed(items))


@login_required
@require_GET
def patient_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Read-only for everyone who may read the patient (the owner and their supervisor)."""
    patient, overview = service.build(request.user, pk)
    svg = overview_svg(overview)
    tables = [
        (
            x,
            [
                (p, CLASSIFICATION_WORDS.get(p.classification, p.classification))
                for p in newest_first(x.points)
            ],
        )
        for x in overview.series
    ]
    return render(
        request,
        "clinic/overview.html",
        {
            "patient": patient,
            "overview": overview,
            "alerts": overview.alerts,
            "reviewed": overview.reviewed,
            "back": "overview",
            # Built from numbers, dates and fixed labels only, every one escaped on the way in.
            "chart": mark_safe(svg) if svg else None,
            "tables": tables,
            "sessions": newest_first(overview.sessions),
            "outcomes": newest_first(overview.outcomes),
            "window_days": service.ALERT_WINDOW_DAYS,
            "can_write": scoping.can_write(request.user, patient),
        },
    )


@login_required
@require_POST
def alert_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one open alert of the patient reviewed, with an optional note (audited).

    Only the treating clinician reviews (``write=True``: their supervisor gets 403, anyone else
    404), so the review stays the clinician's own clinical act; supervisors read the reviews on
    the overview. The answer is a redirect back to the page the form was on (one of two fixed
    names, never a URL from the request).
    """
    patient = scoping.get_for(request.user, Patient, pk, write=True)
    back = "overview" if request.POST.get("back") == "overview" else "patient"
    form = AlertReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The review was not saved: the note is too long or the form old.")
    elif service.review_alert(
        request.user, patient, form.cleaned_data["key"], form.cleaned_data["note"]
    ):
        messages.success(request, "Alert marked as reviewed.")
    else:
        messages.info(request, "That alert is no longer open: it was reviewed or has cleared.")
    return redirect(back, pk=patient.pk)
