"""Run in a child process by test_crisis_plan.py: a clinic database built at migration
``records.0006`` with a crisis plan version and an outcome event, then migrated to the latest.
Prints one JSON line of how the old rows read afterwards. Its own data directory and database
(SQLite, or a throw-away PostgreSQL database on the PostgreSQL run), so the test run's database
is never migrated backwards."""

from __future__ import annotations

import datetime as dt
import json

import django

BEFORE = ("records", "0006_supervision_comment")


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    call_command("migrate", "accounts", verbosity=0)
    call_command("migrate", *BEFORE, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(
        username="clinician", role="clinician", password="!"
    )
    patient = old.get_model("records", "Patient").objects.create(
        code="MBT-0001", name="", clinician=user
    )
    treatment = old.get_model("records", "Treatment").objects.create(
        patient=patient, modality="individual", frequency="weekly", start=dt.date(2026, 1, 5)
    )
    old.get_model("records", "CrisisPlanVersion").objects.create(
        patient=patient,
        treatment=treatment,
        version=1,
        patient_can_do="Call a friend.",
        professionals_do="Validate first.",
        information_for_others="Do not argue.",
        author=user,
    )
    old.get_model("records", "OutcomeEvent").objects.create(
        patient=patient, kind="self_harm", date=dt.date(2026, 2, 1), recorded_by=user
    )

    call_command("migrate", verbosity=0)

    from mentalize.web.records.crisis_plan import contacts_from
    from mentalize.web.records.models import CrisisPlanVersion, OutcomeEvent

    plan = CrisisPlanVersion.objects.get()
    event = OutcomeEvent.objects.get()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "patient_can_do": plan.patient_can_do,
                "crisis_description": plan.crisis_description,
                "contacts": list(contacts_from(plan.contacts)),
                "review_date": plan.review_date,
                "outcome_kind": event.kind,
                "severity": event.severity,
                "note": event.note,
                "session": event.session_id,
            }
        )
    )


if __name__ == "__main__":
    main()
