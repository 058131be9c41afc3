"""Issue 18, findings 3 (part) and 5: what ``audit verify`` missed on a doctored database.

3. A database whose append-only triggers were dropped (or quietly replaced, or disabled) verified
   as "audit log intact". ``verify()`` now checks every trigger migration 0002 creates and names
   the one that is wrong.
5. Someone with write access to the database could rewrite the chain end to end (change an early
   entry, recompute every later hash and the head, put the triggers back) and ``verify()`` found a
   consistent chain. ``mentalize audit head`` prints the head to keep outside the database, and
   ``audit verify --against`` catches the rewrite, while honest appends keep old heads valid.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.audit import anchor
from mentalize.web.audit.chain import HASHED_FIELDS, entry_hash, record_raw, verify
from mentalize.web.audit.models import AuditEntry, AuditHead
from tests.web.conftest import on_postgres

MIGRATION = importlib.import_module("mentalize.web.audit.migrations.0002_head_and_append_only")


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _trigger_names() -> list[str]:
    return (
        ["audit_entry_append_only"]
        if on_postgres()
        else [
            "audit_entry_no_update",
            "audit_entry_no_delete",
        ]
    )


def _drop(name: str) -> None:
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.execute(f"DROP TRIGGER {name} ON audit_auditentry")
        else:
            cursor.execute(f"DROP TRIGGER {name}")


def _restore_triggers() -> None:
    """Put the triggers back exactly as the migration made them (what a careful attacker does)."""
    with connection.cursor() as cursor:
        for statement in MIGRATION.POSTGRES if on_postgres() else MIGRATION.SQLITE:
            cursor.execute(statement)


def _rewrite_from(seq: int, **changes: Any) -> None:
    """An attacker with database write access: drop the triggers, change entry ``seq``, recompute
    the hash of it and of every later entry, move the head, and restore the triggers."""
    for name in _trigger_names():
        _drop(name)
    prev = AuditEntry.objects.get(seq=seq).prev_hash
    with connection.cursor() as cursor:
        for row in AuditEntry.objects.filter(seq__gte=seq).order_by("seq").values():
            fields = {f: row[f] for f in HASHED_FIELDS}
            if row["seq"] == seq:
                fields.update(changes)
            fields["prev_hash"] = prev
            prev = entry_hash(**fields)
            cursor.execute(
                "UPDATE audit_auditentry SET actor = %s, action = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s",
                [fields["actor"], fields["action"], fields["prev_hash"], prev, row["id"]],
            )
        cursor.execute("UPDATE audit_audithead SET hash = %s WHERE id = 1", [prev])
    _restore_triggers()


# -- finding 3: the triggers ------------------------------------------------------------------


def test_an_intact_log_has_all_its_triggers(chart: dict[str, Any]) -> None:
    result = verify()
    assert result.ok and result.bad_triggers == ()


@pytest.mark.parametrize("index", [0, 1])
def test_a_dropped_trigger_fails_verify_naming_it(chart: dict[str, Any], index: int) -> None:
    names = _trigger_names()
    if index >= len(names):
        pytest.skip("PostgreSQL has one trigger for both UPDATE and DELETE")
    _drop(names[index])
    result = verify()
    assert not result.ok
    assert result.bad_triggers == (names[index],)
    assert f"append-only trigger {names[index]} is missing" in result.problem
    assert result.first_bad_id is None

    outcome = _cli("audit", "verify")
    assert outcome.exit_code == 1
    assert f"audit log unprotected: append-only trigger {names[index]} is missing" in (
        outcome.output
    )
    assert "intact" not in outcome.output


def test_a_trigger_replaced_by_one_that_refuses_nothing_is_caught(chart: dict[str, Any]) -> None:
    """Same name, harmless body: a check on names alone would pass it."""
    name = _trigger_names()[0]
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.execute(
                "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
                "BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ "
                "LANGUAGE plpgsql;"
            )
        else:
            _drop(name)
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON audit_auditentry BEGIN SELECT 1; END;"
            )
        cursor.execute("UPDATE audit_auditentry SET actor = actor WHERE seq = 1")  # now accepted
    result = verify()
    assert not result.ok and result.bad_triggers == (name,)
    assert "is not the one the migrations create" in result.problem


@pytest.mark.skipif("not on_postgres()", reason="SQLite triggers cannot be disabled")
def test_a_disabled_trigger_is_caught_on_postgresql(chart: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
    result = verify()
    assert not result.ok and result.bad_triggers == ("audit_entry_append_only",)
    assert "is disabled" in result.problem


def test_a_changed_entry_is_still_named_before_missing_triggers(chart: dict[str, Any]) -> None:
    """The walk comes first: the entry that was changed is more use to an admin than the
    triggers dropped to change it."""
    for name in _trigger_names():
        _drop(name)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor = 'x' WHERE seq = 2")
    result = verify()
    assert not result.ok and result.first_bad_id == AuditEntry.objects.get(seq=2).id


# -- finding 3, follow-up: nothing else on the audit tables -----------------------------------


def _extra_trigger(name: str, table: str, *, temp: bool = False) -> None:
    """A trigger that does nothing, on ``table``: a check of expected names alone passes it."""
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.execute(
                "CREATE FUNCTION audit_noop() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_noop()"
            )
        else:
            cursor.execute(
                f"CREATE {'TEMP ' if temp else ''}TRIGGER {name} BEFORE INSERT ON main.{table} "
                "BEGIN SELECT 1; END;"
            )


def test_a_fresh_database_has_no_trigger_problems(chart: dict[str, Any]) -> None:
    """Migrated as the clinic's is: no extra trigger, rule, event trigger or replica role."""
    from mentalize.web.audit.chain import trigger_problems

    assert trigger_problems() == []


@pytest.mark.parametrize(
    "table, temp",
    [("audit_auditentry", False), ("audit_audithead", False), ("audit_auditentry", True)],
)
def test_an_extra_trigger_on_the_audit_tables_fails_verify_naming_it(
    chart: dict[str, Any], table: str, temp: bool
) -> None:
    if temp and on_postgres():
        pytest.skip("SQLite's TEMP triggers may sit on a main-database table")
    _extra_trigger("audit_extra", table, temp=temp)
    result = verify()
    assert not result.ok and result.first_bad_id is None
    assert result.bad_triggers == ("audit_extra",)
    assert result.problem == (
        f"audit_extra is a trigger on {table} that the migrations do not create"
    )
    outcome = _cli("audit", "verify")
    assert outcome.exit_code == 1
    assert f"audit log unprotected: audit_extra is a trigger on {table}" in outcome.output
    assert len(outcome.output.strip().splitlines()) == 1 and "intact" not in outcome.output


@pytest.mark.skipif("not on_postgres()", reason="the forgery uses PL/pgSQL and sha256()")
def test_a_before_insert_trigger_that_forges_entries_is_caught_on_postgresql(
    chart: dict[str, Any], people: dict[str, Any]
) -> None:
    """The reviewed attack: new entries get a false actor and a recomputed hash, the head is
    kept in step, so the chain walk and any head kept outside pass; only the triggers show."""
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION audit_forge_entry() RETURNS trigger AS $$ BEGIN
              NEW.actor := 'forger';
              NEW.hash := encode(sha256(convert_to(
                '{"action":' || to_json(NEW.action)::text
                || ',"actor":' || to_json(NEW.actor)::text
                || ',"actor_id":' || coalesce(NEW.actor_id::text, 'null')
                || ',"at":' || to_json(to_char(NEW.at AT TIME ZONE 'UTC',
                                       'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00')::text
                || ',"object_id":' || to_json(NEW.object_id)::text
                || ',"object_type":' || to_json(NEW.object_type)::text
                || ',"patient_id":' || coalesce(NEW.patient_id::text, 'null')
                || ',"prev_hash":' || to_json(NEW.prev_hash)::text
                || ',"seq":' || NEW.seq::text || '}', 'UTF8')), 'hex');
              RETURN NEW; END; $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            "CREATE TRIGGER audit_forge_entry BEFORE INSERT ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION audit_forge_entry()"
        )
        cursor.execute(
            "CREATE FUNCTION audit_forge_head() RETURNS trigger AS $$ BEGIN "
            "IF NEW.hash IS DISTINCT FROM OLD.hash THEN "
            "NEW.hash := (SELECT hash FROM audit_auditentry WHERE seq = NEW.seq); END IF; "
            "RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER audit_forge_head BEFORE UPDATE ON audit_audithead "
            "FOR EACH ROW EXECUTE FUNCTION audit_forge_head()"
        )
    record_raw(people["owner"], "read", object_type="test.thing", object_id="1")
    record_raw(people["owner"], "read", object_type="test.thing", object_id="2")
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.actor == "forger"  # the log now lies about who read it
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (last.seq, last.hash)

    result = verify()
    assert not result.ok
    assert result.first_bad_id is None and result.checked == last.seq  # every hash fits
    assert result.bad_triggers == ("audit_forge_entry", "audit_forge_head")
    assert "audit_forge_entry is a trigger on audit_auditentry" in result.problem
    assert "audit_forge_head is a trigger on audit_audithead" in result.problem
    assert "forger" not in result.problem


@pytest.mark.skipif("not on_postgres()", reason="SQLite has no rules")
def test_a_rule_on_the_audit_tables_is_caught_on_postgresql(chart: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE RULE audit_rule AS ON INSERT TO audit_auditentry DO ALSO NOTIFY audit_rule"
        )
    result = verify()
    assert not result.ok and result.bad_triggers == ("audit_rule",)
    assert (
        result.problem
        == "audit_rule is a rule on audit_auditentry that the migrations do not create"
    )


@pytest.mark.skipif("not on_postgres()", reason="session_replication_role is PostgreSQL's")
def test_replica_replication_role_is_caught_on_postgresql(chart: dict[str, Any]) -> None:
    """``replica`` stops ordinary triggers firing: the append-only one then refuses nothing."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("UPDATE audit_auditentry SET actor = actor WHERE seq = 1")  # accepted
            result = verify()
        finally:
            cursor.execute("SET session_replication_role = origin")
    assert not result.ok and result.bad_triggers == ("session_replication_role",)
    assert "session_replication_role is 'replica', not 'origin'" in result.problem
    assert verify().ok


@pytest.mark.skipif("not on_postgres()", reason="event triggers are PostgreSQL's")
def test_an_event_trigger_is_caught_on_postgresql(chart: dict[str, Any]) -> None:
    """One could drop the append-only trigger (or a forging one) around any check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION audit_evt() RETURNS event_trigger AS $$ BEGIN END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE EVENT TRIGGER audit_evt ON ddl_command_end EXECUTE FUNCTION audit_evt()"
        )
    result = verify()
    assert not result.ok and result.bad_triggers == ("audit_evt",)
    assert "audit_evt is an event trigger" in result.problem


# -- finding 5: the external anchor -----------------------------------------------------------


def test_audit_head_prints_one_line_anchor(chart: dict[str, Any], tmp_path: Path) -> None:
    outcome = _cli("audit", "head")
    assert outcome.exit_code == 0, outcome.output
    line = outcome.stdout.strip()
    head = AuditHead.objects.get(pk=1)
    prefix, version, seq, digest, taken = line.split(":", 4)
    assert (prefix, version, int(seq), digest) == ("audit-head", "v1", head.seq, head.hash)
    assert taken.endswith("Z") and "T" in taken and " " not in line
    assert AuditEntry.objects.get(seq=head.seq).hash == digest

    anchors = tmp_path / "audit-heads.txt"
    anchors.write_text("# clinic audit heads\n", encoding="ascii")
    assert _cli("audit", "head", "--append", str(anchors)).exit_code == 0
    record_raw(None, "read", object_type="test.thing", object_id="1")
    assert _cli("audit", "head", "--append", str(anchors)).exit_code == 0
    lines = anchors.read_text(encoding="ascii").splitlines()
    assert lines[0].startswith("#") and len(lines) == 3
    assert [anchor.parse(x).seq for x in lines[1:]] == [head.seq, head.seq + 1]


def test_an_end_to_end_rewrite_fools_verify_but_not_the_anchor(
    chart: dict[str, Any], tmp_path: Path
) -> None:
    heads = tmp_path / "audit-heads.txt"
    taken = _cli("audit", "head", "--append", str(heads))
    assert taken.exit_code == 0, taken.output
    line = taken.stdout.strip()
    target = AuditEntry.objects.get(seq=2)

    _rewrite_from(2, actor="forger")

    # Without an anchor the rewrite is invisible: the chain, the head and the triggers all fit.
    assert AuditEntry.objects.get(seq=2).actor == "forger"
    plain = verify()
    assert plain.ok, plain.problem
    assert _cli("audit", "verify").exit_code == 0

    result = anchor.check([anchor.parse(line)])
    assert not result.ok and "rewritten" in result.problem
    last = AuditEntry.objects.order_by("-seq").first()
    assert result.first_bad_id == last.id  # the anchored entry (the head when taken)

    for args in (["--against", line], ["--against-file", str(heads)]):
        outcome = _cli("audit", "verify", *args)
        assert outcome.exit_code == 1, outcome.output
        assert "audit log rewritten: entry" in outcome.output
        assert "forger" not in outcome.output and "intact" not in outcome.output
        assert len(outcome.output.strip().splitlines()) == 1
    assert target.id == AuditEntry.objects.get(seq=2).id  # same rows, new contents

    # The forger can add a fresh head to the file, but the earlier line still exposes them.
    assert _cli("audit", "head", "--append", str(heads)).exit_code == 0
    outcome = _cli("audit", "verify", "--against-file", str(heads))
    assert outcome.exit_code == 1 and "rewritten" in outcome.output


def test_honest_appends_keep_an_older_anchor_valid(chart: dict[str, Any], tmp_path: Path) -> None:
    old = anchor.take()
    for i in range(5):
        record_raw(None, "read", object_type="test.thing", object_id=str(i))
    heads = tmp_path / "heads.txt"
    anchor.append(old, heads)
    anchor.append(anchor.take(), heads)

    for args in (
        ["--against", old.line()],
        ["--against", f"{old.seq}:{old.hash[:32]}"],  # the short form copied onto paper
        ["--against-file", str(heads)],
        ["--against", old.line(), "--against-file", str(heads)],
    ):
        outcome = _cli("audit", "verify", *args)
        assert outcome.exit_code == 0, outcome.output
        assert f"audit log intact: {old.seq + 5} entries; matches" in outcome.output


def test_a_log_cut_back_below_the_anchor_is_caught(chart: dict[str, Any]) -> None:
    """Entries removed from the end with the head moved back (or an older database restored):
    the plain chain fits, but the anchored entry is gone."""
    head = anchor.take()
    for name in _trigger_names():
        _drop(name)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > %s", [head.seq - 2])
        previous = AuditEntry.objects.get(seq=head.seq - 2)
        cursor.execute(
            "UPDATE audit_audithead SET seq = %s, hash = %s WHERE id = 1",
            [previous.seq, previous.hash],
        )
    _restore_triggers()
    assert verify().ok
    outcome = _cli("audit", "verify", "--against", head.line())
    assert outcome.exit_code == 1
    assert f"entry {head.seq} of the head at entry {head.seq}" in outcome.output
    assert "is gone" in outcome.output


def test_audit_head_refuses_a_broken_log(chart: dict[str, Any], tmp_path: Path) -> None:
    _drop(_trigger_names()[0])
    heads = tmp_path / "heads.txt"
    outcome = _cli("audit", "head", "--append", str(heads))
    assert outcome.exit_code == 1
    assert "does not verify" in outcome.output and "no head taken" in outcome.output
    assert not heads.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--against", "not a head"], "--against: not an audit head"),
        (["--against", "3:abc"], "--against: not an audit head"),  # hash too short to trust
        (["--against-file", "/nonexistent/heads.txt"], "no such file"),
    ],
)
def test_unreadable_anchors_are_input_errors(
    chart: dict[str, Any], args: list[str], message: str
) -> None:
    outcome = _cli("audit", "verify", *args)
    assert outcome.exit_code == 2
    assert message in outcome.output


def test_a_bad_line_in_the_file_is_named(chart: dict[str, Any], tmp_path: Path) -> None:
    heads = tmp_path / "heads.txt"
    heads.write_text(anchor.take().line() + "\n\nsomething else\n", encoding="ascii")
    outcome = _cli("audit", "verify", "--against-file", str(heads))
    assert outcome.exit_code == 2 and f"{heads} line 3: not an audit head" in outcome.output


def _archive(path: Path, audit_head: dict[str, Any] | None, vendor: str = "sqlite") -> Path:
    """A minimal archive in backup.py's format (what `mentalize backup` writes), recording
    ``audit_head`` as SQLite and PostgreSQL backups both do (PostgreSQL read before pg_dump)."""
    from mentalize.web import backup

    member = backup.SQLITE_MEMBER if vendor == "sqlite" else backup.POSTGRES_MEMBER
    database = b"not read by the anchor check"
    manifest = {
        "format": backup.FORMAT,
        "database": {"vendor": vendor, "member": member},
        "audit_head": audit_head,
        "key": {"id": "0" * 16, "included": False},
        "files": {
            member: {
                "sha256": hashlib.sha256(database).hexdigest(),
                "bytes": len(database),
            }
        },
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(backup.MANIFEST, json.dumps(manifest))
        archive.writestr(member, database)
    return path


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_a_backup_manifest_is_an_anchor_too(
    chart: dict[str, Any], tmp_path: Path, vendor: str
) -> None:
    """Whichever database made the archive: a PostgreSQL backup's manifest records the head too
    (read just before pg_dump), and ``--against-file`` takes it as it takes a SQLite one's."""
    head = AuditHead.objects.get(pk=1)
    archive = _archive(tmp_path / "b.zip", {"seq": head.seq, "hash": head.hash}, vendor)
    outcome = _cli("audit", "verify", "--against-file", str(archive))
    assert outcome.exit_code == 0, outcome.output
    assert "matches 1 head(s)" in outcome.output
    _rewrite_from(3, action="read")
    outcome = _cli("audit", "verify", "--against-file", str(archive))
    assert outcome.exit_code == 1 and "rewritten" in outcome.output


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_a_backup_manifest_without_a_head_is_an_input_error(
    chart: dict[str, Any], tmp_path: Path, vendor: str
) -> None:
    """An archive whose manifest has no head (an older PostgreSQL backup) anchors nothing: that
    is said, rather than a pass that checked no head."""
    headless = _archive(tmp_path / "old.zip", None, vendor)
    outcome = _cli("audit", "verify", "--against-file", str(headless))
    assert outcome.exit_code == 2 and "records no audit head" in outcome.output
    assert "intact" not in outcome.output
