"""Property tests for the clinic API's inputs: any JSON body, raw body, query string, path id,
method or token header gets a JSON answer with a clear message, never a 500, and a refused
request writes nothing (no record, no audit entry).

Hypothesis runs many examples inside one test's database transaction, so "nothing written" is
checked per example by counting rows before and after.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentalize.web.accounts.services import new_token
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records.models import Patient, QuestionnaireAdministration, Session
from tests.property.budget import SCALE

# Function-scoped fixtures (the client, the database) are shared by a test's examples on purpose.
api_settings = settings(
    max_examples=40 * SCALE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"\xff\xfe{",
            b'{"code": ' + b"9" * 5000 + b"}",  # int() refuses over 4300 digits
            b"[" * 50_000 + b"]" * 50_000,  # deeper than the recursion limit
            b'{"code": "A\\u0000B"}',
        ]
    ),
)


def counts() -> tuple[int, ...]:
    models = (Patient, Session, QuestionnaireAdministration, AuditEntry)
    return tuple(model.objects.count() for model in models)


def check_json_error(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if response.status_code >= 400:
        message = body["error"]
        assert isinstance(message, str) and message.strip() and "\n" not in message
        assert "Traceback" not in message
    return body


@pytest.fixture
def auth(people: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}


@api_settings
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), raw_bodies))
def test_any_body_to_create_a_patient_is_201_or_a_json_400(
    client: Any, auth: dict[str, str], body: bytes
) -> None:
    before = counts()
    response = client.post("/api/v1/patients/", body, content_type="application/json", **auth)
    check_json_error(response, 201, 400)
    if response.status_code == 400:
        assert counts() == before, "a refused request wrote something"
    else:
        assert counts()[0] == before[0] + 1


answers = st.lists(
    st.one_of(st.integers(-3, 6), st.text(max_size=3), st.none(), st.floats(), json_values),
    max_size=11,
)


@api_settings
@given(
    body=st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "instrument": st.one_of(st.sampled_from(["phq9", "gad7", "rfq8"]), json_values),
                "answers": st.one_of(answers, json_values),
                "date": st.one_of(
                    st.dates().map(lambda d: d.isoformat()), st.text(max_size=12), json_values
                ),
            },
        ).map(lambda v: json.dumps(v).encode()),
        raw_bodies,
    )
)
def test_any_questionnaire_body_is_scored_or_refused_with_nothing_written(
    client: Any, auth: dict[str, str], chart: dict[str, Any], body: bytes
) -> None:
    url = f"/api/v1/patients/{chart['patient'].pk}/questionnaires/"
    before = counts()
    response = client.post(url, body, content_type="application/json", **auth)
    check_json_error(response, 201, 400)
    if response.status_code == 400:
        assert counts() == before
    else:
        result = response.json()["result"]
        assert result["instrument"] in ("phq9", "gad7", "rfq8")


@api_settings
@given(
    query=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=4),
    which=st.sampled_from(["list", "patient", "overview", "analysis", "questionnaire", "export"]),
)
def test_any_query_string_on_reads_is_answered_in_json_or_as_a_download(
    client: Any,
    auth: dict[str, str],
    chart: dict[str, Any],
    query: dict[str, str],
    which: str,
) -> None:
    patient, session = chart["patient"].pk, chart["session"].pk
    url = {
        "list": "/api/v1/patients/",
        "patient": f"/api/v1/patients/{patient}/",
        "overview": f"/api/v1/patients/{patient}/overview/",
        "analysis": f"/api/v1/sessions/{session}/analysis/",
        "questionnaire": f"/api/v1/questionnaires/{chart['questionnaire'].pk}/",
        "export": f"/api/v1/patients/{patient}/export/",
    }[which]
    response = client.get(url, query, **auth)
    if which == "export" and response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        return
    check_json_error(response, 200, 400, 409)


@api_settings
@given(
    pk=st.one_of(st.integers(0, 10**40), st.sampled_from([2**31, 2**63, 2**63 - 1, 2**64])),
    which=st.sampled_from(
        ["patients/{}/", "patients/{}/overview/", "sessions/{}/analysis/", "questionnaires/{}/"]
    ),
)
def test_any_record_id_is_found_or_a_json_404(
    client: Any, auth: dict[str, str], chart: dict[str, Any], pk: int, which: str
) -> None:
    response = client.get("/api/v1/" + which.format(pk), **auth)
    check_json_error(response, 200, 404, 409)


@api_settings
@given(
    path=st.text(st.characters(categories=["Ll", "Nd"], include_characters="/-_."), max_size=30),
    method=st.sampled_from(["get", "post", "put", "patch", "delete"]),
)
def test_unknown_paths_and_wrong_methods_are_json_errors(
    client: Any, auth: dict[str, str], people: dict[str, Any], path: str, method: str
) -> None:
    before = counts()
    response = getattr(client, method)("/api/v1/" + path, **auth)
    assert response.status_code != 500
    check_json_error(response, 200, 201, 400, 404, 405, 409)
    if response.status_code == 405:
        assert response["Allow"]
    if response.status_code >= 400:
        assert counts() == before


@api_settings
@given(header=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=60))
def test_any_authorization_header_without_a_token_is_a_json_401(
    client: Any, people: dict[str, Any], header: str
) -> None:
    response = client.get("/api/v1/patients/", HTTP_AUTHORIZATION=header)
    check_json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@settings(
    max_examples=15 * SCALE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda s: s.encode("utf-8")),
        st.sampled_from([b"T: hello\nP: hi\n", b"WEBVTT\n\n", b"speaker,text\n", b"{}"]),
    ),
    fmt=st.one_of(st.none(), st.sampled_from(["text", "vtt", "srt", "csv", "jsonl", "pdf", ""])),
    on=st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)),
)
def test_any_upload_is_accepted_or_refused_with_nothing_written(
    client: Any,
    auth: dict[str, str],
    chart: dict[str, Any],
    data: bytes,
    fmt: str | None,
    on: str | None,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fields: dict[str, Any] = {"transcript": SimpleUploadedFile("s.txt", data, "text/plain")}
    if fmt is not None:
        fields["format"] = fmt
    if on is not None:
        fields["date"] = on
    before = counts()
    response = client.post(f"/api/v1/patients/{chart['patient'].pk}/sessions/", fields, **auth)
    check_json_error(response, 201, 400)
    if response.status_code == 400:
        assert counts() == before
    else:
        assert counts()[1] == before[1] + 1


def test_unknown_paths_outside_the_api_still_get_the_html_page(client: Any, db: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "body",
    [b'{"code": ' + b"9" * 5000 + b"}", b"[" * 50_000 + b"]" * 50_000],
    ids=["5000-digit integer", "nested 50000 deep"],
)
@pytest.mark.parametrize("which", ["patients", "questionnaires"])
def test_json_that_python_refuses_to_build_is_a_400_not_a_500(
    client: Any, auth: dict[str, str], chart: dict[str, Any], body: bytes, which: str
) -> None:
    """Regression: json.loads raises a bare ValueError (over-long integer) or RecursionError,
    which the views did not catch (a 500)."""
    url = {
        "patients": "/api/v1/patients/",
        "questionnaires": f"/api/v1/patients/{chart['patient'].pk}/questionnaires/",
    }[which]
    before = counts()
    response = client.post(url, body, content_type="application/json", **auth)
    assert check_json_error(response, 400)["error"] == "body is not JSON"
    assert counts() == before


def test_an_answer_of_thousands_of_digits_is_a_400_not_a_500(
    client: Any, auth: dict[str, str], chart: dict[str, Any]
) -> None:
    body = {"instrument": "phq9", "answers": ["1" * 5000] + [0] * 8}
    url = f"/api/v1/patients/{chart['patient'].pk}/questionnaires/"
    response = client.post(url, json.dumps(body), content_type="application/json", **auth)
    assert "out of range" in check_json_error(response, 400)["error"]


def test_wrong_methods_unknown_paths_and_nul_queries_answer_json(
    client: Any, auth: dict[str, str], people: dict[str, Any]
) -> None:
    """Regression: these were Django's HTML pages (an empty 405, the 404 and 400 templates)."""
    wrong = client.put("/api/v1/patients/", **auth)
    assert check_json_error(wrong, 405) and wrong["Allow"] == "GET, POST"
    check_json_error(client.get("/api/v1/no-such-thing/", **auth), 404)
    check_json_error(client.get("/api/v1/patients/", {"q": "a\x00b"}, **auth), 400)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_path_without_its_slash_is_a_json_404_not_a_redirect(
    client: Any, auth: dict[str, str], people: dict[str, Any], method: str
) -> None:
    """Found by the property test above: "/api/v1/patients" was an HTML 301 that a POST would
    follow without its body."""
    response = getattr(client, method)("/api/v1/patients", **auth)
    assert check_json_error(response, 404)
