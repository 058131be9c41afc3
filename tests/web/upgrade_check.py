"""Run in a child process by test_upgrade.py: a clinic database built at migration
``records.0002`` (before the stored overview figures) with analysed sessions, then migrated to
the latest. Prints one JSON line of what it found. Its own data directory and SQLite database
(``serve_env``), so the test run's database is never migrated backwards."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import django

BEFORE = ("records", "0002_session_analysis_queue")


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from mentalize.web.records import services
    from mentalize.web.records.figures import figures_json

    call_command("migrate", "accounts", verbosity=0)
    call_command("migrate", *BEFORE, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    analysed = services.analyse(Path(sys.argv[1]).read_text(encoding="utf-8"), None)
    user = old.get_model("accounts", "User").objects.create(
        username="clinician", role="clinician", password="!"
    )
    patient = old.get_model("records", "Patient").objects.create(
        code="MBT-0001", name="", clinician=user
    )
    sessions = old.get_model("records", "Session")
    common = {"patient": patient, "source_format": "text", "created_by": user}
    for week in range(int(sys.argv[2])):
        sessions.objects.create(
            date=dt.date(2026, 1, 5) + dt.timedelta(days=7 * week),
            turns=analysed.turns,
            transcript=analysed.transcript,
            analysis_json=analysed.analysis_json,
            report_html=analysed.report_html,
            analysis_status="done",
            **common,
        )
    sessions.objects.create(
        date=dt.date(2026, 6, 1),
        turns=1,
        transcript="T: hello",
        analysis_status="pending",
        **common,
    )

    call_command("migrate", verbosity=0)

    from mentalize.web.records.models import Session
    from mentalize.web.records.overview import compute

    done = list(Session.objects.filter(analysis_status="done"))
    pending = Session.objects.get(analysis_status="pending")
    found = compute(patient, done, [], [])
    print(
        json.dumps(
            {
                "analysed": len(done),
                "figures_right": sum(
                    s.figures_json == figures_json(analysed.analysis_json) for s in done
                ),
                "pending_figures": pending.figures_json,
                "overview_sessions": len(found.sessions),
            }
        )
    )


if __name__ == "__main__":
    main()
