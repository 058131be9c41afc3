"""A one-time link through which a patient fills in one questionnaire without logging in.

Only the SHA-256 of the link's token is stored (like API tokens), so a copy of the database
cannot be used to open a link. The row carries ``patient`` like every clinical model, so
:mod:`mentalize.web.records.scoping` decides who may list and revoke it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mentalize.web.records.models import Patient, QuestionnaireAdministration, Treatment


class QuestionnaireLink(models.Model):
    """Open until it is used once, revoked, or past ``expires_at``; then dead for good."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    treatment = models.ForeignKey(
        Treatment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instrument = models.CharField(max_length=32)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    administration = models.OneToOneField(
        QuestionnaireAdministration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_report_link",
    )

    class Meta:
        ordering = ("-created_at", "-pk")

    @property
    def status(self) -> str:
        """``open``, ``used``, ``revoked`` or ``expired``."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"

    def __str__(self) -> str:
        return f"{self.instrument} link {self.pk} ({self.status})"
