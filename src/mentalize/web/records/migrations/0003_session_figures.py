"""Store each analysed session's overview figures beside its analysis (records/figures.py)."""

from django.db import migrations

import mentalize.web.fields
from mentalize.web.records.figures import figures_json


def draw_figures_of_analysed_sessions(apps, schema_editor):
    """Sessions analysed before this migration get their figures from their stored analysis,
    one row at a time (``iterator``), so a large clinic's analyses are never all in memory."""
    Session = apps.get_model("records", "Session")
    for session in Session.objects.filter(analysis_status="done").only("analysis_json").iterator(
        chunk_size=100
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
