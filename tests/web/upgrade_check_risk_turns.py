"""Run in a child process by test_figures_risk_turns.py: a clinic database built at migration
``records.0007`` whose analysed sessions carry figures drawn before the figures held the risk
flags' turns, then migrated to the latest (``records.0008`` redraws them). Prints one JSON line
of what it found. Its own data directory and SQLite database (``serve_env``), so the test run's
database is never migrated backwards.

argv: the transcript file, then how many weeks of that session to store.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import django

BEFORE = ("records", "0007_crisis_plan_outcome_detail")


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
    # The figures as they were stored before 0008: everything but the per-flag turns.
    before = json.loads(analysed.figures_json)
    before.pop("risk_turns")
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
            figures_json=json.dumps(before, sort_keys=True),
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
    from mentalize.web.records.views.sessions import _risk_turns

    done = list(Session.objects.filter(analysis_status="done"))
    pending = Session.objects.get(analysis_status="pending")
    redrawn = [json.loads(s.figures_json) for s in done]
    print(
        json.dumps(
            {
                "analysed": len(done),
                "figures_right": sum(
                    s.figures_json == figures_json(analysed.analysis_json) for s in done
                ),
                "risk_turns": [f.get("risk_turns") for f in redrawn],
                "unchanged_otherwise": sum(
                    {k: v for k, v in f.items() if k != "risk_turns"} == before for f in redrawn
                ),
                "pending_figures": pending.figures_json,
                "page_links": [
                    t["url"]
                    for kind in _risk_turns(done[0])
                    for t in kind["turns"]  # type: ignore[attr-defined]  # a list of dicts
                ],
                "first_session": done[0].pk,
            }
        )
    )


if __name__ == "__main__":
    main()
