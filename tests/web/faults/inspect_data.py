"""Print, as JSON, what a clinic data directory holds, for the fault tests to check.

Run as ``python -m tests.web.faults.inspect_data`` with ``MENTALIZE_DATA_DIR`` (and, for
PostgreSQL, ``MENTALIZE_DATABASE_URL``) set; it opens the database read-only in spirit (no
migrations, no writes) and reports:

- ``integrity``: SQLite's ``PRAGMA integrity_check`` (``"n/a"`` on PostgreSQL);
- ``audit``: the chain's verification, as ``mentalize audit verify`` does it;
- ``sessions`` and ``crisis_plans``: each row's id, the test marker found in its text, whether
  every encrypted field decrypts and is non-empty, and whether an audit ``create`` entry names it.

Only the test's own markers are printed, never record text.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from tests.web.faults.harness import MARKER


def _rows(model: Any, fields: list[str], audited: set[str]) -> list[dict[str, Any]]:
    from mentalize.web.crypto import DecryptionError

    out = []
    for pk in model.objects.order_by("pk").values_list("pk", flat=True):
        row: dict[str, Any] = {"id": pk, "audited": str(pk) in audited}
        try:
            obj = model.objects.get(pk=pk)
        except DecryptionError:
            row.update(decrypts=False, complete=False, markers=[])
            out.append(row)
            continue
        texts = [getattr(obj, name) for name in fields]
        row.update(
            decrypts=True,
            complete=all(isinstance(t, str) and t.strip() for t in texts),
            markers=sorted({m for t in texts if t for m in MARKER.findall(t)}),
        )
        for extra in ("treatment_id", "version", "patient_id"):
            if hasattr(obj, extra):
                row[extra] = getattr(obj, extra)
        out.append(row)
    return out


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentalize.web.settings")
    import django

    django.setup()
    from django.db import connection

    from mentalize.web.audit.chain import verify
    from mentalize.web.audit.models import AuditEntry
    from mentalize.web.records.models import CrisisPlanVersion, Session

    integrity = "n/a"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            integrity = cursor.fetchone()[0]

    def audited(model: Any) -> set[str]:
        return set(
            AuditEntry.objects.filter(
                action="create", object_type=model._meta.label_lower
            ).values_list("object_id", flat=True)
        )

    result = verify()
    report = {
        "integrity": integrity,
        "audit": {"ok": result.ok, "checked": result.checked, "problem": result.problem},
        # The transcript is what an acknowledged upload promises; the analysis may be queued.
        "sessions": _rows(Session, ["transcript"], audited(Session)),
        "crisis_plans": _rows(
            CrisisPlanVersion,
            ["patient_can_do", "professionals_do", "information_for_others"],
            audited(CrisisPlanVersion),
        ),
    }
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
