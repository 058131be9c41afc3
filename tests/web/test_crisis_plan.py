"""The MBT crisis plan (issue 19): its parts in the plan's order, contacts with phone numbers, a
review date that says when it is due or overdue, what changed between versions, the patient's
printable copy, and the migration that keeps plans written before all this readable."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import crisis_plan, services
from mentalize.web.records.crisis_plan import Contact
from mentalize.web.records.forms import CrisisPlanForm
from mentalize.web.records.models import CrisisPlanVersion
from tests.web.serving import run_module, serve_env, throwaway_database

CRISIS = "Being left out at work; I stop eating and stay in my room."
CAN_DO = "Text Sam and walk round the block.\nWait an hour before deciding anything."
OTHERS_DO = "Ask what happened just before. Stay with the feeling first."
INFO = "Do not argue about whether it hurts."
CONTACTS = [
    ("Sam Example", "sister", "07700 900123"),
    ("Crisis team", "out of hours", "0300 555 0199"),
]


def _post(contacts: list[tuple[str, str, str]] = CONTACTS, **changes: str) -> dict[str, str]:
    data = {
        "crisis_description": CRISIS,
        "patient_can_do": CAN_DO,
        "professionals_do": OTHERS_DO,
        "information_for_others": INFO,
        "review_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }
    for n, (name, role, phone) in enumerate(contacts, start=1):
        data |= {f"contact_{n}_name": name, f"contact_{n}_role": role, f"contact_{n}_phone": phone}
    return data | changes


def _url(chart: dict[str, Any], suffix: str = "") -> str:
    return f"/treatments/{chart['treatment'].pk}/crisis-plan/{suffix}"


def _versions(chart: dict[str, Any]) -> list[CrisisPlanVersion]:
    return list(CrisisPlanVersion.objects.filter(treatment=chart["treatment"]))


def _raw_column(version: CrisisPlanVersion, column: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM records_crisisplanversion WHERE id = %s",
            [version.pk],
        )
        return bytes(cursor.fetchone()[0])


# -- the pure parts --------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["999", "+44 (0)20 7946-0000", "0300 555 0199", "116 123"])
def test_phone_numbers_that_can_be_dialled(phone: str) -> None:
    assert crisis_plan.phone_problem(phone) is None


@pytest.mark.parametrize("phone", ["call Sam", "12", "07700 900123 ext 4", "07700.900123", "+-"])
def test_phone_numbers_refused_without_repeating_them(phone: str) -> None:
    problem = crisis_plan.phone_problem(phone)
    assert problem is not None and phone not in problem


def test_contacts_round_trip_through_storage() -> None:
    contacts = [Contact(*c) for c in CONTACTS] + [Contact("Zoë", "", "112")]
    assert list(crisis_plan.contacts_from(crisis_plan.contacts_json(contacts))) == contacts
    assert crisis_plan.contacts_from(None) == () == crisis_plan.contacts_from("")


@pytest.mark.parametrize(
    ("days", "state", "words"),
    [
        (-1, "overdue", "Review overdue"),
        (0, "due", "Review due"),
        (crisis_plan.REVIEW_SOON_DAYS, "due", "Review due"),
        (crisis_plan.REVIEW_SOON_DAYS + 1, "scheduled", "Next review"),
    ],
)
def test_review_state_by_date(days: int, state: str, words: str) -> None:
    today = dt.date(2026, 5, 1)
    found = crisis_plan.review(today + dt.timedelta(days=days), today)
    assert found.state == state
    assert found.words.startswith(words)
    assert f"{today + dt.timedelta(days=days):%Y-%m-%d}" in found.words
    assert crisis_plan.review(None, today).state == "unset"


def _plan(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "crisis_description": "",
        "patient_can_do": CAN_DO,
        "professionals_do": OTHERS_DO,
        "information_for_others": INFO,
        "contacts": (Contact(*CONTACTS[0]),),
        "review_date": None,
    }
    return base | changes


def test_changes_name_added_and_removed_lines_per_part() -> None:
    before = _plan()
    new_line = "Put the kettle on and ring Sam."
    after = _plan(
        patient_can_do=CAN_DO.replace("Wait an hour before deciding anything.", new_line),
        contacts=(Contact(*CONTACTS[0]), Contact(*CONTACTS[1])),
        review_date=dt.date(2026, 9, 1),
    )
    found = {c.label: c.lines for c in crisis_plan.changes(before, after)}
    assert list(found) == ["What the patient can do", "Contacts", "Review date"]
    assert [(c.kind, c.text) for c in found["What the patient can do"]] == [
        ("removed", "Wait an hour before deciding anything."),
        ("added", new_line),
    ]
    assert [(c.kind, c.text) for c in found["Contacts"]] == [
        ("added", Contact(*CONTACTS[1]).line())
    ]
    assert [(c.kind, c.text) for c in found["Review date"]] == [("added", "2026-09-01")]
    assert crisis_plan.changes(after, after) == ()


# -- the plan page ---------------------------------------------------------------------------


def test_a_full_plan_is_saved_encrypted_and_shown_in_the_plans_order(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    response = client.post(_url(chart), _post())
    assert response.status_code == 302
    latest = _versions(chart)[0]
    assert latest.version == 2 and latest.author == people["owner"]
    assert latest.crisis_description == CRISIS
    assert list(crisis_plan.contacts_from(latest.contacts)) == [Contact(*c) for c in CONTACTS]
    assert latest.review_date == timezone.localdate() + dt.timedelta(days=90)
    for column, secret in (("contacts", CONTACTS[0][2]), ("crisis_description", "left out")):
        assert secret.encode() not in _raw_column(latest, column)
    assert AuditEntry.objects.filter(
        action="create", object_type="records.crisisplanversion", object_id=str(latest.pk)
    ).exists()

    page = client.get(_url(chart)).content.decode()
    current = page[page.index("Current plan (version 2)") : page.index("Revise the plan")]
    labels = [s.label for s in crisis_plan.SECTIONS] + ["Contacts"]
    positions = [current.index(label) for label in labels]
    assert positions == sorted(positions)
    for name, role, phone in CONTACTS:
        assert name in current and role in current and phone in current
    assert f"Next review by {latest.review_date:%Y-%m-%d}" in current
    assert "Patient copy to print" in current


def test_contact_rows_are_checked_with_one_clear_line_each(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    before = len(_versions(chart))
    bad = [("Sam Example", "sister", "ring me"), ("", "", "0300 555 0199"), ("GP", "", "")]
    response = client.post(_url(chart), _post(bad))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Use a phone number here" in errors["contact_1_phone"][0]
    assert "ring me" not in errors["contact_1_phone"][0]
    assert errors["contact_2_name"] == ["Contact 2 needs a name or a service."]
    assert errors["contact_3_phone"] == ["Contact 3 needs a phone number."]
    assert len(_versions(chart)) == before


def test_empty_contact_rows_are_left_out_and_more_rows_follow_the_plan(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    client.post(_url(chart), _post([CONTACTS[0], ("", "", ""), CONTACTS[1], ("", "", "")]))
    assert len(crisis_plan.contacts_from(_versions(chart)[0].contacts)) == 2
    people_ = [(f"Person {n}", "friend", f"0770090012{n}") for n in range(1, 7)]
    offered = client.get(_url(chart)).context["form"].rows
    client.post(_url(chart), _post(people_))  # one more row than offered: not read
    saved = crisis_plan.contacts_from(_versions(chart)[0].contacts)
    assert [c.name for c in saved] == [name for name, _, _ in people_[:offered]]
    form = client.get(_url(chart)).context["form"]
    assert form.rows == offered + 2  # the plan's own rows and two blank ones
    assert form.initial[f"contact_{offered}_name"] == f"Person {offered}"


def test_an_unchanged_plan_with_contacts_adds_no_version(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    client.post(_url(chart), _post())
    count = len(_versions(chart))
    response = client.post(_url(chart), _post(), follow=True)
    assert "No changes" in response.content.decode()
    assert len(_versions(chart)) == count
    client.post(_url(chart), _post(review_date="2027-01-04"))
    assert len(_versions(chart)) == count + 1


def test_each_version_shows_what_changed_from_the_one_before(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    client.post(_url(chart), _post())  # version 2
    replaced = "Wait an hour before deciding anything."
    added = "Put the kettle on and ring Sam."
    client.post(_url(chart), _post(patient_can_do=CAN_DO.replace(replaced, added)))  # version 3
    page = client.get(_url(chart)).content.decode()
    current = page[page.index("Current plan (version 3)") : page.index("Revise the plan")]
    changed = current[current.index("What changed from version 2") :]
    assert f"+ Added:</span> <ins>{added}</ins>" in changed
    assert f"− Removed:</span> <del>{replaced}</del>" in changed
    assert INFO not in changed  # an unchanged part is not listed as changed
    earlier = page[page.index("Earlier versions") :]
    version2 = earlier[earlier.index("Version 2 ·") : earlier.index("Version 1 ·")]
    assert "What changed from version 1" in version2
    # Version 1 (the chart's) had no contacts: version 2 added both, marked in words.
    for name, role, phone in CONTACTS:
        assert f"<ins>{name} ({role}): {phone}</ins>" in version2
    assert "<del>Call a friend.</del>" in version2
    assert "first version" in earlier[earlier.index("Version 1 ·") :]


@pytest.mark.parametrize(("days", "words"), [(-3, "Review overdue"), (5, "Review due by")])
def test_review_due_or_overdue_is_shown_prominently(
    client: Any, people: dict[str, Any], chart: dict[str, Any], days: int, words: str
) -> None:
    client.force_login(people["owner"])
    due = timezone.localdate() + dt.timedelta(days=days)
    client.post(_url(chart), _post(review_date=due.isoformat()))
    page = client.get(_url(chart)).content.decode()
    assert f"<strong>{words}" in page and f"{due:%Y-%m-%d}" in page


def test_a_plan_without_a_phone_number_says_so(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    assert "No phone number in this plan yet" in client.get(_url(chart)).content.decode()
    client.post(_url(chart), _post())
    assert "No phone number in this plan yet" not in client.get(_url(chart)).content.decode()


def test_a_version_written_before_the_new_parts_reads_and_revises(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    # As migration 0007 leaves an older version: the new columns NULL.
    CrisisPlanVersion.objects.filter(pk=chart["plan"].pk).update(
        crisis_description=None, contacts=None, review_date=None
    )
    client.force_login(people["owner"])
    response = client.get(_url(chart))
    page = response.content.decode()
    assert "Call a friend." in page and "Not recorded." in page and "No review date set" in page
    assert response.context["form"].initial["patient_can_do"] == "Call a friend."
    unchanged = {
        "patient_can_do": "Call a friend.",
        "professionals_do": "Validate first.",
        "information_for_others": "Do not argue about feelings.",
    }
    client.post(_url(chart), unchanged)
    assert len(_versions(chart)) == 1  # NULL and empty are the same content
    assert client.get(_url(chart, "print/")).status_code == 200


def test_supervisor_reads_the_plan_and_its_copy_but_cannot_revise(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    page = client.get(_url(chart)).content.decode()
    assert "Call a friend." in page and "Patient copy to print" in page
    assert "Save as version" not in page and '<form method="post">' not in page
    assert client.post(_url(chart), _post()).status_code == 403
    assert len(_versions(chart)) == 1
    assert client.get(_url(chart, "print/")).status_code == 200


def test_clinical_text_stays_out_of_the_logs(
    client: Any, people: dict[str, Any], chart: dict[str, Any], caplog: Any
) -> None:
    client.force_login(people["owner"])
    with caplog.at_level(logging.DEBUG):
        client.post(_url(chart), _post())
        client.post(_url(chart), _post([("Sam", "sister", "not a number")]))
        client.get(_url(chart, "print/"))
    for secret in (CRISIS, CONTACTS[0][0], CONTACTS[0][2], "not a number"):
        assert secret not in caplog.text


# -- the patient's copy ----------------------------------------------------------------------


def test_the_patient_copy_is_the_current_plan_in_the_second_person(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    client.post(_url(chart), _post())
    plan = _versions(chart)[0]
    before = AuditEntry.objects.count()
    response = client.get(_url(chart, "print/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "My crisis plan" in page and chart["patient"].code in page
    for section in crisis_plan.SECTIONS:
        assert section.patient_label in page
        assert section.label not in page  # the clinician's headings stay on the record
    assert CRISIS in page and OTHERS_DO in page
    for name, role, phone in CONTACTS:
        assert name in page and role in page and phone in page
    review = plan.review_date
    assert f"{review.day} {review:%B %Y}" in page
    # The code only: not the name, not the clinician's notes, not an earlier version's text.
    assert chart["patient"].name not in page
    assert "Clinician note" not in page and "Call a friend." not in page
    # No clinic navigation on this page at all, and what is for the clinician is screen-only.
    assert "<nav" not in page and "Log out" not in page
    assert 'class="toolbar screen-only"' in page and ".screen-only{display:none" in page
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        "read",
        "records.crisisplanversion",
        str(plan.pk),
        "owner",
    )


def test_an_episode_without_a_plan_offers_the_first_version_and_no_copy(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    from mentalize.web.records.models import Treatment

    owner = people["owner"]
    fresh = services.create(
        owner,
        Treatment,
        patient=chart["patient"],
        modality="group",
        frequency="weekly",
        start=dt.date(2026, 4, 1),
    )
    client.force_login(owner)
    page = client.get(f"/treatments/{fresh.pk}/crisis-plan/").content.decode()
    assert "No crisis plan yet." in page and "Save as version 1" in page
    before = AuditEntry.objects.count()
    response = client.get(f"/treatments/{fresh.pk}/crisis-plan/print/")
    assert response.status_code == 200 and "No crisis plan yet" in response.content.decode()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("role", "status"), [("other", 404), ("other_sup", 404), ("admin", 404)])
def test_the_patient_copy_is_private_to_those_who_read_the_record(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str, status: int
) -> None:
    client.force_login(people[role])
    assert client.get(_url(chart, "print/")).status_code == status
    assert client.post(_url(chart, "print/")).status_code in (404, 405)


def test_the_form_offers_the_plans_contacts_for_revision(
    people: dict[str, Any], chart: dict[str, Any]
) -> None:
    contacts = [Contact(*c) for c in CONTACTS]
    version = services.add_crisis_plan_version(
        people["owner"],
        chart["treatment"],
        patient_can_do="a",
        professionals_do="b",
        information_for_others="c",
        contacts=contacts,
        review_date=dt.date(2026, 8, 1),
    )
    initial = CrisisPlanForm.initial_for(version)
    assert [(initial[f"contact_{n}_name"], initial[f"contact_{n}_phone"]) for n in (1, 2)] == [
        (c.name, c.phone) for c in contacts
    ]
    assert initial["review_date"] == dt.date(2026, 8, 1)


# -- upgrading a clinic ----------------------------------------------------------------------


def test_versions_and_events_from_before_0007_stay_readable(tmp_path: Any) -> None:
    """On the PostgreSQL run, on a throw-away database of that server: adding columns to a
    table with rows is where the two backends differ."""
    env = serve_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "mentalize.web.settings"}
    url = os.environ.get("MENTALIZE_TEST_DATABASE_URL", "").strip()
    with contextlib.ExitStack() as stack:
        if url:
            name = f"mentalize_upgrade_0007_{os.getpid()}"
            env["MENTALIZE_DATABASE_URL"] = stack.enter_context(throwaway_database(url, name))
        done = run_module("tests.web.crisis_plan_upgrade_check", env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "database": "postgresql" if url else "sqlite",
        "patient_can_do": "Call a friend.",
        "crisis_description": None,
        "contacts": [],
        "review_date": None,
        "outcome_kind": "self_harm",
        "severity": "",
        "note": None,
        "session": None,
    }


def test_plan_text_and_contacts_are_escaped_on_both_pages(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    script = "<script>alert(1)</script>"
    client.force_login(people["owner"])
    response = client.post(_url(chart), _post([(script, script, "999")], crisis_description=script))
    assert response.status_code == 302
    for suffix in ("", "print/"):
        page = client.get(_url(chart, suffix)).content.decode()
        assert script not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
