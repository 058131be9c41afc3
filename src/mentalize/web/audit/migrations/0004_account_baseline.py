"""Baseline account events for supervision and API tokens that predate chained account events.

Why: since issue 18 every supervisor assignment and API token is an account event in the chain,
and ``restore`` refuses an archive holding a supervisor relation or a token the chain does not
record (a doctored archive could otherwise grant access unseen). A clinic upgraded from a build
without account events holds such rows legitimately; without this migration, every backup it
makes afterwards would be refused. So, once, at upgrade, each existing relation and token is
written into the chain as it stands, by the actor ``upgrade`` (no user): the log then says
when the record of them began, and each supervisee is told at their next log-in that the
record shows their supervisor (accounts/events.py words it as an upgrade, not as a change).

Historical models and the pure ``entry_hash`` only: the chain's appender takes live models,
which a migration must not (a later schema would break an old upgrade). A fresh database has
no users here, so nothing is written.
"""

from typing import Any

from django.db import migrations
from django.db.models import F
from django.utils import timezone

from mentalize.web.audit.chain import GENESIS, entry_hash

UPGRADE_ACTOR = "upgrade"


def _baseline(apps: Any, schema_editor: Any) -> None:
    user_model = apps.get_model("accounts", "User")
    token_model = apps.get_model("accounts", "ApiToken")
    entry_model = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditHead")
    events = [
        ("supervisor_assign", f"accounts.user:supervisor={supervisor}", user)
        for user, supervisor in user_model.objects.filter(supervisor__isnull=False)
        .order_by("pk")
        .values_list("pk", "supervisor_id")
    ] + [
        ("token_create", f"accounts.user:token={token}", user)
        for token, user in token_model.objects.order_by("pk").values_list("pk", "user_id")
    ]
    if not events:
        return
    updated = head_model.objects.filter(pk=1).update(seq=F("seq") + len(events))
    if not updated:
        head_model.objects.create(pk=1, seq=len(events), hash=GENESIS)
    head = head_model.objects.get(pk=1)
    prev, at, entries = head.hash, timezone.now(), []
    for offset, (action, object_type, user) in enumerate(events):
        fields = {
            "seq": head.seq - len(events) + 1 + offset,
            "at": at,
            "actor_id": None,
            "actor": UPGRADE_ACTOR,
            "action": action,
            "object_type": object_type,
            "object_id": str(user),
            "patient_id": None,
            "prev_hash": prev,
        }
        prev = entry_hash(**fields)
        entries.append(entry_model(**fields, hash=prev))
    entry_model.objects.bulk_create(entries)
    head_model.objects.filter(pk=1).update(hash=prev)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_account_events"),
        ("accounts", "0001_initial"),
    ]

    # The chain is append-only: there is nothing to undo on the way back.
    operations = [migrations.RunPython(_baseline, migrations.RunPython.noop)]
