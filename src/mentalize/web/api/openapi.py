"""The API's OpenAPI 3.1 document, served at ``GET /api/v1/openapi.json``.

The request and response bodies (``components.schemas``) are generated from the typed models in
:mod:`mentalize.web.api.payloads`; only the paths are written here, because the API is plain
Django views and the generators of the field (drf-spectacular, django-ninja) describe only views
written for their frameworks. ``tests/web/test_openapi.py`` keeps this document honest: every URL
under ``/api/v1/`` must appear here with exactly the methods it answers, the document must
validate (openapi-spec-validator), and the views' answers must match the bodies' schemas.

The ``mentalize.session/1`` JSON Schema is inlined from ``session.schema.json`` (OpenAPI 3.1
schemas are JSON Schema 2020-12), so the two cannot disagree.

The document is served without authentication: it holds no clinical data and nothing that is
not in the package's source, and a client needs it before it holds a token.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from mentalize.web.api.payloads import component_schemas

OPENAPI_VERSION = "3.1.0"
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def openapi_path(route: str) -> str:
    """``patients/<int:pk>/sessions/`` → ``/api/v1/patients/{id}/sessions/``.

    Django names the primary key ``pk``; the document calls it ``id`` as the JSON bodies do."""

    def name(match: re.Match[str]) -> str:
        found = match.group("name")
        return "{id}" if found == "pk" else "{" + found + "}"

    return "/api/v1/" + _CONVERTER.sub(name, route)


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    return {str(code): _ref("responses", names[code]) for code in codes}


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    responses: dict[str, Any],
    *,
    tag: str,
    request_body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": [tag],
        "responses": responses,
    }
    if request_body is not None:
        op["requestBody"] = request_body
    if parameters:
        op["parameters"] = parameters
    return op


def _session_schema() -> dict[str, Any]:
    """``session.schema.json`` as a component: ``#/$defs/x`` now points inside the component."""
    from mentalize.outputs.schema import json_schema

    schema = copy.deepcopy(json_schema())
    schema.pop("$schema", None)
    schema.pop("$id", None)
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/SessionAnalysis/$defs/')
    return json.loads(text)


def _schemas() -> dict[str, Any]:
    """The bodies' schemas, generated from their typed models (:mod:`.payloads`), and the
    analysis document's schema, inlined from ``session.schema.json``."""
    return {**component_schemas(), "SessionAnalysis": _session_schema()}


def _responses() -> dict[str, Any]:
    error = _ref("schemas", "Error")
    return {
        "BadRequest": _json(error, "The request is malformed or invalid; nothing was saved."),
        "Unauthorized": {
            **_json(error, "No valid `Authorization: Bearer <token>` header."),
            "headers": {
                "WWW-Authenticate": {
                    "description": 'Always `Bearer realm="mentalize"`.',
                    "schema": {"type": "string"},
                }
            },
        },
        "Forbidden": _json(error, "You may read this record but not change it (supervisors)."),
        "NotFound": _json(
            error, "No such record, or not one you may see: the two are not told apart."
        ),
    }


def _paths() -> dict[str, Any]:
    pid = [_ref("parameters", "id")]
    read, write = _errors(401, 404), _errors(400, 401, 403, 404)
    return {
        "/api/v1/openapi.json": {
            "get": {
                **_operation(
                    "openapi",
                    "This document",
                    "Served without authentication: it holds no clinical data.",
                    {"200": _json({"type": "object"}, "The OpenAPI document.")},
                    tag="meta",
                ),
                "security": [],
            }
        },
        "/api/v1/patients/": {
            "get": _operation(
                "listPatients",
                "Patients you may read",
                "A clinician's own patients; a supervisor's supervisees' patients.",
                {
                    "200": _json(_ref("schemas", "PatientList"), "Codes and clinicians only."),
                    **_errors(401),
                },
                tag="patients",
            ),
            "post": _operation(
                "createPatient",
                "Add a patient (clinicians only)",
                "The new patient belongs to the token's clinician. Codes are unique within "
                "that clinician's caseload (ignoring case): a code already there is a 400; "
                "codes in other caseloads are not consulted.",
                {
                    "201": _json(_ref("schemas", "Patient"), "The new patient."),
                    **_errors(400, 401, 403),
                },
                tag="patients",
                request_body={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("schemas", "PatientCreate")}},
                },
            ),
        },
        "/api/v1/patients/{id}/": {
            "parameters": pid,
            "get": _operation(
                "readPatient",
                "One patient with their sessions",
                "Audited as a read.",
                {"200": _json(_ref("schemas", "Patient"), "The patient."), **read},
                tag="patients",
            ),
        },
        "/api/v1/patients/{id}/overview/": {
            "parameters": pid,
            "get": _operation(
                "readOverview",
                "The patient overview as data",
                "The same numbers and alerts as the overview page; audited as reads.",
                {"200": _json(_ref("schemas", "Overview"), "The overview."), **read},
                tag="patients",
            ),
        },
        "/api/v1/patients/{id}/alert-reviews/": {
            "parameters": pid,
            "get": _operation(
                "listAlertReviews",
                "The patient's alert reviews",
                "Every review of the overview's alerts, newest first, with the clinician's note: "
                "what the overview page lists under Reviewed. Read by the treating clinician and "
                "their supervisor; reviews are made on the overview page only. Audited as reads "
                "(the patient and each review).",
                {"200": _json(_ref("schemas", "AlertReviewList"), "The reviews."), **read},
                tag="patients",
            ),
        },
        "/api/v1/patients/{id}/supervision-comments/": {
            "parameters": pid,
            "get": _operation(
                "listSupervisionComments",
                "The patient's supervision comments",
                "The supervisor's comments, newest first, each with the id of the session it is "
                "about (or null). Read by the treating clinician and their supervisor; comments "
                "are written on the supervision page only. Audited as reads (the patient and "
                "each comment).",
                {
                    "200": _json(_ref("schemas", "SupervisionCommentList"), "The comments."),
                    **read,
                },
                tag="patients",
            ),
        },
        "/api/v1/patients/{id}/export/": {
            "parameters": pid,
            "get": _operation(
                "exportPatient",
                "Export the record (FHIR bundle or CSV tables)",
                "Psychotherapy notes are left out unless `psychotherapy_notes=true` is sent "
                "by the owning clinician. Audited as an export.",
                {
                    "200": {
                        "description": "The export as an attachment.",
                        "content": {
                            "application/fhir+json": {
                                "schema": {"type": "object", "description": "A FHIR R4 Bundle."}
                            },
                            "application/zip": {
                                "schema": {
                                    "type": "string",
                                    "contentMediaType": "application/zip",
                                    "description": "One CSV file per table.",
                                }
                            },
                        },
                    },
                    **write,
                },
                tag="patients",
                parameters=[
                    {
                        "name": "format",
                        "in": "query",
                        "required": True,
                        "schema": {"enum": ["fhir", "csv"]},
                    },
                    {
                        "name": "psychotherapy_notes",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean", "default": False},
                    },
                ],
            ),
        },
        "/api/v1/patients/{id}/sessions/": {
            "parameters": pid,
            "post": _operation(
                "uploadSession",
                "Upload a session transcript",
                "The transcript is read before anything is stored: a file the analyser "
                "cannot read (binary, empty, not UTF-8, no turns), or one with more turns "
                "than the clinic's limit (MENTALIZE_MAX_TURNS, 5,000), is refused and nothing is "
                "saved. A readable transcript is stored (encrypted) with its analysis queued, "
                "and the answer comes at once with analysis_status `pending`; poll the "
                "session's `url` until it is `done` (or `failed`), then read the analysis.",
                {
                    "201": _json(_ref("schemas", "Session"), "Stored; the analysis is queued."),
                    **write,
                    "413": _ref("responses", "TooLarge"),
                },
                tag="sessions",
                request_body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {"schema": _ref("schemas", "SessionUpload")}
                    },
                },
            ),
        },
        "/api/v1/sessions/{id}/": {
            "parameters": pid,
            "get": _operation(
                "readSession",
                "A session and its analysis status",
                "What a client polls after an upload. Audited.",
                {"200": _json(_ref("schemas", "Session"), "The session."), **read},
                tag="sessions",
            ),
        },
        "/api/v1/sessions/{id}/analysis/": {
            "parameters": pid,
            "get": _operation(
                "readAnalysis",
                "A session's analysis (mentalize.session/1)",
                "The stored analysis, as `mentalize analyze --json` writes it. Audited. "
                "409 while the analysis is pending or running, or when it failed.",
                {
                    "200": _json(_ref("schemas", "SessionAnalysis"), "The analysis."),
                    "409": _json(
                        _ref("schemas", "AnalysisNotReady"), "No analysis (yet): see its status."
                    ),
                    **read,
                },
                tag="sessions",
            ),
        },
        "/api/v1/patients/{id}/questionnaires/": {
            "parameters": pid,
            "post": _operation(
                "addQuestionnaire",
                "Enter and score a questionnaire",
                "Scored by the instrument engine; answers and result are stored encrypted.",
                {
                    "201": _json(_ref("schemas", "Questionnaire"), "Scored and stored."),
                    **write,
                },
                tag="questionnaires",
                request_body={
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("schemas", "QuestionnaireCreate")}
                    },
                },
            ),
        },
        "/api/v1/questionnaires/{id}/": {
            "parameters": pid,
            "get": _operation(
                "readQuestionnaire",
                "One administration with its scores",
                "Scores, band, flags and interpretation. Audited.",
                {"200": _json(_ref("schemas", "Questionnaire"), "The administration."), **read},
                tag="questionnaires",
            ),
        },
    }


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once per process)."""
    responses = _responses()
    responses["TooLarge"] = _json(_ref("schemas", "Error"), "The upload is over 5 MiB.")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "mentalize clinic API",
            "version": "1",
            "description": "Token authentication only (`Authorization: Bearer <token>`, from "
            "`mentalize users token NAME`); the same scoping as the clinic's pages: a "
            "clinician reads and writes their own patients, a supervisor reads their "
            "supervisees' patients, admins have no API access. Records you may not see answer "
            '404. Errors are `{"error": "..."}`. With a valid token, a method that a path does '
            "not list answers 405.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in ("patients", "sessions", "questionnaires", "meta")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `mentalize users token NAME`; only its SHA-256 "
                    "is stored. The session cookie is not accepted.",
                }
            },
            "parameters": {
                "id": {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
            "schemas": _schemas(),
            "responses": responses,
        },
    }


@require_GET
def schema(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/openapi.json``; no token needed (see the module docstring)."""
    return JsonResponse(document(), json_dumps_params={"indent": 1})
