"""The MBT crisis plan's full parts and richer outcome events (issue 19).

Crisis plan versions gain what happens in a crisis and the contacts (both encrypted) and a review
date; outcome events gain a note (encrypted), a severity and a link to one of the patient's
sessions. Every new column is NULL (severity "") on existing rows, so versions and events written
before read as "not recorded" and nothing is rewritten or re-encrypted.
"""

import django.db.models.deletion
from django.db import migrations, models

import mentalize.web.fields


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_supervision_comment"),
    ]

    operations = [
        migrations.AddField(
            model_name="crisisplanversion",
            name="contacts",
            field=mentalize.web.fields.EncryptedTextField(
                blank=True, help_text="JSON list of contacts", null=True
            ),
        ),
        migrations.AddField(
            model_name="crisisplanversion",
            name="crisis_description",
            field=mentalize.web.fields.EncryptedTextField(
                blank=True,
                help_text="What happens in a crisis: triggers and early signs",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="crisisplanversion",
            name="review_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="note",
            field=mentalize.web.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="outcome_events",
                to="records.session",
            ),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="severity",
            field=models.CharField(
                blank=True,
                choices=[
                    ("low", "Low: no medical care needed"),
                    ("moderate", "Moderate: needed medical care"),
                    ("high", "High: needed urgent or hospital care"),
                    ("critical", "Critical: life-threatening"),
                ],
                default="",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="crisisplanversion",
            name="professionals_do",
            field=mentalize.web.fields.EncryptedTextField(help_text="What others can do"),
        ),
    ]
