"""Users and API tokens.

A custom user model from the first migration (Django's advice): each user has exactly one role.
Clinicians own patients; a supervisor reads their supervisees' patients and writes nothing; an
admin manages accounts and sees no clinical content. Who sees what is decided in one place,
:mod:`mentalize.web.records.scoping`, from these fields.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A clinic user. ``is_staff`` follows the role: only admins reach the account admin site."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR},
        help_text="The supervisor who may read this clinician's patients (read-only).",
    )

    def clean(self) -> None:
        super().clean()
        if self.supervisor_id is not None:
            if self.supervisor_id == self.pk:
                raise ValidationError({"supervisor": "A user cannot supervise themselves."})
            if self.role != Role.CLINICIAN:
                raise ValidationError({"supervisor": "Only clinicians have a supervisor."})
            if self.supervisor is not None and self.supervisor.role != Role.SUPERVISOR:
                raise ValidationError(
                    {"supervisor": "The supervisor must have the supervisor role."}
                )

    def save(self, *args: object, **kwargs: object) -> None:
        # Staff status is derived, never set by hand, so a role change cannot leave a clinician
        # with access to the admin site.
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = False
        super().save(*args, **kwargs)


def token_digest(token: str) -> str:
    """SHA-256 of a token. Tokens are 256 random bits, so a fast hash is enough (unlike
    passwords, they cannot be guessed from a dictionary)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """An API token; only its digest is stored, so a database copy cannot be used to log in."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"
