"""A clinician's day in the clinic, through the pages, as the test client sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mentalize.web.audit.models import AuditEntry
from mentalize.web.records.models import (
    CrisisPlanVersion,
    Patient,
    QuestionnaireAdministration,
    Session,
)
from tests.web.conftest import EXAMPLE


@pytest.fixture
def owner(client: Any, people: dict[str, Any]) -> Any:
    client.force_login(people["owner"])
    return people["owner"]


def test_patient_treatment_session_flow(client: Any, owner: Any) -> None:
    response = client.post("/patients/new/", {"code": "MBT-0200", "name": ""})
    patient = Patient.objects.get(code="MBT-0200")
    assert response.url == f"/patients/{patient.pk}/" and patient.name is None
    response = client.post(
        f"/patients/{patient.pk}/treatments/new/",
        {
            "modality": "combined",
            "frequency": "twice_weekly",
            "start": "2026-01-01",
            "planned_end": "2027-06-30",
            "status": "active",
        },
    )
    assert response.status_code == 302
    treatment = patient.treatments.get()
    upload = SimpleUploadedFile("s.txt", EXAMPLE.read_bytes(), "text/plain")
    response = client.post(
        f"/patients/{patient.pk}/sessions/new/",
        {"date": "2026-01-08", "treatment": treatment.pk, "transcript_file": upload},
    )
    session = Session.objects.get(patient=patient)
    assert response.url == f"/sessions/{session.pk}/"
    assert session.treatment == treatment and session.turns > 10
    page = client.get(response.url).content.decode()
    assert f'src="/sessions/{session.pk}/report/"' in page and "sandbox" in page
    report = client.get(f"/sessions/{session.pk}/report/").content.decode()
    assert report.startswith("<!DOCTYPE html>") and "MBT session reading" in report
    stored = json.loads(session.analysis_json)
    assert stored["schema"] == "mentalize.session/1"
    overview = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "Combined (individual and group)" in overview and "2026-01-08" in overview


def test_planned_end_before_start_is_refused(
    client: Any, owner: Any, chart: dict[str, Any]
) -> None:
    response = client.post(
        f"/patients/{chart['patient'].pk}/treatments/new/",
        {
            "modality": "group",
            "frequency": "weekly",
            "start": "2026-05-01",
            "planned_end": "2026-01-01",
            "status": "planned",
        },
    )
    assert response.status_code == 200 and "before the start" in response.content.decode()


def test_duplicate_patient_code_is_refused(client: Any, owner: Any, chart: dict[str, Any]) -> None:
    response = client.post("/patients/new/", {"code": "mbt-0001"})
    assert response.status_code == 200 and "already in use" in response.content.decode()
    assert Patient.objects.count() == 1


BAD_UPLOADS = {
    "binary": (b"%PDF-1.7\n\x00\x01\x02binary", "PDF"),
    "empty": (b"", "empty"),
    "wrong encoding": ("T: Olá, como está?\nP: Não sei.\n".encode("latin-1"), "UTF-8"),
    "huge": (b"T: " + b"a" * (5 * 1024 * 1024 + 10) + b"\n", "larger than the 5 MiB limit"),
    "no speakers": (b"just some words without any labels at all\n", None),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_uploads_show_a_message_and_save_nothing(
    client: Any, owner: Any, chart: dict[str, Any], case: str
) -> None:
    data, expected = BAD_UPLOADS[case]
    sessions, audit = Session.objects.count(), AuditEntry.objects.count()
    upload = SimpleUploadedFile("bad.txt", data, "text/plain")
    response = client.post(
        f"/patients/{chart['patient'].pk}/sessions/new/",
        {"date": "2026-03-01", "transcript_file": upload},
    )
    assert response.status_code == 200
    errors = [e for field in response.context["form"].errors.values() for e in field]
    assert errors, "a clear message is shown"
    if expected:
        assert expected in " ".join(errors)
        assert expected in response.content.decode()
    assert Session.objects.count() == sessions
    assert AuditEntry.objects.count() == audit


def test_pasted_text_and_empty_paste(client: Any, owner: Any, chart: dict[str, Any]) -> None:
    url = f"/patients/{chart['patient'].pk}/sessions/new/"
    response = client.post(url, {"date": "2026-03-01", "transcript_text": "   "})
    assert "Choose a transcript file or paste" in response.content.decode()
    response = client.post(
        url, {"date": "2026-03-01", "transcript_text": "T: Hello.\nP: I feel awful today.\n"}
    )
    assert response.status_code == 302
    # A one-line paste that looks like a path is read as text, never as a file on the server.
    response = client.post(url, {"date": "2026-03-01", "transcript_text": "/etc/passwd"})
    assert response.status_code == 200
    assert Session.objects.filter(patient=chart["patient"]).count() == 2


def test_crisis_plan_is_versioned_with_author(
    client: Any, owner: Any, chart: dict[str, Any]
) -> None:
    url = f"/treatments/{chart['treatment'].pk}/crisis-plan/"
    response = client.post(
        url,
        {
            "patient_can_do": "Walk the dog and text Sam.",
            "professionals_do": "Call back within the day.",
            "information_for_others": "Do not leave them alone.",
        },
    )
    assert response.status_code == 302
    versions = list(CrisisPlanVersion.objects.filter(treatment=chart["treatment"]))
    assert [v.version for v in versions] == [2, 1]
    assert all(v.author == owner for v in versions)
    assert versions[1].patient_can_do == "Call a friend."  # the old version is untouched
    page = client.get(url).content.decode()
    assert "Walk the dog and text Sam." in page and "Version 1" in page
    assert "Call a friend." in page  # history shown
    unchanged = {
        "patient_can_do": "Walk the dog and text Sam.",
        "professionals_do": "Call back within the day.",
        "information_for_others": "Do not leave them alone.",
    }
    client.post(url, unchanged)
    assert CrisisPlanVersion.objects.filter(treatment=chart["treatment"]).count() == 2


def test_questionnaire_scored_by_the_instrument_engine(
    client: Any, owner: Any, chart: dict[str, Any]
) -> None:
    from mentalize.instruments import score

    answers = [2, 2, 3, 1, 2, 2, 1, 1, 1]
    data = {"date": "2026-03-05", **{f"item_{i}": str(a) for i, a in enumerate(answers, 1)}}
    response = client.post(f"/patients/{chart['patient'].pk}/questionnaires/phq9/new/", data)
    entry = QuestionnaireAdministration.objects.get(date="2026-03-05")
    assert response.url == f"/questionnaires/{entry.pk}/"
    expected = score("phq9", answers)
    result = json.loads(entry.result)
    assert result["scores"] == dict(expected.scores) and json.loads(entry.answers) == answers
    page = client.get(response.url).content.decode()
    assert expected.band.label in page and "Item 9" in page  # item 9 answered 1: flagged


def test_questionnaire_needs_every_item(client: Any, owner: Any, chart: dict[str, Any]) -> None:
    response = client.post(
        f"/patients/{chart['patient'].pk}/questionnaires/rfq8/new/",
        {"date": "2026-03-05", "item_1": "1"},
    )
    assert response.status_code == 200
    assert QuestionnaireAdministration.objects.filter(instrument="rfq8").count() == 0
    response = client.get(f"/patients/{chart['patient'].pk}/questionnaires/nope/new/")
    assert response.status_code == 404


@pytest.mark.parametrize("instrument", ["rfq8", "gad7"])
def test_other_instruments_render_and_score(
    client: Any, owner: Any, chart: dict[str, Any], instrument: str
) -> None:
    from mentalize.instruments import load

    definition = load(instrument)
    url = f"/patients/{chart['patient'].pk}/questionnaires/{instrument}/new/"
    assert client.get(url).status_code == 200
    low = definition.min_answer
    data = {"date": "2026-03-06", **{f"item_{i.number}": str(low) for i in definition.items}}
    assert client.post(url, data).status_code == 302
    assert QuestionnaireAdministration.objects.filter(instrument=instrument).count() == 1


def test_outcome_event_listed_on_patient_page(
    client: Any, owner: Any, chart: dict[str, Any]
) -> None:
    url = f"/patients/{chart['patient'].pk}/"
    response = client.post(url + "outcomes/new/", {"kind": "hospitalisation", "date": "2026-03-07"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Hospitalisation" in page and "2026-03-07" in page


def test_login_lockout_after_five_failures(client: Any, db: Any) -> None:
    from mentalize.web.accounts.services import add_user

    add_user("lena", "clinician", "a long enough passphrase")
    for _ in range(5):
        response = client.post("/login/", {"username": "lena", "password": "wrong guess 1234"})
        assert response.status_code in (200, 429)
    response = client.post("/login/", {"username": "lena", "password": "a long enough passphrase"})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_logout_and_password_hash(client: Any, db: Any) -> None:
    from mentalize.web.accounts.models import User
    from mentalize.web.accounts.services import add_user

    add_user("mara", "clinician", "another long passphrase")
    assert User.objects.get(username="mara").password.startswith("argon2")
    page = client.get("/login/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post("/login/", {"username": "mara", "password": "another long passphrase"})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/patients/").status_code == 302


def test_csrf_is_enforced(db: Any, people: dict[str, Any]) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["owner"])
    assert strict.post("/patients/new/", {"code": "MBT-CSRF"}).status_code == 403
    assert not Patient.objects.filter(code="MBT-CSRF").exists()


def test_admin_lands_on_account_admin_and_sees_no_clinical_models(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["admin"])
    assert client.get("/").url == "/admin/"
    index = client.get("/admin/").content.decode()
    assert "Users" in index and "Audit entries" in index
    assert "Patients" not in index and "Sessions" not in index
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/audit/auditentry/").status_code == 200
    client.force_login(people["owner"])
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login


def test_session_expires_after_inactivity(client: Any, people: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session as WebSession
    from django.utils import timezone

    client.force_login(people["owner"])
    assert client.get("/patients/").status_code == 200
    stored = WebSession.objects.get(session_key=client.session.session_key)
    left = stored.expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)  # pushed forward each request
    WebSession.objects.filter(pk=stored.pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/patients/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_error_pages_are_the_clinics_own(client: Any, owner: Any, chart: dict[str, Any]) -> None:
    missing = client.get("/patients/999999/")
    assert missing.status_code == 404 and "not on your caseload" in missing.content.decode()
    assert (
        client.post(f"/sessions/{chart['session'].pk}/notes/other/", {"text": "x"}).status_code
        == 404
    )


def test_oversized_paste_is_refused_without_saving(
    client: Any, owner: Any, chart: dict[str, Any]
) -> None:
    before = Session.objects.count()
    response = client.post(
        f"/patients/{chart['patient'].pk}/sessions/new/",
        {"date": "2026-03-01", "transcript_text": "T: " + "a" * 7_000_000},
    )
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert Session.objects.count() == before
