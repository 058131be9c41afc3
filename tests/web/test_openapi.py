"""The OpenAPI document: valid, served without a token, and in step with the URL patterns.

The drift checks read the live URL configuration, so an endpoint added under /api/v1/ without
being documented (or documented with the wrong methods, or removed but still documented) fails
here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentalize.web.accounts.services import new_token
from mentalize.web.api.openapi import document, openapi_path
from tests.web.routes import all_routes

METHODS = ("get", "post", "put", "patch", "delete")


def _api_routes() -> list[str]:
    """Every route under api/v1/ in the live URL configuration, as Django writes it."""
    return [route.removeprefix("api/v1/") for route in all_routes() if route.startswith("api/v1/")]


def _validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema validator for one schema of the document, its $refs resolved in it."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**schema, "components": document()["components"]})


def test_the_document_is_valid_openapi() -> None:
    from openapi_spec_validator import validate

    validate(document())


def test_every_api_route_is_documented_and_nothing_else() -> None:
    routes = _api_routes()
    assert "patients/<int:pk>/sessions/" in routes and "openapi.json" in routes
    assert {openapi_path(route) for route in routes} == set(document()["paths"])


def test_documented_methods_are_the_ones_answered(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    for path, item in document()["paths"].items():
        url = path.replace("{id}", "999999")
        assert "{" not in url, f"{path}: a path parameter the test does not fill"
        for method in METHODS:
            status = getattr(client, method)(url, **auth).status_code
            assert (status != 405) is (method in item), f"{method.upper()} {path}: {status}"


def test_served_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body == json.loads(json.dumps(document()))
    assert body["openapi"].startswith("3.1")
    assert body["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_operation_says_how_it_fails() -> None:
    for path, item in document()["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            responses = item[method]["responses"]
            if path == "/api/v1/openapi.json":
                assert item[method]["security"] == []
                continue
            assert "401" in responses, f"{method} {path}"
            if "{id}" in path:
                assert "404" in responses, f"{method} {path}"
            if method == "post":
                assert "400" in responses and "403" in responses, f"{method} {path}"


@pytest.mark.parametrize(
    "path, key",
    [
        ("/api/v1/patients/", None),
        ("/api/v1/patients/{id}/", "patient"),
        ("/api/v1/patients/{id}/overview/", "patient"),
        ("/api/v1/sessions/{id}/", "session"),
        ("/api/v1/sessions/{id}/analysis/", "session"),
        ("/api/v1/questionnaires/{id}/", "questionnaire"),
    ],
)
def test_real_responses_match_their_schemas(
    client: Any, people: dict[str, Any], chart: dict[str, Any], path: str, key: str | None
) -> None:
    item = document()["paths"].get(path)
    if item is None:
        pytest.fail(f"{path} is not documented")
    url = path.replace("{id}", str(chart[key].pk)) if key else path
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    response = client.get(url, **auth)
    assert response.status_code == 200
    schema = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = [e.message for e in _validator(schema).iter_errors(response.json())]
    assert errors == []


def test_posted_bodies_match_their_schemas(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    paths = document()["paths"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    body = {"instrument": "gad7", "answers": [1] * 7, "date": "2026-05-01"}
    q_item = paths["/api/v1/patients/{id}/questionnaires/"]["post"]
    request_schema = q_item["requestBody"]["content"]["application/json"]["schema"]
    assert list(_validator(request_schema).iter_errors(body)) == []
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/questionnaires/",
        json.dumps(body),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    schema = q_item["responses"]["201"]["content"]["application/json"]["schema"]
    assert list(_validator(schema).iter_errors(response.json())) == []
    refused = client.get("/api/v1/patients/999999/", **auth)
    error_schema = document()["components"]["schemas"]["Error"]
    assert list(_validator(error_schema).iter_errors(refused.json())) == []


def test_the_session_schema_is_the_packaged_one() -> None:
    from mentalize.outputs.schema import json_schema

    inlined = document()["components"]["schemas"]["SessionAnalysis"]
    packaged = json_schema()
    assert inlined["required"] == packaged["required"]
    assert "#/$defs/" not in json.dumps(inlined)
    # Definitions may refer to each other: the same once the component prefix is taken back out.
    back = json.dumps(inlined["$defs"]).replace(
        "#/components/schemas/SessionAnalysis/$defs/", "#/$defs/"
    )
    assert json.loads(back) == packaged["$defs"]


def test_upload_and_pending_analysis_match_their_schemas(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    """With the real (database) queue the upload answers before the analysis: the session
    with status ``pending``, and the analysis path answers 409 as documented."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.conftest import EXAMPLE

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    paths = document()["paths"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    upload = SimpleUploadedFile("s.txt", EXAMPLE.read_bytes(), "text/plain")
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/sessions/", {"transcript": upload}, **auth
    )
    assert response.status_code == 201 and response.json()["analysis_status"] == "pending"
    created = paths["/api/v1/patients/{id}/sessions/"]["post"]["responses"]["201"]
    schema = created["content"]["application/json"]["schema"]
    assert list(_validator(schema).iter_errors(response.json())) == []
    pending = client.get(response.json()["analysis"], **auth)
    assert pending.status_code == 409
    conflict = paths["/api/v1/sessions/{id}/analysis/"]["get"]["responses"]["409"]
    schema = conflict["content"]["application/json"]["schema"]
    assert list(_validator(schema).iter_errors(pending.json())) == []


def test_bodies_are_generated_from_the_typed_payloads() -> None:
    from mentalize.web.api.payloads import component_schemas

    schemas = document()["components"]["schemas"]
    assert set(schemas) == set(component_schemas()) | {"SessionAnalysis"}
    # Generated, not copied: a constraint declared on a model reaches the document.
    assert schemas["PatientCreate"]["properties"]["code"]["pattern"].startswith("^[A-Za-z0-9]")
    assert "title" not in schemas["Patient"]
