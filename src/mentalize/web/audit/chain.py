"""Append to the audit chain and verify it.

``record`` must be called inside the same transaction as the write it describes, so a rolled-back
write leaves no entry and a committed write always has one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
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
    log.info("audit #%s %s %s %s", entry.seq, action, object_type, object_id)
    return entry


def record_many(user: Any, action: str, objects: list[models.Model]) -> list[AuditEntry]:
    """One entry per object, appended under one take of the head: the same chain as calling
    :func:`record` for each, in order, but four queries in all rather than four per object.

    Why: a page view audits every clinical row it shows; under load on PostgreSQL the per-entry
    round trips, all made while holding the head's row lock, serialised the clinic's threads
    (bench/clinic_load.py)."""
    if not objects:
        return []
    with transaction.atomic():
        count = len(objects)
        updated = AuditHead.objects.filter(pk=1).update(seq=F("seq") + count)
        if not updated:  # migration 0002 creates the row; only a flushed test database lacks it
            AuditHead.objects.create(pk=1, seq=count, hash=GENESIS)
        head = AuditHead.objects.get(pk=1)
        prev, at, entries = head.hash, timezone.now(), []
        for offset, obj in enumerate(objects):
            fields = {
                "seq": head.seq - count + 1 + offset,
                "at": at,
                "actor_id": getattr(user, "pk", None),
                "actor": getattr(user, "username", "") or "",
                "action": str(action),
                "object_type": obj._meta.label_lower,
                "object_id": str(obj.pk),
                "patient_id": _patient_id(obj),
                "prev_hash": prev,
            }
            entry = AuditEntry(**fields, hash=entry_hash(**fields))
            entries.append(entry)
            prev = entry.hash
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(pk=1).update(hash=prev)
    for entry in entries:
        log.info("audit #%s %s %s %s", entry.seq, action, entry.object_type, entry.object_id)
    return entries


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


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
        fields = {
            k: row[k]
            for k in (
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
        }
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
    return Verification(True, checked)
