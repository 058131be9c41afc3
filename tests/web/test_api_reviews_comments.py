"""Alert reviews and supervision comments in the JSON API (issue 19): read-only lists under the
patient, read by whoever reads them on the pages (the treating clinician and their supervisor;
anyone else gets 404), answered only to a valid token of an active user, audited as reads, and
described by the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from mentalize.web.accounts.services import new_token
from mentalize.web.api.openapi import document
from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import services
from mentalize.web.records.models import AlertReview, Patient

NOTE = "Rang her after the crisis contact; crisis plan gone through again."
FIRST = "How did you feel when she cancelled? Worth bringing to the group."
LATER = "The session of 2 February: notice the pretend mode around minute 20."
ROLES = ("owner", "sup", "other", "other_sup")
READ = {"owner": 200, "sup": 200, "other": 404, "other_sup": 404}
ENDPOINTS = ("alert-reviews", "supervision-comments")


@pytest.fixture
def tokens(people: dict[str, Any]) -> dict[str, str]:
    return {role: new_token(role) for role in ROLES}


@pytest.fixture
def reviewed(people: dict[str, Any], chart: dict[str, Any]) -> dict[str, Any]:
    """The chart's patient with one alert review (with a note) and two supervision comments,
    the first about the session, the later one about the treatment in general."""
    owner, sup, patient = people["owner"], people["sup"], chart["patient"]
    review = services.create(
        owner,
        AlertReview,
        patient=patient,
        kind=AlertReview.Kind.OUTCOME,
        source_id=chart["outcome"].pk,
        alert_date=chart["outcome"].date,
        note=NOTE,
        reviewed_by=owner,
    )
    first = services.add_supervision_comment(sup, patient, FIRST, chart["session"])
    later = services.add_supervision_comment(sup, patient, LATER)
    return {**chart, "review": review, "first": first, "later": later}


def _get(client: Any, token: str, pk: int, endpoint: str) -> Any:
    return client.get(f"/api/v1/patients/{pk}/{endpoint}/", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_them_matches_the_pages(
    client: Any, tokens: dict[str, str], reviewed: dict[str, Any], role: str, endpoint: str
) -> None:
    response = _get(client, tokens[role], reviewed["patient"].pk, endpoint)
    assert response.status_code == READ[role]
    if READ[role] == 404:
        # Not told apart from a patient that does not exist, and nothing of the record in it.
        assert response.json() == {"error": "not found"}
        missing = _get(client, tokens[role], 999999, endpoint)
        assert (missing.status_code, missing.json()) == (404, response.json())


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_only_a_valid_token_of_an_active_user_is_answered(
    client: Any,
    people: dict[str, Any],
    tokens: dict[str, str],
    reviewed: dict[str, Any],
    endpoint: str,
) -> None:
    url = f"/api/v1/patients/{reviewed['patient'].pk}/{endpoint}/"
    client.force_login(people["owner"])  # the session cookie is not a token
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer mz_not-a-token").status_code == 401
    owner = people["owner"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert _get(client, tokens["owner"], reviewed["patient"].pk, endpoint).status_code == 401
    # The supervisor's own token still reads: each token acts as its own user only.
    assert _get(client, tokens["sup"], reviewed["patient"].pk, endpoint).status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(
    client: Any, tokens: dict[str, str], reviewed: dict[str, Any], endpoint: str, method: str
) -> None:
    before = (AlertReview.objects.count(), reviewed["patient"].supervision_comments.count())
    response = getattr(client, method)(
        f"/api/v1/patients/{reviewed['patient'].pk}/{endpoint}/",
        HTTP_AUTHORIZATION=f"Bearer {tokens['sup']}",
    )
    assert response.status_code == 405 and response["Allow"] == "GET"
    after = (AlertReview.objects.count(), reviewed["patient"].supervision_comments.count())
    assert after == before


def test_alert_reviews_hold_what_the_overview_lists(
    client: Any, people: dict[str, Any], tokens: dict[str, str], reviewed: dict[str, Any]
) -> None:
    body = _get(client, tokens["sup"], reviewed["patient"].pk, "alert-reviews").json()
    review = reviewed["review"]
    assert body == {
        "patient": reviewed["patient"].pk,
        "alert_reviews": [
            {
                "id": review.pk,
                "kind": "outcome",
                "alert_date": reviewed["outcome"].date.isoformat(),
                "source_id": reviewed["outcome"].pk,
                "note": NOTE,
                "reviewed_by": "owner",
                "reviewed_at": review.reviewed_at.isoformat(),
            }
        ],
    }


def test_supervision_comments_newest_first_with_their_session(
    client: Any, tokens: dict[str, str], reviewed: dict[str, Any]
) -> None:
    body = _get(client, tokens["owner"], reviewed["patient"].pk, "supervision-comments").json()
    assert body["patient"] == reviewed["patient"].pk
    found = body["supervision_comments"]
    assert [c["id"] for c in found] == [reviewed["later"].pk, reviewed["first"].pk]
    assert [c["text"] for c in found] == [LATER, FIRST]
    assert [c["session"] for c in found] == [None, reviewed["session"].pk]
    assert {c["author"] for c in found} == {"sup"}
    assert found[1]["created_at"] == reviewed["first"].created_at.isoformat()


def test_another_patients_rows_are_not_listed(
    client: Any, people: dict[str, Any], tokens: dict[str, str], reviewed: dict[str, Any]
) -> None:
    owner = people["owner"]
    second = services.create(owner, Patient, code="MBT-0002", clinician=owner)
    for endpoint, key in (
        ("alert-reviews", "alert_reviews"),
        ("supervision-comments", "supervision_comments"),
    ):
        body = _get(client, tokens["owner"], second.pk, endpoint).json()
        assert body == {"patient": second.pk, key: []}


@pytest.mark.parametrize(
    "endpoint, object_type, rows",
    [
        ("alert-reviews", "records.alertreview", ("review",)),
        ("supervision-comments", "records.supervisioncomment", ("later", "first")),
    ],
)
def test_each_read_is_audited_without_clinical_text(
    client: Any,
    tokens: dict[str, str],
    reviewed: dict[str, Any],
    caplog: Any,
    endpoint: str,
    object_type: str,
    rows: tuple[str, ...],
) -> None:
    caplog.set_level(logging.DEBUG)
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    _get(client, tokens["sup"], reviewed["patient"].pk, endpoint)
    entries = list(
        AuditEntry.objects.filter(seq__gt=last)
        .order_by("seq")
        .values_list("actor", "action", "object_type", "object_id", "patient_id")
    )
    pid = reviewed["patient"].pk
    assert entries == [
        ("sup", "read", "records.patient", str(pid), pid),
        *(("sup", "read", object_type, str(reviewed[r].pk), pid) for r in rows),
    ]
    assert verify().ok
    for text in (NOTE, FIRST, LATER):
        assert text not in caplog.text


@pytest.mark.parametrize(
    "endpoint, schema",
    [("alert-reviews", "AlertReviewList"), ("supervision-comments", "SupervisionCommentList")],
)
def test_answers_match_the_openapi_document(
    client: Any, tokens: dict[str, str], reviewed: dict[str, Any], endpoint: str, schema: str
) -> None:
    from jsonschema import Draft202012Validator

    item = document()["paths"][f"/api/v1/patients/{{id}}/{endpoint}/"]
    assert set(item) == {"parameters", "get"}
    assert {"200", "401", "404"} <= set(item["get"]["responses"])
    ref = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": f"#/components/schemas/{schema}"}
    validator = Draft202012Validator({**ref, "components": document()["components"]})
    body = _get(client, tokens["owner"], reviewed["patient"].pk, endpoint).json()
    assert list(validator.iter_errors(body)) == []
    # The schema can fail: a review without its kind does not fit it.
    broken = {**body}
    key = next(k for k in broken if k != "patient")
    broken[key] = [{k: v for k, v in row.items() if k not in ("kind", "text")} for row in body[key]]
    assert list(validator.iter_errors(broken)) != []


def test_a_review_without_a_note_reads_as_empty(
    client: Any, people: dict[str, Any], tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    services.create(
        people["owner"],
        AlertReview,
        patient=chart["patient"],
        kind=AlertReview.Kind.RISK_FLAGS,
        source_id=chart["session"].pk,
        alert_date=dt.date(2026, 2, 2),
        note="",
        reviewed_by=people["owner"],
    )
    (found,) = _get(client, tokens["owner"], chart["patient"].pk, "alert-reviews").json()[
        "alert_reviews"
    ]
    assert (found["kind"], found["note"], found["source_id"]) == (
        "risk_flags",
        "",
        chart["session"].pk,
    )
