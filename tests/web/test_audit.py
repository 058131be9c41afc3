"""The audit log: every read and write recorded, append-only, hash-chained, and verifiable."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from django.db import connection, transaction
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.audit.chain import GENESIS, entry_hash, verify
from mentalize.web.audit.models import AppendOnlyError, AuditEntry, AuditHead
from tests.web.conftest import on_postgres


def _entries(**filters: Any) -> list[tuple[str, str, str, str]]:
    return list(
        AuditEntry.objects.filter(**filters).values_list(
            "actor", "action", "object_type", "object_id"
        )
    )


def test_writes_are_recorded_with_who_what_and_when(chart: dict[str, Any]) -> None:
    session = chart["session"]
    assert ("owner", "create", "records.session", str(session.pk)) in _entries()
    assert ("owner", "create", "records.psychotherapynote", str(chart["pnote"].pk)) in _entries()
    assert AuditEntry.objects.filter(patient_id=chart["patient"].pk).count() == 8
    assert all(e.at is not None for e in AuditEntry.objects.all())


def test_reads_are_recorded_per_object(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    client.get(f"/sessions/{chart['session'].pk}/")
    client.get(f"/treatments/{chart['treatment'].pk}/crisis-plan/")
    reads = _entries(action="read", actor="sup")
    assert ("sup", "read", "records.session", str(chart["session"].pk)) in reads
    assert ("sup", "read", "records.cliniciannote", str(chart["note"].pk)) in reads
    assert ("sup", "read", "records.crisisplanversion", str(chart["plan"].pk)) in reads
    # The supervisor never read the psychotherapy note, so no entry says they did.
    assert not [r for r in reads if r[2] == "records.psychotherapynote"]


def test_refused_reads_leave_no_read_entry(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["other"])
    assert client.get(f"/sessions/{chart['session'].pk}/").status_code == 404
    assert _entries(action="read", actor="other") == []


def test_chain_links_every_entry_to_the_previous(chart: dict[str, Any]) -> None:
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    result = verify()
    assert result.ok and result.checked == len(entries)


def test_entries_cannot_be_changed_or_deleted_through_the_app(chart: dict[str, Any]) -> None:
    entry = AuditEntry.objects.first()
    entry.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_triggers_refuse_raw_updates(chart: dict[str, Any]) -> None:
    from django.db.utils import DatabaseError

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET actor = 'x'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry")


def _drop_triggers() -> None:
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.execute("DROP TRIGGER audit_entry_append_only ON audit_auditentry")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


@pytest.mark.parametrize(
    "tamper, problem",
    [
        ("UPDATE audit_auditentry SET actor = 'someone' WHERE seq = 4", "contents"),
        ("UPDATE audit_auditentry SET action = 'read' WHERE seq = 4", "contents"),
        ("DELETE FROM audit_auditentry WHERE seq = 4", "sequence"),
        ("DELETE FROM audit_auditentry WHERE seq = 8", "head"),
    ],
)
def test_tampering_is_detected_at_the_first_broken_entry(
    chart: dict[str, Any], tamper: str, problem: str
) -> None:
    assert verify().ok
    target = AuditEntry.objects.get(seq=4 if "seq = 4" in tamper else 8)
    next_id = AuditEntry.objects.filter(seq=5).values_list("id", flat=True).first()
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(tamper)
    result = verify()
    assert not result.ok
    if problem == "contents":
        assert result.first_bad_id == target.id and "stored hash" in result.problem
        assert result.checked == 3
    elif problem == "sequence":
        assert result.first_bad_id == next_id
    else:
        assert result.first_bad_id is None and "head" in result.problem

    outcome = CliRunner().invoke(app, ["audit", "verify"])
    assert outcome.exit_code == 1
    assert "audit log broken" in outcome.output


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(chart: dict[str, Any]) -> None:
    """Recomputing the tampered entry's own hash is not enough: the next entry points at the old
    one."""
    entry = AuditEntry.objects.get(seq=3)
    fields = {
        f: getattr(entry, f)
        for f in (
            "seq",
            "at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "prev_hash",
        )
    }
    fields["actor"] = "forger"
    forged = entry_hash(**fields)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor = %s, hash = %s WHERE id = %s",
            ["forger", forged, entry.id],
        )
    result = verify()
    assert not result.ok
    assert result.first_bad_id == AuditEntry.objects.get(seq=4).id
    assert "previous-hash" in result.problem


def test_cli_verify_ok(chart: dict[str, Any]) -> None:
    outcome = CliRunner().invoke(app, ["audit", "verify"])
    assert outcome.exit_code == 0, outcome.output
    assert "audit log intact: 8 entries" in outcome.output


def test_admin_exports_the_log_as_csv_and_the_export_is_logged(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    import csv
    import io

    client.force_login(people["admin"])
    ids = list(AuditEntry.objects.values_list("pk", flat=True))
    response = client.post(
        "/admin/audit/auditentry/",
        {"action": "export_csv", "_selected_action": [str(i) for i in ids]},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(r["seq"]) for r in rows] == list(range(1, len(ids) + 1))
    assert rows[2]["hash"] == AuditEntry.objects.get(seq=3).hash
    last = AuditEntry.objects.order_by("-seq").first()
    assert (last.actor, last.action) == ("admin", "export")
    assert verify().ok
    client.force_login(people["owner"])  # not staff: no export
    refused = client.post(
        "/admin/audit/auditentry/", {"action": "export_csv", "_selected_action": [str(ids[0])]}
    )
    assert refused.status_code == 302 and "login" in refused.url


@pytest.mark.skipif(
    not os.environ.get("MENTALIZE_TEST_DATABASE_URL"),
    reason="PostgreSQL only; SQLite's concurrency is covered through the server in test_serve.py",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_on_postgresql_never_fork_the_chain(people: dict[str, Any]) -> None:
    """Several connections appending at once (as several worker processes would)."""
    from concurrent.futures import ThreadPoolExecutor

    from mentalize.web.audit.chain import record_raw

    owner = people["owner"]

    def append(n: int) -> None:
        try:
            for i in range(10):
                record_raw(owner, "read", object_type="test.thing", object_id=f"{n}-{i}")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(append, range(6)))
    result = verify()
    assert result.ok and result.checked == 60
