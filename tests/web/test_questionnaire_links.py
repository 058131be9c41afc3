"""One-time questionnaire links: made by the owner, filled once by the patient without an account,
dead afterwards; the same closed page for unknown, used, revoked and expired tokens."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.questionnaire_links import services
from mentalize.web.questionnaire_links.models import QuestionnaireLink
from mentalize.web.records.models import QuestionnaireAdministration

ROLES = ("owner", "sup", "other", "other_sup", "admin")
PAGE = {"owner": 200, "sup": 403, "other": 404, "other_sup": 404, "admin": 404}
REVOKE = {"owner": 302, "sup": 403, "other": 404, "other_sup": 404, "admin": 404}
GAD7 = {f"item_{n}": "2" for n in range(1, 8)}
CLOSED = "This link has been used or has expired"


def _make(client: Any, owner: Any, patient: Any, instrument: str = "gad7") -> tuple[Any, str]:
    client.force_login(owner)
    response = client.post(
        f"/patients/{patient.pk}/questionnaire-links/", {"instrument": instrument}
    )
    assert response.status_code == 200
    created = response.context["created"]
    assert created["url"].endswith(f"/q/{created['token']}/")
    assert created["url"] in response.content.decode()
    client.logout()
    return created["link"], created["token"]


def test_create_fill_and_the_clinician_sees_the_scores(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    owner, patient = people["owner"], chart["patient"]
    link, token = _make(client, owner, patient)
    stored = QuestionnaireLink.objects.get(pk=link.pk)
    assert token not in json.dumps(list(QuestionnaireLink.objects.values()), default=str)
    assert stored.digest == services.digest(token) and stored.status == "open"

    patient_browser = Client()
    form = patient_browser.get(f"/q/{token}/")
    page = form.content.decode()
    assert form.status_code == 200 and "Your questionnaire" in page
    assert "Feeling nervous, anxious, or on edge" in page and "Nearly every day" in page
    for private in (patient.code, "Ada Example", owner.username, "Caseload", "Log out"):
        assert private not in page
    before = QuestionnaireAdministration.objects.count()
    done = patient_browser.post(f"/q/{token}/", GAD7)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert QuestionnaireAdministration.objects.count() == before + 1

    stored.refresh_from_db()
    entry = stored.administration
    assert stored.status == "used" and entry is not None
    assert entry.patient == patient and entry.entered_by == owner and entry.instrument == "gad7"
    assert json.loads(entry.answers) == [2] * 7
    assert json.loads(entry.result)["scores"]["total"] == 14

    client.force_login(owner)
    shown = client.get(f"/questionnaires/{entry.pk}/").content.decode()
    assert "14" in shown and "Filled in by the patient through a one-time link" in shown

    actor = f"questionnaire-link:{link.pk}"
    by_link = AuditEntry.objects.filter(actor=actor)
    assert set(by_link.values_list("action", "object_type")) == {
        ("read", "questionnaire_links.questionnairelink"),
        ("create", "records.questionnaireadministration"),
        ("update", "questionnaire_links.questionnairelink"),
    }
    assert set(by_link.values_list("patient_id", flat=True)) == {patient.pk}
    assert set(by_link.values_list("actor_id", flat=True)) == {None}
    assert verify().ok


def test_used_expired_revoked_and_unknown_tokens_get_the_same_page(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    owner, patient = people["owner"], chart["patient"]
    used = _make(client, owner, patient)[1]
    assert Client().post(f"/q/{used}/", GAD7).status_code == 200
    expired_link, expired = _make(client, owner, patient)
    QuestionnaireLink.objects.filter(pk=expired_link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked_link, revoked = _make(client, owner, patient)
    assert services.revoke(owner, revoked_link)
    unknown = "A" * 43
    before = QuestionnaireAdministration.objects.count()
    bodies = set()
    for token in (used, expired, revoked, unknown, "short", "x" * 300):
        for method in ("get", "post"):
            response = getattr(Client(), method)(f"/q/{token}/", GAD7 if method == "post" else {})
            assert response.status_code == 404
            body = response.content.decode()
            assert CLOSED in body and "csrfmiddlewaretoken" not in body
            bodies.add(body)
    assert len(bodies) == 1
    assert QuestionnaireAdministration.objects.count() == before


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {k: v for k, v in GAD7.items() if k != "item_7"},
            "Please choose an answer to question 7.",
        ),
        ({}, "Please choose an answer to question 1."),
        ({**GAD7, "item_3": "4"}, "Question 3: please choose one of the answers shown."),
        ({**GAD7, "item_3": "two"}, "Question 3: please choose one of the answers shown."),
    ],
)
def test_missing_or_out_of_range_answers_say_so_and_save_nothing(
    client: Any, people: dict[str, Any], chart: dict[str, Any], data: dict[str, str], message: str
) -> None:
    link, token = _make(client, people["owner"], chart["patient"])
    before = QuestionnaireAdministration.objects.count()
    response = Client().post(f"/q/{token}/", data)
    body = response.content.decode()
    assert response.status_code == 200 and message in body
    assert "Your answers have not been sent yet." in body
    assert QuestionnaireAdministration.objects.count() == before
    link.refresh_from_db()
    assert link.status == "open"
    assert Client().post(f"/q/{token}/", GAD7).status_code == 200  # still usable once


def test_the_instrument_engine_validates_and_a_link_takes_one_submission(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    from mentalize.errors import InputError

    link, _ = _make(client, people["owner"], chart["patient"])
    before = QuestionnaireAdministration.objects.count()
    with pytest.raises(InputError, match="out of range"):
        services.submit(link, [9] * 7)
    with pytest.raises(InputError, match="expected 7 answers"):
        services.submit(link, [1] * 6)
    assert QuestionnaireAdministration.objects.count() == before
    services.submit(link, [1] * 7)
    with pytest.raises(services.LinkClosed):  # a second request holding the same open link
        services.submit(link, [1] * 7)
    assert QuestionnaireAdministration.objects.count() == before + 1


def test_the_patient_form_is_csrf_protected(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    _, token = _make(client, people["owner"], chart["patient"])
    strict = Client(enforce_csrf_checks=True)
    assert "csrfmiddlewaretoken" in strict.get(f"/q/{token}/").content.decode()
    before = QuestionnaireAdministration.objects.count()
    assert strict.post(f"/q/{token}/", GAD7).status_code == 403
    assert QuestionnaireAdministration.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_link_page_matrix(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    url = f"/patients/{chart['patient'].pk}/questionnaire-links/"
    client.force_login(people[role])
    assert client.get(url).status_code == PAGE[role]
    before = QuestionnaireLink.objects.count()
    assert client.post(url, {"instrument": "phq9"}).status_code == PAGE[role]
    assert QuestionnaireLink.objects.count() == before + (1 if role == "owner" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_revoke_and_handover_matrix(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    link, token = _make(client, people["owner"], chart["patient"])
    client.force_login(people[role])
    response = client.post("/questionnaire-links/handover/", {"token": token})
    if role == "owner":
        assert response.status_code == 302 and response.url == f"/q/{token}/"
        assert client.get(f"/patients/{chart['patient'].pk}/").status_code == 302  # logged out
        client.force_login(people[role])
    else:
        assert response.status_code == 404
    assert client.post(f"/questionnaire-links/{link.pk}/revoke/").status_code == REVOKE[role]
    link.refresh_from_db()
    assert link.status == ("revoked" if role == "owner" else "open")


def test_open_links_are_listed_until_used_or_revoked(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    owner, patient = people["owner"], chart["patient"]
    kept, _ = _make(client, owner, patient, "rfq8")
    _, used_token = _make(client, owner, patient, "phq9")
    revoked, _ = _make(client, owner, patient, "gad7")
    Client().post(f"/q/{used_token}/", {f"item_{n}": "0" for n in range(1, 10)})
    client.force_login(owner)
    client.post(f"/questionnaire-links/{revoked.pk}/revoke/")
    response = client.get(f"/patients/{patient.pk}/questionnaire-links/")
    assert [link.pk for link in response.context["open_links"]] == [kept.pk]
    assert response.context["created"] is None
    assert "Link for the patient" in client.get(f"/patients/{patient.pk}/").content.decode()


def test_lifetime_comes_from_the_setting(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    settings.MENTALIZE_QUESTIONNAIRE_LINK_HOURS = 2
    link, _ = _make(client, people["owner"], chart["patient"])
    left = link.expires_at - timezone.now()
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)


def test_tokens_never_reach_the_logs(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    from mentalize.web.questionnaire_links.redact import RedactLinkTokens

    console = settings.LOGGING["handlers"]["console"]
    assert "mentalize.web.questionnaire_links.redact.RedactLinkTokens" in [
        settings.LOGGING["filters"][f]["()"] for f in console["filters"]
    ]
    _, token = _make(client, people["owner"], chart["patient"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # the console handler's set-up, on a stream we read
    handler.addFilter(RedactLinkTokens())
    loggers = [logging.getLogger(name) for name in ("django", "mentalize.web")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        Client().get(f"/q/{token}/")
        Client().post(f"/q/{token}/", GAD7)
        Client().get(f"/q/{token}/")  # now used: the 404 is logged by django.request
        Client().get("/q/" + "B" * 43 + "/")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    logged = stream.getvalue()
    # django.request's 404 line, in the one-line form of the console (web/middleware.py)
    assert "404 GET /q/[redacted]/" in logged and "questionnaire link" in logged
    assert token not in logged and "B" * 43 not in logged
