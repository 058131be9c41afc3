"""Supervision comments (issue 19): the clinician's supervisor writes, the clinician and the
supervisor read (newest first), nobody else reaches them, and every write and read is a chain
entry with no clinical text in it or in the logs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import connection

from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import services
from mentalize.web.records.models import SupervisionComment
from mentalize.web.records.views.patients import SUPERVISION_SHOWN

TEXT = "Notice how quickly you reassured her after the break; what was that about?"
LATER = "Follow-up: the pause at minute 12 looked like pretend mode."


def _url(chart: dict[str, Any]) -> str:
    return f"/patients/{chart['patient'].pk}/supervision/"


def test_the_supervisor_posts_and_the_clinician_sees_it(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    page = client.get(_url(chart)).content.decode()
    assert "Leave a comment" in page and "No supervision comments yet." in page
    response = client.post(_url(chart), {"text": TEXT, "session": chart["session"].pk}, follow=True)
    assert response.redirect_chain == [(_url(chart), 302)]
    assert "Supervision comment saved." in response.content.decode()
    comment = SupervisionComment.objects.get()
    assert (comment.author, comment.patient, comment.session, comment.text) == (
        people["sup"],
        chart["patient"],
        chart["session"],
        TEXT,
    )
    assert comment.created_at is not None
    # Encrypted at rest, like every other clinical text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM records_supervisioncomment")
        assert TEXT.encode() not in bytes(cursor.fetchone()[0])
    client.post(_url(chart), {"text": LATER})  # about the treatment in general

    client.force_login(people["owner"])
    patient_page = client.get(f"/patients/{chart['patient'].pk}/").content.decode()
    assert "Supervision comments (2)" in patient_page
    # The patient page shows them too, newest first (see the tests of its block below).
    assert patient_page.index("pretend mode") < patient_page.index("quickly you reassured")
    page = client.get(_url(chart)).content.decode()
    assert "Leave a comment" not in page and "<form" not in page.split("<main")[-1]
    assert page.index("pretend mode") < page.index("quickly you reassured")  # newest first
    assert "about the session of" in page and "sup ·" in page


def test_the_chain_records_the_write_and_each_read(
    client: Any, people: dict[str, Any], chart: dict[str, Any], caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    client.force_login(people["sup"])
    client.post(_url(chart), {"text": TEXT})
    comment = SupervisionComment.objects.get()
    entry = AuditEntry.objects.get(action="create", object_type="records.supervisioncomment")
    assert (entry.object_id, entry.patient_id, entry.actor) == (
        str(comment.pk),
        chart["patient"].pk,
        "sup",
    )
    for who in ("owner", "sup"):
        client.force_login(people[who])
        before = AuditEntry.objects.filter(
            action="read", object_type="records.supervisioncomment", actor=who
        ).count()
        client.get(_url(chart))
        after = AuditEntry.objects.filter(
            action="read",
            object_type="records.supervisioncomment",
            object_id=str(comment.pk),
            actor=who,
        ).count()
        assert after == before + 1
    assert verify().ok
    assert TEXT not in caplog.text  # no clinical text in the logs
    assert not AuditEntry.objects.filter(object_id__contains="reassured").exists()


def test_the_clinician_cannot_post(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    assert client.post(_url(chart), {"text": TEXT}).status_code == 403
    assert not SupervisionComment.objects.exists()


@pytest.mark.parametrize("role", ["other", "other_sup", "admin"])
def test_no_one_else_reads_or_writes(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    services.add_supervision_comment(people["sup"], chart["patient"], TEXT)
    client.force_login(people[role])
    assert client.get(_url(chart)).status_code == 404
    assert client.post(_url(chart), {"text": "Mine."}).status_code == 404
    assert SupervisionComment.objects.count() == 1


def test_a_session_of_another_patient_is_refused(
    client: Any, people: dict[str, Any], chart: dict[str, Any], analysed: Any
) -> None:
    from mentalize.web.records.models import Patient

    owner = people["owner"]
    elsewhere = services.create(owner, Patient, code="MBT-0002", clinician=owner)
    session = services.add_session(owner, elsewhere, None, chart["session"].date, analysed)
    client.force_login(people["sup"])
    response = client.post(_url(chart), {"text": TEXT, "session": session.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not SupervisionComment.objects.exists()


def test_comments_are_append_only(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    """No edit or delete anywhere: a second comment adds a row, the first stays as written."""
    client.force_login(people["sup"])
    client.post(_url(chart), {"text": TEXT})
    client.post(_url(chart), {"text": LATER})
    assert [c.text for c in SupervisionComment.objects.all()] == [LATER, TEXT]
    for method in (client.put, client.delete, client.patch):
        assert method(_url(chart)).status_code == 405


# The patient page's block: the newest few comments, audited like the supervision page's list.


def _patient_page(client: Any, chart: dict[str, Any]) -> str:
    response = client.get(f"/patients/{chart['patient'].pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _block(page: str) -> str:
    found = re.search(r'<section class="card supervision".*?</section>', page, re.S)
    assert found, "no supervision block on the patient page"
    return found.group(0)


@pytest.mark.parametrize("role", ["owner", "sup"])
def test_the_patient_page_shows_the_newest_comments_to_both(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    texts = [f"Comment number {n}: stay with the affect." for n in range(SUPERVISION_SHOWN + 1)]
    for n, text in enumerate(texts):
        services.add_supervision_comment(
            people["sup"], chart["patient"], text, chart["session"] if n == len(texts) - 1 else None
        )
    client.force_login(people[role])
    block = _block(_patient_page(client, chart))
    newest = texts[::-1][:SUPERVISION_SHOWN]
    assert [block.index(t) for t in newest] == sorted(block.index(t) for t in newest)
    assert texts[0] not in block  # the oldest is on the supervision page only
    assert f"The latest {SUPERVISION_SHOWN} of {len(texts)}" in block
    assert f'href="/patients/{chart["patient"].pk}/supervision/"' in block
    assert f"Supervision comments ({len(texts)})" in block
    session = chart["session"]
    assert f'href="/sessions/{session.pk}/">{session.date:%Y-%m-%d}</a>' in block
    assert block.count("about the session of") == 1 and "sup ·" in block
    assert ("leave one there" in block) is (role == "sup")


def test_the_patient_pages_comments_are_audited_reads(
    client: Any, people: dict[str, Any], chart: dict[str, Any], caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    comments = [
        services.add_supervision_comment(people["sup"], chart["patient"], f"{TEXT} ({n})")
        for n in range(SUPERVISION_SHOWN + 1)
    ]
    for who in ("owner", "sup"):
        client.force_login(people[who])
        before = AuditEntry.objects.count()
        _patient_page(client, chart)
        read = AuditEntry.objects.filter(
            seq__gt=before, action="read", object_type="records.supervisioncomment", actor=who
        )
        shown = sorted(str(c.pk) for c in comments[-SUPERVISION_SHOWN:])
        assert sorted(e.object_id for e in read) == shown  # each shown, the older one not
        assert {e.patient_id for e in read} == {chart["patient"].pk}
    assert verify().ok
    assert TEXT not in caplog.text


def test_without_comments_the_page_keeps_one_quiet_link(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    page = _patient_page(client, chart)
    assert 'class="card supervision"' not in page
    assert (
        f'<a href="/patients/{chart["patient"].pk}/supervision/">Supervision comments</a>' in page
    )


@pytest.mark.parametrize("role", ["other", "other_sup", "admin"])
def test_no_one_else_reads_them_on_the_patient_page(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    services.add_supervision_comment(people["sup"], chart["patient"], TEXT)
    client.force_login(people[role])
    before = AuditEntry.objects.filter(object_type="records.supervisioncomment").count()
    assert client.get(f"/patients/{chart['patient'].pk}/").status_code == 404
    assert AuditEntry.objects.filter(object_type="records.supervisioncomment").count() == before
