"""Outcome events with a note, a severity and a link to one of the patient's sessions (issue 19):
the form offers and accepts only the patient's own sessions, the note is encrypted, everything is
audited, the patient page and the exports show the new fields, and old events still read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection

from mentalize.web.audit.models import AuditEntry
from mentalize.web.exports.fhir_bundle import bundle
from mentalize.web.exports.record import collect
from mentalize.web.exports.tables import tables
from mentalize.web.records import services
from mentalize.web.records.models import OutcomeEvent, Patient, Treatment

NOTE = "Cut her forearm after the row with her mother; dressed it herself."


def _url(patient: Patient) -> str:
    return f"/patients/{patient.pk}/outcomes/new/"


def _data(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "self_harm",
        "date": "2026-03-04",
        "severity": "moderate",
        "note": NOTE,
    } | changes


@pytest.fixture
def stranger(people: dict[str, Any], analysed: Any) -> dict[str, Any]:
    """Another clinician's patient with a session, and a second patient of the owner's own."""
    other = services.create(people["other"], Patient, code="MBT-0900", clinician=people["other"])
    other_session = services.add_session(
        people["other"], other, None, dt.date(2026, 2, 3), analysed
    )
    sibling = services.create(people["owner"], Patient, code="MBT-0002", clinician=people["owner"])
    sibling_session = services.add_session(
        people["owner"], sibling, None, dt.date(2026, 2, 4), analysed
    )
    return {"other": other_session, "sibling": sibling_session}


def test_an_event_with_severity_session_and_note_is_stored_encrypted_and_audited(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    session = chart["session"]
    response = client.post(_url(chart["patient"]), _data(session=session.pk))
    assert response.status_code == 302
    event = OutcomeEvent.objects.get(date="2026-03-04")
    assert (event.kind, event.severity, event.session, event.note) == (
        "self_harm",
        "moderate",
        session,
        NOTE,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM records_outcomeevent WHERE id = %s", [event.pk])
        assert b"forearm" not in bytes(cursor.fetchone()[0])
    assert AuditEntry.objects.filter(
        action="create", object_type="records.outcomeevent", object_id=str(event.pk)
    ).exists()


def test_the_form_offers_only_the_patients_own_sessions(
    client: Any, people: dict[str, Any], chart: dict[str, Any], stranger: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    form = client.get(_url(chart["patient"])).context["form"]
    offered = {choice.pk for choice in form.fields["session"].queryset}
    assert offered == {chart["session"].pk}
    page = client.get(_url(chart["patient"])).content.decode()
    options = set(re.findall(r'<option value="(\d+)"', page.split('name="session"')[1]))
    assert options == {str(chart["session"].pk)}


@pytest.mark.parametrize("whose", ["other", "sibling"])
def test_another_patients_session_is_refused_with_a_clear_error(
    client: Any,
    people: dict[str, Any],
    chart: dict[str, Any],
    stranger: dict[str, Any],
    whose: str,
) -> None:
    client.force_login(people["owner"])
    before = OutcomeEvent.objects.count()
    response = client.post(_url(chart["patient"]), _data(session=stranger[whose].pk))
    assert response.status_code == 200
    assert response.context["form"].errors["session"] == [
        "Choose one of this patient's own sessions."
    ]
    assert "Choose one of this patient&#x27;s own sessions." in response.content.decode()
    assert OutcomeEvent.objects.count() == before


def test_the_service_refuses_another_patients_session_too(
    people: dict[str, Any], chart: dict[str, Any], stranger: dict[str, Any]
) -> None:
    before = (OutcomeEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(services.OtherPatientsSession):
        services.add_outcome(
            people["owner"],
            chart["patient"],
            None,
            "self_harm",
            dt.date(2026, 3, 4),
            session=stranger["sibling"],
        )
    assert (OutcomeEvent.objects.count(), AuditEntry.objects.count()) == before


def test_a_session_of_another_episode_is_refused(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    later = services.create(
        people["owner"],
        Treatment,
        patient=chart["patient"],
        modality="group",
        frequency="weekly",
        start=dt.date(2026, 4, 1),
    )
    client.force_login(people["owner"])
    response = client.post(
        _url(chart["patient"]), _data(session=chart["session"].pk, treatment=later.pk)
    )
    assert response.status_code == 200
    assert "another treatment episode" in response.context["form"].errors["session"][0]


def test_an_event_linked_to_a_session_is_filed_under_that_sessions_episode(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    """With no episode chosen, the linked session's episode is taken: filed under none, the
    event would drop out of that episode's record and overview."""
    episode = services.create(
        people["owner"],
        Treatment,
        patient=chart["patient"],
        modality="individual",
        frequency="weekly",
        start=dt.date(2026, 1, 1),
    )
    linked = chart["session"]
    linked.treatment = episode
    linked.save(update_fields=["treatment"])
    client.force_login(people["owner"])
    response = client.post(_url(chart["patient"]), _data(session=linked.pk))
    assert response.status_code == 302
    assert OutcomeEvent.objects.get(date="2026-03-04").treatment_id == episode.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"severity": "catastrophic"}, "severity"), ({"note": "x" * 5001}, "note")],
)
def test_bad_severity_or_overlong_note_is_refused(
    client: Any, people: dict[str, Any], chart: dict[str, Any], changes: dict[str, str], field: str
) -> None:
    client.force_login(people["owner"])
    before = OutcomeEvent.objects.count()
    response = client.post(_url(chart["patient"]), _data(**changes))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert OutcomeEvent.objects.count() == before


def test_severity_session_and_note_are_optional(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    response = client.post(
        _url(chart["patient"]), {"kind": "hospitalisation", "date": "2026-03-07"}
    )
    assert response.status_code == 302
    event = OutcomeEvent.objects.get(date="2026-03-07")
    assert (event.severity, event.session, event.note) == ("", None, None)


def test_the_patient_page_lists_severity_session_and_note_and_audits_the_read(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    event = services.add_outcome(
        people["owner"],
        chart["patient"],
        chart["treatment"],
        "suicide_attempt",
        dt.date(2026, 3, 1),
        severity="high",
        session=chart["session"],
        note=NOTE,
    )
    for role in ("owner", "sup"):
        client.force_login(people[role])
        page = client.get(f"/patients/{chart['patient'].pk}/").content.decode()
        block = page[page.index("<h2>Outcome events</h2>") :]
        block = block[: block.index("</section>")]
        assert "Suicide attempt" in block and "Severity: High" in block
        assert f'href="/sessions/{chart["session"].pk}/"' in block
        assert f"Session of {chart['session'].date:%Y-%m-%d}" in block
        assert "Cut her forearm" in block
        assert AuditEntry.objects.filter(
            actor=role, action="read", object_type="records.outcomeevent", object_id=str(event.pk)
        ).exists()
        assert ("Record an event" in block) is (role == "owner")


def test_listing_events_does_not_decrypt_the_linked_sessions_text(
    people: dict[str, Any], chart: dict[str, Any]
) -> None:
    services.add_outcome(
        people["owner"],
        chart["patient"],
        None,
        "self_harm",
        dt.date(2026, 3, 1),
        session=chart["session"],
    )
    (linked,) = [o for o in chart["patient"].outcome_events.all() if o.session_id]
    assert {"transcript", "analysis_json", "report_html"} <= linked.session.get_deferred_fields()


def test_supervisor_may_not_record_an_event(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    before = OutcomeEvent.objects.count()
    assert client.get(_url(chart["patient"])).status_code == 403
    response = client.post(_url(chart["patient"]), _data(session=chart["session"].pk))
    assert response.status_code == 403
    assert OutcomeEvent.objects.count() == before


def test_exports_carry_severity_session_and_note(
    people: dict[str, Any], chart: dict[str, Any]
) -> None:
    event = services.add_outcome(
        people["owner"],
        chart["patient"],
        chart["treatment"],
        "hospitalisation",
        dt.date(2026, 3, 2),
        severity="critical",
        session=chart["session"],
        note=NOTE,
    )
    exported = collect(people["owner"], chart["patient"].pk)
    rows = {row[0]: row for row in tables(exported)["outcome_events.csv"]}
    assert rows[event.pk][4:] == ["critical", chart["session"].pk, NOTE]
    assert rows[chart["outcome"].pk][4:] == ["", "", ""]  # an event without them: empty cells

    found = bundle(exported)
    entries = {e["fullUrl"]: e["resource"] for e in found["entry"]}
    (observation,) = [
        r
        for r in entries.values()
        if r["resourceType"] == "Observation"
        and r.get("identifier", [{}])[0].get("value") == str(event.pk)
        and "outcomeevent" in r["identifier"][0]["system"]
    ]
    assert observation["note"] == [{"text": NOTE}]
    severity = observation["component"][0]["valueCodeableConcept"]["coding"][0]
    assert severity["code"] == "critical"
    encounter = entries[observation["encounter"]["reference"]]
    assert encounter["resourceType"] == "Encounter"
    assert encounter["identifier"][0]["value"] == str(chart["session"].pk)
