"""Admins read the audit log in the admin site (view permission only; nothing is editable)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from mentalize.web.audit.chain import HASHED_FIELDS, Action, record_raw
from mentalize.web.audit.models import AuditEntry
from mentalize.web.exports import csv_safe

EXPORT_FIELDS = ("id", *HASHED_FIELDS, "hash")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor", "action", "object_type", "object_id", "patient_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor", "object_id")
    readonly_fields = tuple(f.name for f in AuditEntry._meta.fields)
    actions = ("export_csv",)
    ordering = ("-seq",)

    @admin.action(description="Export selected entries as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        """The entries with their hashes, so the export can be checked against the chain; the
        export itself is logged. Text cells starting like a formula get a leading single quote
        (:mod:`mentalize.web.exports.csv_safe`): drop it before re-hashing such a cell."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        writer = csv.writer(response)
        writer.writerow(EXPORT_FIELDS)
        rows = queryset.order_by("seq").values_list(*EXPORT_FIELDS)
        count = 0
        for row in rows.iterator(chunk_size=2000):
            # an actor or object id like "=cmd|..." must not run in the admin's spreadsheet
            writer.writerow(csv_safe.row(row))
            count += 1
        record_raw(
            request.user,
            Action.EXPORT,
            object_type="audit.auditentry",
            object_id=f"{count} entries",
        )
        return response

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
