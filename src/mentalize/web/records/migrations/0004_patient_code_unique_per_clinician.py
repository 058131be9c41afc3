"""Patient codes unique per clinician (ignoring case) instead of across the clinic.

A clinic-wide unique code let any clinician learn that a code exists in another caseload
("already in use"); see Patient's docstring. Existing codes are already unique clinic-wide,
so they satisfy the narrower rule.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_session_figures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="patient",
            name="code",
            field=models.CharField(
                help_text="Pseudonymous code, e.g. MBT-0142. No names here.", max_length=32
            ),
        ),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("code"),
                models.F("clinician"),
                name="patient_code_unique_per_clinician",
            ),
        ),
    ]
