"""The audit log's two tables.

``AuditEntry`` rows are never updated or deleted: the model refuses it, and database triggers
(migration 0002) refuse it for raw SQL too. Each row's ``hash`` is SHA-256 over a canonical
serialisation of its fields *including the previous row's hash*, so changing, removing or
reordering any row breaks the chain from there on (``mentalize audit verify``).

``AuditHead`` is one row holding the latest sequence number and hash. Appending updates it first,
which takes a write lock on both SQLite and PostgreSQL, so concurrent workers append one at a time
and never fork the chain; it also lets ``verify`` notice rows cut off the end.

Actor and object are stored as plain ids and names, not foreign keys: a deleted user must not
change (or cascade into) the log.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from mentalize.errors import MentalizeError


class AppendOnlyError(MentalizeError):
    """An attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    patient_id = models.BigIntegerField(null=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("seq",)
        verbose_name_plural = "audit entries"
        # "Every account event concerning user N" (accounts/events.py: the notice a user gets of
        # changes others made) is an exact match on both; without the index, a scan of the log.
        indexes = (models.Index(fields=("object_id", "action"), name="audit_object_action"),)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only")

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action} {self.object_type} {self.object_id}"


class AuditHead(models.Model):
    """The single row (pk 1) pointing at the end of the chain."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
