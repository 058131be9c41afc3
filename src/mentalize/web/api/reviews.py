"""The record's alert reviews and supervision comments (issue 19), read-only:
``GET /api/v1/patients/{id}/alert-reviews/`` and ``.../supervision-comments/``.

Both are written on the pages only (the review is the treating clinician's own act on the
overview, the comment the supervisor's on the supervision page); the API lists them so a clinic's
other systems can keep the same history. Who reads them is who reads them on the pages: the
treating clinician and their supervisor (:mod:`mentalize.web.records.scoping`); anyone else gets
404, as for every record they may not see. Each list is audited as the pages audit it: one read
entry for the patient and one for each row sent.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from mentalize.web.api.auth import token_required
from mentalize.web.api.views import _scoped
from mentalize.web.records import scoping, services
from mentalize.web.records.models import AlertReview, Patient, SupervisionComment


def _alert_review(review: AlertReview) -> dict[str, Any]:
    return {
        "id": review.pk,
        "kind": review.kind,
        "alert_date": review.alert_date.isoformat(),
        "source_id": review.source_id,
        "note": review.note or "",
        "reviewed_by": review.reviewed_by.username,
        "reviewed_at": review.reviewed_at.isoformat(),
    }


def _supervision_comment(comment: SupervisionComment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": comment.author.username,
        "created_at": comment.created_at.isoformat(),
        "session": comment.session_id,
        "text": comment.text,
    }


@token_required
@_scoped
@require_GET
def alert_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's alert reviews, newest first (the overview page's "Reviewed" list)."""
    patient = scoping.get_for(request.user, Patient, pk)
    found = list(
        scoping.visible(request.user, AlertReview)
        .filter(patient=patient)
        .select_related("reviewed_by")
    )
    services.audit_reads(request.user, [patient, *found])
    return JsonResponse({"patient": patient.pk, "alert_reviews": [_alert_review(r) for r in found]})


@token_required
@_scoped
@require_GET
def supervision_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's supervision comments, newest first (the supervision page's list). Only the
    session's id is sent, not its date, so no session row is read or audited here."""
    patient = scoping.get_for(request.user, Patient, pk)
    found = list(
        scoping.visible(request.user, SupervisionComment)
        .filter(patient=patient)
        .select_related("author")
    )
    services.audit_reads(request.user, [patient, *found])
    return JsonResponse(
        {
            "patient": patient.pk,
            "supervision_comments": [_supervision_comment(c) for c in found],
        }
    )
