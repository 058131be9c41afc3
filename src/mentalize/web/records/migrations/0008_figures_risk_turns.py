"""Redraw each analysed session's stored figures so they hold its risk flags' turns (issue 19).

The session page lists a session's risk flags with a link to each flagged turn in the report; the
turns come from the stored figures (records/figures.py, ``risk_turns``: turn, kind, rung and
when, no words), which sessions analysed before this migration lack. Their figures are drawn
again from their stored analyses, as ``0003_session_figures`` first drew them. No schema changes;
going back leaves the extra key in place, where earlier code ignores it.
"""

import logging

from django.db import migrations

from mentalize.errors import MentalizeError
from mentalize.web.records.figures import figures_json

log = logging.getLogger("mentalize.web.records")


def redraw_figures_of_analysed_sessions(apps, schema_editor):
    """100 sessions at a time, so a large clinic's analyses are never all in memory; the ids are
    listed first (SQLite does not isolate a cursor from writes to the table it reads). A stored
    analysis that no longer reads keeps the figures it had (its page then shows the counts
    without the turns) rather than stopping the upgrade; the log names its id, never its text."""
    Session = apps.get_model("records", "Session")
    ids = list(Session.objects.filter(analysis_status="done").values_list("pk", flat=True))
    for start in range(0, len(ids), 100):
        for session in Session.objects.filter(pk__in=ids[start : start + 100]).only(
            "analysis_json"
        ):
            try:
                session.figures_json = figures_json(session.analysis_json)
            except (MentalizeError, ValueError, KeyError, TypeError):
                # An analysis stored by an older version may fail in ways the reader does not
                # name; the upgrade goes on and the page shows counts without turn links.
                log.warning("session %s: stored analysis unreadable, figures kept", session.pk)
                continue
            session.save(update_fields=["figures_json"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_crisis_plan_outcome_detail"),
    ]

    operations = [
        migrations.RunPython(redraw_figures_of_analysed_sessions, migrations.RunPython.noop),
    ]
