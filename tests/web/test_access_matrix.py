"""Who may see and change what: every role relation × every clinical object × read and write.

owner      the patient's clinician: reads and writes everything
sup        the owner's supervisor: reads (200), writes refused (403)
other      another clinician: the records do not exist for them (404)
other_sup  another clinician's supervisor: 404
admin      accounts only: 404 on every clinical record
"""

from __future__ import annotations

from typing import Any

import pytest

from mentalize.web.records.models import (
    ClinicianNote,
    CrisisPlanVersion,
    OutcomeEvent,
    PsychotherapyNote,
    QuestionnaireAdministration,
    Session,
    Treatment,
)

ROLES = ("owner", "sup", "other", "other_sup", "admin")
READ = {"owner": 200, "sup": 200, "other": 404, "other_sup": 404, "admin": 404}
WRITE = {"owner": 302, "sup": 403, "other": 404, "other_sup": 404, "admin": 404}
WRITE_FORM = {"owner": 200, "sup": 403, "other": 404, "other_sup": 404, "admin": 404}

PHQ9 = {f"item_{n}": "1" for n in range(1, 10)}

# name -> (url built from the chart, status table)
READS = {
    "patient": (lambda c: f"/patients/{c['patient'].pk}/", READ),
    "session": (lambda c: f"/sessions/{c['session'].pk}/", READ),
    "session report": (lambda c: f"/sessions/{c['session'].pk}/report/", READ),
    "crisis plan": (lambda c: f"/treatments/{c['treatment'].pk}/crisis-plan/", READ),
    "questionnaire": (lambda c: f"/questionnaires/{c['questionnaire'].pk}/", READ),
    "new treatment form": (lambda c: f"/patients/{c['patient'].pk}/treatments/new/", WRITE_FORM),
    "new session form": (lambda c: f"/patients/{c['patient'].pk}/sessions/new/", WRITE_FORM),
    "new outcome form": (lambda c: f"/patients/{c['patient'].pk}/outcomes/new/", WRITE_FORM),
    "new questionnaire form": (
        lambda c: f"/patients/{c['patient'].pk}/questionnaires/phq9/new/",
        WRITE_FORM,
    ),
}

# name -> (url, form data, model whose row count grows by one on success)
WRITES = {
    "treatment": (
        lambda c: f"/patients/{c['patient'].pk}/treatments/new/",
        {"modality": "group", "frequency": "weekly", "start": "2026-03-01", "status": "active"},
        Treatment,
    ),
    "session": (
        lambda c: f"/patients/{c['patient'].pk}/sessions/new/",
        {"date": "2026-03-02", "transcript_text": "T: How was the week?\nP: Hard, I think.\n"},
        Session,
    ),
    "clinician note": (
        lambda c: f"/sessions/{c['session'].pk}/notes/clinician/",
        {"text": "A further note."},
        ClinicianNote,
    ),
    "psychotherapy note": (
        lambda c: f"/sessions/{c['session'].pk}/notes/psychotherapy/",
        {"text": "A further process note."},
        PsychotherapyNote,
    ),
    "crisis plan": (
        lambda c: f"/treatments/{c['treatment'].pk}/crisis-plan/",
        {"patient_can_do": "a", "professionals_do": "b", "information_for_others": "c"},
        CrisisPlanVersion,
    ),
    "questionnaire": (
        lambda c: f"/patients/{c['patient'].pk}/questionnaires/phq9/new/",
        {"date": "2026-03-03", **PHQ9},
        QuestionnaireAdministration,
    ),
    "outcome event": (
        lambda c: f"/patients/{c['patient'].pk}/outcomes/new/",
        {"kind": "self_harm", "date": "2026-03-04"},
        OutcomeEvent,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", sorted(READS))
def test_read_matrix(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str, target: str
) -> None:
    url, expected = READS[target]
    client.force_login(people[role])
    assert client.get(url(chart)).status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", sorted(WRITES))
def test_write_matrix(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str, target: str
) -> None:
    url, data, model = WRITES[target]
    before = model.objects.count()
    client.force_login(people[role])
    response = client.post(url(chart), data)
    assert response.status_code == WRITE[role], getattr(response, "context", None) and [
        f.errors for f in [response.context.get("form")] if f
    ]
    assert model.objects.count() == before + (1 if role == "owner" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_caseload_lists_only_visible_patients(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    client.force_login(people[role])
    response = client.get("/patients/", follow=True)
    assert response.status_code == 200
    assert ("MBT-0001" in response.content.decode()) is (role in ("owner", "sup"))


@pytest.mark.parametrize("role", ROLES)
def test_psychotherapy_notes_only_for_the_owner(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    client.force_login(people[role])
    response = client.get(f"/sessions/{chart['session'].pk}/")
    body = response.content.decode()
    assert ("Process note: my own irritation." in body) is (role == "owner")
    assert ("Clinician note: steady alliance." in body) is (role in ("owner", "sup"))


@pytest.mark.parametrize("role", ("owner", "sup", "other", "admin"))
def test_only_clinicians_create_patients(client: Any, people: dict[str, Any], role: str) -> None:
    from mentalize.web.records.models import Patient

    client.force_login(people[role])
    response = client.post("/patients/new/", {"code": f"P-{role}"})
    clinician = role in ("owner", "other")
    assert response.status_code == (302 if clinician else 403)
    assert Patient.objects.filter(code=f"P-{role}").exists() is clinician


def test_scoping_helpers_agree_with_the_views(
    people: dict[str, Any], chart: dict[str, Any]
) -> None:
    from mentalize.web.records import scoping

    patient = chart["patient"]
    visible = {role: list(scoping.visible_patients(people[role])) for role in ROLES}
    assert visible == {
        "owner": [patient],
        "sup": [patient],
        "other": [],
        "other_sup": [],
        "admin": [],
    }
    assert list(scoping.writable_patients(people["sup"])) == []
    assert list(scoping.visible(people["sup"], PsychotherapyNote)) == []
    assert list(scoping.visible(people["owner"], PsychotherapyNote)) == [chart["pnote"]]


def test_anonymous_is_sent_to_login(client: Any, chart: dict[str, Any]) -> None:
    response = client.get(f"/patients/{chart['patient'].pk}/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_deactivated_clinician_sees_nothing(people: dict[str, Any], chart: dict[str, Any]) -> None:
    from mentalize.web.records import scoping

    owner = people["owner"]
    owner.is_active = False
    owner.save()
    assert list(scoping.visible_patients(owner)) == []
