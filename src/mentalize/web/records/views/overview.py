"""The patient overview page: alerts for review and charts over the whole treatment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from mentalize.web.records import overview as service
from mentalize.web.records import scoping
from mentalize.web.records.overview_chart import overview_svg

_CLASSIFICATION_WORDS = {
    None: "—",
    "unchanged": "no reliable change",
    "improved": "reliable improvement",
    "recovered": "recovered (reliable improvement, out of the clinical range)",
    "deteriorated": "reliable deterioration",
}


@login_required
@require_GET
def patient_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Read-only for everyone who may read the patient (the owner and their supervisor)."""
    patient, overview = service.build(request.user, pk)
    svg = overview_svg(overview)
    tables = [
        (
            x,
            [(p, _CLASSIFICATION_WORDS.get(p.classification, p.classification)) for p in x.points],
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
            # Built from numbers, dates and fixed labels only, every one escaped on the way in.
            "chart": mark_safe(svg) if svg else None,
            "tables": tables,
            "window_days": service.ALERT_WINDOW_DAYS,
            "can_write": scoping.can_write(request.user, patient),
        },
    )
