"""Alert reviews: a clinician marks an overview alert reviewed, with an optional encrypted note.

A new table only; alerts themselves stay computed (records/overview.py), so nothing is migrated.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import mentalize.web.fields


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_patient_code_unique_per_clinician"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AlertReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("outcome", "Outcome event"),
                            ("questionnaire_flag", "Critical item"),
                            ("risk_flags", "Risk language"),
                            ("deterioration", "Reliable deterioration"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "source_id",
                    models.PositiveIntegerField(
                        help_text="Id of the row that raised the alert (event, administration or session)"
                    ),
                ),
                (
                    "alert_date",
                    models.DateField(help_text="The alert's own date (of the row that raised it)"),
                ),
                ("note", mentalize.web.fields.EncryptedTextField(blank=True)),
                ("reviewed_at", models.DateTimeField(auto_now_add=True)),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alert_reviews",
                        to="records.patient",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ("-reviewed_at", "-pk"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("patient", "kind", "source_id"), name="alert_review_once"
                    )
                ],
            },
        ),
    ]
