"""Store each analysed session's overview figures beside its analysis (records/figures.py)."""

from django.db import migrations

import mentalize.web.fields
from mentalize.web.records.figures import figures_json


def draw_figures_of_analysed_sessions(apps, schema_editor):
    """Sessions analysed before this migration get their figures from their stored analysis,
    100 at a time, so a large clinic's analyses are never all in memory. The ids are listed
    first: SQLite does not isolate a cursor from writes to the table it reads."""
    Session = apps.get_model("records", "Session")
    ids = list(Session.objects.filter(analysis_status="done").values_list("pk", flat=True))
    for start in range(0, len(ids), 100):
        for session in Session.objects.filter(pk__in=ids[start : start + 100]).only(
            "analysis_json"
        ):
            session.figures_json = figures_json(session.analysis_json)
            session.save(update_fields=["figures_json"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_session_analysis_queue"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="figures_json",
            field=mentalize.web.fields.EncryptedTextField(
                default=b"", help_text="Overview figures drawn from the analysis"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(draw_figures_of_analysed_sessions, migrations.RunPython.noop),
    ]
