"""An index for account events (issue 18, finding 1): the entries concerning one user.

Account events (accounts/events.py) put the user concerned in ``object_id``; each user's first
page after log-in looks up those made by others since their last notice. Only an index: no
entry, hash or trigger changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_head_and_append_only")]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["object_id", "action"], name="audit_object_action"),
        ),
    ]
