"""The JSON API: Bearer tokens, the same scoping as the pages, the mentalize.session/1 schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentalize.web.accounts.services import new_token
from mentalize.web.records.models import Patient, Session
from tests.web.conftest import EXAMPLE


@pytest.fixture
def tokens(people: dict[str, Any]) -> dict[str, str]:
    return {role: new_token(role) for role in ("owner", "sup", "other", "other_sup")}


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer mz_wrong", "Basic abc"])
def test_requests_without_a_valid_token_get_401(
    client: Any, chart: dict[str, Any], header: str | None
) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/patients/", **extra)
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers


def test_the_session_cookie_is_not_accepted(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    assert client.get("/api/v1/patients/").status_code == 401


@pytest.mark.parametrize(
    "role, expected", [("owner", 200), ("sup", 200), ("other", 404), ("other_sup", 404)]
)
def test_read_permissions_match_the_pages(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], role: str, expected: int
) -> None:
    patient, session = chart["patient"], chart["session"]
    listing = client.get("/api/v1/patients/", **_auth(tokens[role])).json()["patients"]
    assert [p["code"] for p in listing] == (["MBT-0001"] if expected == 200 else [])
    assert (
        client.get(f"/api/v1/patients/{patient.pk}/", **_auth(tokens[role])).status_code == expected
    )
    response = client.get(f"/api/v1/sessions/{session.pk}/analysis/", **_auth(tokens[role]))
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert body["schema"] == "mentalize.session/1" and len(body["turns"]) == session.turns


@pytest.mark.parametrize(
    "role, expected", [("owner", 201), ("sup", 403), ("other", 404), ("other_sup", 404)]
)
def test_upload_permissions(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], role: str, expected: int
) -> None:
    before = Session.objects.count()
    upload = SimpleUploadedFile("session.txt", EXAMPLE.read_bytes(), "text/plain")
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/sessions/",
        {"transcript": upload, "date": "2026-06-01"},
        **_auth(tokens[role]),
    )
    assert response.status_code == expected
    assert Session.objects.count() == before + (1 if expected == 201 else 0)
    if expected == 201:
        created = response.json()
        analysis = client.get(created["analysis"], **_auth(tokens[role])).json()
        assert analysis["schema"] == "mentalize.session/1"
        assert Session.objects.get(pk=created["id"]).date.isoformat() == "2026-06-01"


def test_create_and_read_a_patient(
    client: Any, tokens: dict[str, str], people: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/patients/",
        json.dumps({"code": "API-1", "name": "Z"}),
        content_type="application/json",
        **_auth(tokens["owner"]),
    )
    assert response.status_code == 201
    created = response.json()
    assert created["code"] == "API-1" and created["clinician"] == "owner"
    assert Patient.objects.get(pk=created["id"]).name == "Z"
    again = client.post(
        "/api/v1/patients/",
        json.dumps({"code": "API-1"}),
        content_type="application/json",
        **_auth(tokens["owner"]),
    )
    assert again.status_code == 400 and "code" in again.json()["fields"]
    refused = client.post(
        "/api/v1/patients/",
        json.dumps({"code": "API-2"}),
        content_type="application/json",
        **_auth(tokens["sup"]),
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "data, message",
    [(b"", "empty"), (b"\x89PNG\r\n\x1a\nxxxx", "PNG"), ("T: é\n".encode("latin-1"), "UTF-8")],
)
def test_bad_uploads_are_400_and_save_nothing(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], data: bytes, message: str
) -> None:
    before = Session.objects.count()
    upload = SimpleUploadedFile("bad.txt", data, "text/plain")
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/sessions/",
        {"transcript": upload},
        **_auth(tokens["owner"]),
    )
    assert response.status_code == 400 and message in response.json()["error"]
    assert Session.objects.count() == before


@pytest.mark.parametrize("role, expected", [("owner", 201), ("sup", 403), ("other", 404)])
def test_post_questionnaire_and_read_scores(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], role: str, expected: int
) -> None:
    from mentalize.instruments import score

    answers = [3, 3, 3, 3, 3, 3, 3, 3, 2]
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/questionnaires/",
        json.dumps({"instrument": "phq9", "answers": answers, "date": "2026-06-02"}),
        content_type="application/json",
        **_auth(tokens[role]),
    )
    assert response.status_code == expected
    if expected != 201:
        return
    created = response.json()
    assert created["result"]["scores"] == dict(score("phq9", answers).scores)
    assert created["result"]["flags"][0]["item"] == 9
    for reader, status in (("owner", 200), ("sup", 200), ("other", 404)):
        got = client.get(f"/api/v1/questionnaires/{created['id']}/", **_auth(tokens[reader]))
        assert got.status_code == status


@pytest.mark.parametrize(
    "body, message",
    [
        ({"instrument": "bdi", "answers": [1]}, "instrument must be one of"),
        ({"instrument": "phq9", "answers": "1,2"}, "answers must be a list"),
        ({"instrument": "phq9", "answers": [1, 2]}, "9"),
        ({"instrument": "phq9", "answers": [9] * 9}, "0"),
        ({"instrument": "phq9", "answers": [0] * 9, "date": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_bad_questionnaires_are_400(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], body: dict[str, Any], message: str
) -> None:
    from mentalize.web.records.models import QuestionnaireAdministration

    before = QuestionnaireAdministration.objects.count()
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/questionnaires/",
        json.dumps(body),
        content_type="application/json",
        **_auth(tokens["owner"]),
    )
    assert response.status_code == 400 and message in response.json()["error"]
    assert QuestionnaireAdministration.objects.count() == before
