"""API endpoints. Same scoping and services as the pages; errors are ``{"error": "..."}``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentalize.web.api.auth import error, token_required
from mentalize.web.records import scoping, services
from mentalize.web.records.forms import INSTRUMENTS, PatientForm
from mentalize.web.records.models import (
    SESSION_TEXT_FIELDS,
    Patient,
    QuestionnaireAdministration,
    Session,
)
from mentalize.web.uploads import TOO_LARGE_ATTR


def _patient(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "code": patient.code,
        "name": patient.name,
        "clinician": patient.clinician.username,
        "sessions": [
            {
                "id": s.pk,
                "date": s.date.isoformat(),
                "turns": s.turns,
                "analysis_status": s.analysis_status,
            }
            for s in patient.sessions.defer(*SESSION_TEXT_FIELDS)
        ],
    }


def _session(session: Session) -> dict[str, Any]:
    """A session's metadata and where its analysis stands (no clinical text)."""
    return {
        "id": session.pk,
        "patient": session.patient_id,
        "date": session.date.isoformat(),
        "turns": session.turns,
        "analysis_status": session.analysis_status,
        "analysis_error": session.analysis_error or None,
        "url": f"/api/v1/sessions/{session.pk}/",
        "analysis": f"/api/v1/sessions/{session.pk}/analysis/",
    }


def _scoped(view: Any) -> Any:
    """Turn scoping's 404/403 into JSON errors."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return error(404, "not found")
        except PermissionDenied:
            return error(403, "read-only access")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@token_required
@_scoped
@require_http_methods(["GET", "POST"])
def patients(request: HttpRequest) -> HttpResponse:
    """GET: the patients you may read. POST ``{"code": ..., "name": ...}``: add one (clinicians)."""
    if request.method == "GET":
        found = scoping.visible_patients(request.user).select_related("clinician")
        return JsonResponse(
            {
                "patients": [
                    {"id": p.pk, "code": p.code, "clinician": p.clinician.username} for p in found
                ]
            }
        )
    if not scoping.can_create_patients(request.user):
        return error(403, "only clinicians add patients")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # also over-long integers and deep nesting
        return error(400, "body is not JSON")
    if not isinstance(body, dict):
        return error(400, 'body must be an object like {"code": "MBT-0001"}')
    form = PatientForm(
        {"code": body.get("code", ""), "name": body.get("name") or ""}, clinician=request.user
    )
    if not form.is_valid():
        return JsonResponse({"error": "invalid patient", "fields": form.errors}, status=400)
    patient = services.save_patient(request.user, form)
    if patient is None:  # a same-caseload race on the code: the form holds the error
        return JsonResponse({"error": "invalid patient", "fields": form.errors}, status=400)
    return JsonResponse(_patient(patient), status=201)


@token_required
@_scoped
@require_GET
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    found = scoping.get_for(request.user, Patient, pk)
    services.audit_reads(request.user, [found])
    return JsonResponse(_patient(found))


@token_required
@_scoped
@require_POST
def session_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Multipart ``transcript`` (a file), optional ``date`` (YYYY-MM-DD) and ``format``.

    Stores the transcript and queues its analysis; 201 at once with ``analysis_status``
    (``pending`` until a worker has analysed it: poll the session's ``url``)."""
    found = scoping.get_for(request.user, Patient, pk, write=True)
    # Reading FILES runs the upload handlers, which mark an oversized file (and skip it): the
    # mark can only be checked after this line.
    upload = request.FILES.get("transcript")
    if getattr(request, TOO_LARGE_ATTR, False):
        return error(413, services.too_large_message())
    if upload is None:
        return error(400, "send the transcript as a multipart file field named 'transcript'")
    try:
        on = date.fromisoformat(request.POST["date"]) if request.POST.get("date") else None
    except ValueError:
        return error(400, "date must be YYYY-MM-DD")
    fmt = request.POST.get("format") or services.format_for(upload.name)
    on = on or timezone.localdate()
    try:
        text = services.decode_upload(upload.read())
        checked = services.check_transcript(text, fmt)
    except services.UploadError as exc:
        return error(400, str(exc))
    session = services.queue_session(request.user, found, None, on, checked)
    return JsonResponse(_session(session), status=201)


@token_required
@_scoped
@require_GET
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """A session and its analysis status (what a client polls after an upload). Audited."""
    found = scoping.get_for(request.user, Session, pk, defer=SESSION_TEXT_FIELDS)
    services.audit_reads(request.user, [found])
    return JsonResponse(_session(found))


@token_required
@_scoped
@require_GET
def session_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored analysis, in the ``mentalize.session/1`` schema; 409 until it is done."""
    session = scoping.get_for(request.user, Session, pk)
    if not session.analysed:
        body = {
            "error": f"the analysis is {session.analysis_status}; "
            f"poll /api/v1/sessions/{session.pk}/ until analysis_status is done",
            "analysis_status": session.analysis_status,
        }
        return JsonResponse(body, status=409)
    services.audit_reads(request.user, [session])
    return HttpResponse(session.analysis_json, content_type="application/json")


def _questionnaire(entry: QuestionnaireAdministration) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "patient": entry.patient_id,
        "instrument": entry.instrument,
        "version": entry.instrument_version,
        "date": entry.date.isoformat(),
        "result": json.loads(entry.result),
    }


@token_required
@_scoped
@require_POST
def questionnaire_create(request: HttpRequest, pk: int) -> HttpResponse:
    """JSON ``{"instrument": "phq9", "answers": [1, 0, ...], "date": "YYYY-MM-DD"}``; scored by
    :mod:`mentalize.instruments`; 201 with the scores."""
    from mentalize.errors import InputError

    found = scoping.get_for(request.user, Patient, pk, write=True)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # also over-long integers and deep nesting
        return error(400, "body is not JSON")
    if not isinstance(body, dict):
        return error(400, 'body must be an object like {"instrument": "phq9", "answers": [...]}')
    instrument, answers = body.get("instrument"), body.get("answers")
    if instrument not in INSTRUMENTS:
        return error(400, f"instrument must be one of: {', '.join(INSTRUMENTS)}")
    if not isinstance(answers, list):
        return error(400, "answers must be a list of item answers in item order")
    try:
        on = date.fromisoformat(body["date"]) if body.get("date") else timezone.localdate()
    except (TypeError, ValueError):
        return error(400, "date must be YYYY-MM-DD")
    try:
        entry = services.add_questionnaire(request.user, found, None, instrument, answers, on)
    except InputError as exc:
        return error(400, str(exc))
    return JsonResponse(_questionnaire(entry), status=201)


@token_required
@_scoped
@require_GET
def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    entry = scoping.get_for(request.user, QuestionnaireAdministration, pk)
    services.audit_reads(request.user, [entry])
    return JsonResponse(_questionnaire(entry))
