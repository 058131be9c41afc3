"""Append to the audit chain and verify it.

``record`` must be called inside the same transaction as the write it describes, so a rolled-back
write leaves no entry and a committed write always has one.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from mentalize.web.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
log = logging.getLogger("mentalize.web.audit")


class Action(models.TextChoices):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGOUT = "logout"
    EXPORT = "export"
    # Psychotherapy notes leave the clinic only when chosen; their own action makes that visible.
    EXPORT_PSYCHOTHERAPY_NOTES = "export_psychotherapy_notes"
    # The log-in's second factor (accounts/mfa.py): set up, removed by its owner, reset by an admin.
    MFA_ENROL = "mfa_enrol"
    MFA_REMOVE = "mfa_remove"
    MFA_RESET = "mfa_reset"


#: The fields each entry's hash covers (entry_hash's keyword arguments), in the model's order.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "prev_hash",
)


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    prev_hash: str,
) -> str:
    """SHA-256 of the canonical JSON of one entry (sorted keys, no spaces, UTC microseconds)."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": _timestamp(at),
            "actor_id": actor_id,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "patient_id": patient_id,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _patient_id(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "records.patient":
        return obj.pk
    return getattr(obj, "patient_id", None)


def record(user: Any, action: str, obj: models.Model) -> AuditEntry:
    """Append one entry: ``user`` did ``action`` to ``obj`` (a saved model instance)."""
    return record_raw(
        user,
        action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        patient_id=_patient_id(obj),
    )


def record_raw(
    user: Any, action: str, *, object_type: str, object_id: str, patient_id: int | None = None
) -> AuditEntry:
    """Append one entry by type and id (for events with no row, such as a login)."""
    with transaction.atomic():
        # Update first: this row lock (PostgreSQL) / write lock (SQLite) serialises appenders.
        updated = AuditHead.objects.filter(pk=1).update(seq=F("seq") + 1)
        if not updated:  # migration 0002 creates the row; only a flushed test database lacks it
            AuditHead.objects.create(pk=1, seq=1, hash=GENESIS)
        head = AuditHead.objects.get(pk=1)
        fields = {
            "seq": head.seq,
            "at": timezone.now(),
            "actor_id": getattr(user, "pk", None),
            "actor": getattr(user, "username", "") or "",
            "action": str(action),
            "object_type": object_type,
            "object_id": object_id,
            "patient_id": patient_id,
            "prev_hash": head.hash,
        }
        entry = AuditEntry(**fields, hash=entry_hash(**fields))
        entry.save()
        AuditHead.objects.filter(pk=1).update(hash=entry.hash)
    # DEBUG: the chain itself is the record; serve's console (INFO) echoed every entry
    log.debug("audit #%s %s %s %s", entry.seq, action, object_type, object_id)
    return entry


def record_many(user: Any, action: str, objects: list[models.Model]) -> list[AuditEntry]:
    """One entry per object, appended under one take of the head: the same chain as calling
    :func:`record` for each, in order, but four queries in all rather than four per object.

    Why: a page view audits every clinical row it shows; under load on PostgreSQL the per-entry
    round trips, all made while holding the head's row lock, serialised the clinic's threads
    (bench/clinic_load.py)."""
    return record_raw_many(
        user,
        action,
        [(obj._meta.label_lower, str(obj.pk), _patient_id(obj)) for obj in objects],
    )


def record_raw_many(
    user: Any, action: str, items: list[tuple[str, str, int | None]]
) -> list[AuditEntry]:
    """One entry per ``(object_type, object_id, patient_id)``, appended under one take of the
    head, as :func:`record_many` does for rows: for reads of something computed rather than of
    one row (the caseload's summary of each patient), where :func:`record_raw` per item would
    make the queries grow with the caseload."""
    if not items:
        return []
    with transaction.atomic():
        count = len(items)
        updated = AuditHead.objects.filter(pk=1).update(seq=F("seq") + count)
        if not updated:  # migration 0002 creates the row; only a flushed test database lacks it
            AuditHead.objects.create(pk=1, seq=count, hash=GENESIS)
        head = AuditHead.objects.get(pk=1)
        prev, at, entries = head.hash, timezone.now(), []
        for offset, (object_type, object_id, patient_id) in enumerate(items):
            fields = {
                "seq": head.seq - count + 1 + offset,
                "at": at,
                "actor_id": getattr(user, "pk", None),
                "actor": getattr(user, "username", "") or "",
                "action": str(action),
                "object_type": object_type,
                "object_id": object_id,
                "patient_id": patient_id,
                "prev_hash": prev,
            }
            entry = AuditEntry(**fields, hash=entry_hash(**fields))
            entries.append(entry)
            prev = entry.hash
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(pk=1).update(hash=prev)
    for entry in entries:
        log.debug("audit #%s %s %s %s", entry.seq, action, entry.object_type, entry.object_id)
    return entries


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found. ``bad_triggers`` names what :func:`trigger_problems` found: an
    append-only trigger missing, altered or disabled, or a trigger, rule or setting that should
    not be there (then ``first_bad_id`` is None: no entry is at fault)."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    bad_triggers: tuple[str, ...] = ()


_MIGRATION = "mentalize.web.audit.migrations.0002_head_and_append_only"


def _normalised(sql: str) -> str:
    return " ".join(sql.replace(";", " ").split()).lower()


def _expected_triggers() -> dict[str, str]:
    """Trigger name -> its CREATE statement, for this database's vendor, read from migration
    0002 itself so the check can never drift from what the migrations create."""
    migration = importlib.import_module(_MIGRATION)
    statements: list[str] = {"sqlite": migration.SQLITE, "postgresql": migration.POSTGRES}.get(
        connection.vendor, []
    )
    expected = {}
    for statement in statements:
        match = re.match(r"CREATE TRIGGER (\w+)", statement)
        if match:
            expected[match.group(1)] = statement
    return expected


# pg_get_triggerdef's form of migration 0002's trigger: no WHEN clause, its events and function.
_POSTGRES_DEFINITION = re.compile(
    r"create trigger audit_entry_append_only before delete or update on (\S+\.)?audit_auditentry "
    r"for each row execute function (\S+\.)?audit_entry_append_only\(\)"
)


def _postgres_function_body() -> str:
    migration = importlib.import_module(_MIGRATION)
    match = re.search(r"\$\$(.*)\$\$", migration.POSTGRES[0], re.DOTALL)
    return match.group(1) if match else ""


#: The audit log's tables: only the triggers of migration 0002 may be on them, and no rules.
AUDIT_TABLES = ("audit_auditentry", "audit_audithead")

# What is wrong with one of migration 0002's own triggers (:func:`describe` names it so).
_MISSING = "is missing"
_ALTERED = "is not the one the migrations create"
_DISABLED = "is disabled"


def describe(name: str, what: str) -> str:
    """One short line for a problem from :func:`trigger_problems` (names only, never data)."""
    if what in (_MISSING, _ALTERED, _DISABLED):
        return f"append-only trigger {name} {what}"
    return f"{name} {what}"


def _extra(name: str, kind: str, table: str) -> tuple[str, str]:
    return (name, f"is a {kind} on {table} that the migrations do not create")


def trigger_problems() -> list[tuple[str, str]]:
    """(name, what is wrong) for each way the audit tables are not as the migrations left them;
    :func:`describe` turns one into a line. Checked:

    * each append-only trigger of migration 0002: missing, re-created with another body (one that
      no longer refuses), or disabled;
    * any *other* trigger on ``audit_auditentry`` or ``audit_audithead``, and (PostgreSQL) any
      rule on them: a ``BEFORE INSERT`` trigger can rewrite ``NEW.actor`` and recompute
      ``NEW.hash`` (PostgreSQL has ``sha256()``), and one on the head keep it in step, so the log
      records a false actor while the chain and every head kept outside verify;
    * (PostgreSQL) ``session_replication_role`` other than ``origin``: ``replica`` stops ordinary
      triggers firing for the session; and any event trigger at all, which can drop or alter the
      triggers as they are checked or after.

    Why: the hash chain only *detects* changes; the triggers are what *refuse* them, and an
    attacker who dropped them (or a restore that lost them) left a log that still verified as
    intact while accepting any UPDATE or DELETE (issue 18, finding 3). Only names are reported,
    never data.
    """
    expected = _expected_triggers()
    if not expected:
        return []
    problems: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sqlite_temp_master too: a TEMP trigger may sit on a main-database table.
            placeholders = ", ".join("%s" for _ in AUDIT_TABLES)
            cursor.execute(
                "SELECT 0, name, lower(tbl_name), sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND lower(tbl_name) IN ({placeholders}) "
                "UNION ALL SELECT 1, name, lower(tbl_name), sql FROM sqlite_temp_master "
                f"WHERE type = 'trigger' AND lower(tbl_name) IN ({placeholders}) ORDER BY 1, 2",
                [*AUDIT_TABLES, *AUDIT_TABLES],
            )
            found: dict[str, str] = {}
            for _schema, name, table, sql in cursor.fetchall():
                if name in expected and table == "audit_auditentry" and name not in found:
                    found[name] = sql or ""
                else:
                    problems.append(_extra(name, "trigger", table))
            for name, statement in expected.items():
                if name not in found:
                    problems.append((name, _MISSING))
                elif _normalised(found[name]) != _normalised(statement):
                    problems.append((name, _ALTERED))
        else:  # postgresql
            cursor.execute(
                "SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.prosrc "
                "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgrelid IN (to_regclass(%s), to_regclass(%s)) AND NOT t.tgisinternal "
                "ORDER BY c.relname, t.tgname",
                list(AUDIT_TABLES),
            )
            pg_found = {}
            for table, name, *rest in cursor.fetchall():
                if name in expected and table == "audit_auditentry":
                    pg_found[name] = rest
                else:
                    problems.append(_extra(name, "trigger", table))
            body = _normalised(_postgres_function_body())
            for name in expected:
                if name not in pg_found:
                    problems.append((name, _MISSING))
                    continue
                enabled, definition, source = pg_found[name]
                if enabled not in ("O", "A"):  # 'D' disabled, 'R' fires only on replicas
                    problems.append((name, _DISABLED))
                elif not _POSTGRES_DEFINITION.fullmatch(_normalised(definition)) or (
                    _normalised(source) != body
                ):
                    problems.append((name, _ALTERED))
            # Tables have no rules (a view's _RETURN is one; a table never has it), so any is out.
            cursor.execute(
                "SELECT c.relname, r.rulename FROM pg_rewrite r "
                "JOIN pg_class c ON c.oid = r.ev_class "
                "WHERE r.ev_class IN (to_regclass(%s), to_regclass(%s)) "
                "ORDER BY c.relname, r.rulename",
                list(AUDIT_TABLES),
            )
            problems.extend(_extra(name, "rule", table) for table, name in cursor.fetchall())
            cursor.execute("SELECT current_setting('session_replication_role')")
            (role,) = cursor.fetchone()
            if role != "origin":
                problems.append(
                    (
                        "session_replication_role",
                        f"is '{role}', not 'origin': the append-only triggers do not fire",
                    )
                )
            cursor.execute("SELECT evtname FROM pg_event_trigger ORDER BY evtname")
            problems.extend(
                (name, "is an event trigger, which could drop or alter the append-only triggers")
                for (name,) in cursor.fetchall()
            )
    return problems


def _head() -> tuple[int, str]:
    head = AuditHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def verify() -> Verification:
    """Walk the chain in sequence order; report the first entry that does not fit.

    Safe on a running clinic: appends commit the head and their entry together, so the head read
    *before* the walk must be reached by it, with that entry's hash; entries appended during the
    walk are checked like the rest, and the head read *after* it must cover every entry walked.
    (Reading the head only after the walk, as this once did, reported a broken chain whenever an
    analysis or a page view appended an entry in between.) Rows cut off the end, rows added
    without moving the head, and a rewritten head are all still caught.

    An intact chain then also needs its append-only triggers, and no other trigger or rule on
    the audit tables (:func:`trigger_problems`): a database without them verified as intact while
    accepting any change (issue 18, finding 3), and an extra ``BEFORE INSERT`` trigger could
    forge new entries with valid hashes.
    The walk comes first so that a changed entry is named when there is one.

    What this cannot see is a chain rewritten end to end (every hash and the head recomputed):
    that needs a head kept outside the database (``anchor.py``, ``mentalize audit verify
    --against``).
    """
    before_seq, before_hash = _head()
    hash_at_before = GENESIS if before_seq == 0 else None
    prev, expected_seq, checked = GENESIS, 1, 0
    rows = AuditEntry.objects.order_by("seq").values().iterator(chunk_size=2000)
    for row in rows:
        if row["seq"] != expected_seq:
            return Verification(
                False, checked, row["id"], f"sequence jumps from {expected_seq - 1} to {row['seq']}"
            )
        if row["prev_hash"] != prev:
            return Verification(False, checked, row["id"], "previous-hash link does not match")
        fields = {k: row[k] for k in HASHED_FIELDS}
        if entry_hash(**fields) != row["hash"]:
            return Verification(False, checked, row["id"], "contents do not match the stored hash")
        prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
        if checked == before_seq:
            hash_at_before = prev
    after_seq, after_hash = _head()
    if checked < before_seq or hash_at_before != before_hash:
        return Verification(
            False,
            checked,
            None,
            f"the chain ends at entry {checked} but the head says {before_seq}",
        )
    if after_seq < checked or (after_seq == checked and after_hash != prev):
        return Verification(
            False, checked, None, f"the chain ends at entry {checked} but the head says {after_seq}"
        )
    problems = trigger_problems()
    if problems:
        return Verification(
            False,
            checked,
            None,
            "; ".join(describe(name, what) for name, what in problems),
            tuple(name for name, _ in problems),
        )
    return Verification(True, checked)
