"""Marking an alert reviewed (issue 19): the count drops, the review is the treating clinician's
own audited act, the history is kept, and a newer record raises a new alert.

Only alerts that do not age out are used here (risk language in a session, a critical PHQ-9
item), so the pages' own ``today`` cannot change what they show.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from django.db import connection

from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import overview, services
from mentalize.web.records.models import AlertReview, Patient
from tests.web.test_overview import _analysis, _session

NOTE = "Asked about the plan; safety plan revisited with Bea."
PHQ_ITEM9 = [2, 2, 2, 2, 2, 2, 1, 0, 1]  # item 9 answered: a critical flag


@pytest.fixture
def flagged(people: dict[str, Any]) -> dict[str, Any]:
    """A patient of ``owner`` with two open alerts: risk language in a session, and a PHQ-9
    whose item 9 flags."""
    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0190", clinician=owner)
    session = _session(
        owner, patient, dt.date(2026, 3, 2), _analysis([([0.2], [0.8])], 0.5, 0.7, ["ideation"])
    )
    phq = services.add_questionnaire(owner, patient, None, "phq9", PHQ_ITEM9, dt.date(2026, 3, 3))
    return {"patient": patient, "session": session, "phq": phq}


def _url(flagged: dict[str, Any]) -> str:
    return f"/patients/{flagged['patient'].pk}/alerts/review/"


def _open(user: Any, flagged: dict[str, Any]) -> list[str]:
    return [a.key for a in overview.build(user, flagged["patient"].pk)[1].alerts]


def _count_on_caseload(client: Any, flagged: dict[str, Any]) -> str:
    page = client.get("/patients/").content.decode()
    row = re.search(rf"<tr><td><a[^>]*>{flagged['patient'].code}</a>.*?</tr>", page)
    assert row, "the patient is not on the caseload"
    found = re.search(r"(\d+ alerts?|none)", row.group(0))
    assert found
    return found.group(1)


def test_a_review_takes_the_alert_off_the_count_and_lists_it(
    client: Any, people: dict[str, Any], flagged: dict[str, Any]
) -> None:
    owner = people["owner"]
    client.force_login(owner)
    risk = f"risk_flags:{flagged['session'].pk}"
    assert sorted(_open(owner, flagged)) == sorted(
        [risk, f"questionnaire_flag:{flagged['phq'].pk}"]
    )
    assert _count_on_caseload(client, flagged) == "2 alerts"
    page = client.get(f"/patients/{flagged['patient'].pk}/").content.decode()
    assert page.count("Mark reviewed") == 2

    response = client.post(
        _url(flagged), {"key": risk, "note": NOTE, "back": "overview"}, follow=True
    )
    assert response.redirect_chain == [(f"/patients/{flagged['patient'].pk}/overview/", 302)]
    assert "Alert marked as reviewed." in response.content.decode()

    assert _count_on_caseload(client, flagged) == "1 alert"
    assert _open(owner, flagged) == [f"questionnaire_flag:{flagged['phq'].pk}"]
    review = AlertReview.objects.get()
    assert (review.kind, review.source_id, review.reviewed_by) == (
        "risk_flags",
        flagged["session"].pk,
        owner,
    )
    assert review.note == NOTE and review.alert_date == dt.date(2026, 3, 2)
    # The note is encrypted at rest, like every other clinical text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM records_alertreview")
        assert NOTE.encode() not in bytes(cursor.fetchone()[0])
    # Under "Reviewed" on the overview, with who, when and the note; open alerts above it.
    shown = client.get(f"/patients/{flagged['patient'].pk}/overview/").content.decode()
    reviewed = shown[shown.index('id="reviewed-title"') :]
    assert "Reviewed by owner on" in reviewed and "safety plan revisited" in reviewed
    assert "1 reviewed alert" in client.get(f"/patients/{flagged['patient'].pk}/").content.decode()


def test_the_review_is_a_chain_entry(
    client: Any, people: dict[str, Any], flagged: dict[str, Any], caplog: Any
) -> None:
    client.force_login(people["owner"])
    caplog.set_level(logging.DEBUG)
    client.post(_url(flagged), {"key": f"risk_flags:{flagged['session'].pk}", "note": NOTE})
    review = AlertReview.objects.get()
    entry = AuditEntry.objects.get(action="create", object_type="records.alertreview")
    assert (entry.object_id, entry.patient_id, entry.actor) == (
        str(review.pk),
        flagged["patient"].pk,
        "owner",
    )
    assert verify().ok
    assert NOTE not in caplog.text  # no clinical text in the logs
    # Reading the overview logs a read of the review (its note is on the page).
    client.get(f"/patients/{flagged['patient'].pk}/overview/")
    assert AuditEntry.objects.filter(
        action="read", object_type="records.alertreview", object_id=str(review.pk)
    ).exists()


@pytest.mark.parametrize(("role", "status"), [("other", 404), ("other_sup", 404), ("admin", 404)])
def test_others_get_404(
    client: Any, people: dict[str, Any], flagged: dict[str, Any], role: str, status: int
) -> None:
    client.force_login(people[role])
    key = f"risk_flags:{flagged['session'].pk}"
    assert client.post(_url(flagged), {"key": key}).status_code == status
    assert not AlertReview.objects.exists()


def test_a_supervisor_reads_reviews_but_cannot_review(
    client: Any, people: dict[str, Any], flagged: dict[str, Any]
) -> None:
    key = f"risk_flags:{flagged['session'].pk}"
    client.force_login(people["sup"])
    assert client.post(_url(flagged), {"key": key}).status_code == 403
    assert not AlertReview.objects.exists()
    page = client.get(f"/patients/{flagged['patient'].pk}/overview/").content.decode()
    assert "For review" in page and "Mark reviewed" not in page
    overview.review_alert(people["owner"], flagged["patient"], key, NOTE)
    page = client.get(f"/patients/{flagged['patient'].pk}/overview/").content.decode()
    assert "Reviewed by owner" in page and "safety plan revisited" in page
    assert _count_on_caseload(client, flagged) == "1 alert"


def test_a_newer_record_raises_a_new_alert(
    client: Any, people: dict[str, Any], flagged: dict[str, Any]
) -> None:
    owner, patient = people["owner"], flagged["patient"]
    client.force_login(owner)
    for key in _open(owner, flagged):
        assert client.post(_url(flagged), {"key": key}).status_code == 302
    assert _open(owner, flagged) == []
    assert _count_on_caseload(client, flagged) == "none"

    later = _session(owner, patient, dt.date(2026, 4, 6), _analysis([], None, None, ["self_harm"]))
    phq = services.add_questionnaire(owner, patient, None, "phq9", PHQ_ITEM9, dt.date(2026, 4, 7))
    assert sorted(_open(owner, flagged)) == sorted(
        [f"questionnaire_flag:{phq.pk}", f"risk_flags:{later.pk}"]
    )
    assert _count_on_caseload(client, flagged) == "2 alerts"
    # The earlier reviews stay in the history.
    found = overview.build(owner, patient.pk)[1]
    assert len(found.reviewed) == 2
    assert {r.review.source_id for r in found.reviewed} == {
        flagged["session"].pk,
        flagged["phq"].pk,
    }


def test_a_second_review_or_a_made_up_key_files_nothing(
    client: Any, people: dict[str, Any], flagged: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    key = f"risk_flags:{flagged['session'].pk}"
    client.post(_url(flagged), {"key": key, "note": "first"})
    again = client.post(_url(flagged), {"key": key, "note": "second"}, follow=True)
    assert "no longer open" in again.content.decode()
    for made_up in ("risk_flags:999999", "outcome:1", "not a key"):
        assert client.post(_url(flagged), {"key": made_up}).status_code == 302
    assert AlertReview.objects.count() == 1
    assert (
        AuditEntry.objects.filter(object_type="records.alertreview", action="create").count() == 1
    )
    assert client.get(_url(flagged)).status_code == 405
