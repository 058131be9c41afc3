"""Create, open, fill in and revoke one-time questionnaire links.

The token is the only key to a link and travels in its URL, so it carries no clinical data
(256 random bits), is stored only as its SHA-256, and dies on first use, on revocation or at
expiry. Whoever holds an open link may do exactly one thing: submit answers to that one
questionnaire for that one patient. It grants no read of anything in the record.

The audit log names the link as the actor of what the patient does (``questionnaire-link:<id>``,
with the patient's id), since no clinic user did it.

Views call :func:`create_link` and :func:`revoke` after :mod:`mentalize.web.records.scoping`
has allowed the write; nothing here checks user permissions.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mentalize.errors import MentalizeError
from mentalize.web.audit.chain import Action, record
from mentalize.web.questionnaire_links.models import QuestionnaireLink
from mentalize.web.records import services as records
from mentalize.web.records.models import Patient, QuestionnaireAdministration, Treatment

log = logging.getLogger("mentalize.web.questionnaire_links")

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class LinkClosed(MentalizeError):
    """The link was used, revoked or expired between opening the form and submitting it."""


@dataclass(frozen=True)
class LinkActor:
    """The audit log's actor for what a patient does through a link (no user account)."""

    link_id: int

    @property
    def pk(self) -> None:
        return None

    @property
    def username(self) -> str:
        return f"questionnaire-link:{self.link_id}"


def digest(token: str) -> str:
    """SHA-256 of a token: 256 random bits need no slow hash (nothing to guess from)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def lifetime() -> timedelta:
    return timedelta(hours=settings.MENTALIZE_QUESTIONNAIRE_LINK_HOURS)


def _open(queryset: Any) -> Any:
    return queryset.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def create_link(
    user: Any, patient: Patient, instrument: str, treatment: Treatment | None = None
) -> tuple[QuestionnaireLink, str]:
    """A new open link and its token; the token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    link = records.create(
        user,
        QuestionnaireLink,
        patient=patient,
        treatment=treatment,
        instrument=instrument,
        digest=digest(token),
        created_by=user,
        expires_at=timezone.now() + lifetime(),
    )
    log.info("questionnaire link %s created for patient %s", link.pk, patient.pk)
    return link, token


def pending(patient: Patient) -> list[QuestionnaireLink]:
    """The patient's links that can still be filled in, newest first."""
    return list(_open(QuestionnaireLink.objects.filter(patient=patient)))


def revoke(user: Any, link: QuestionnaireLink) -> bool:
    """Close an open link; ``False`` when it was no longer open (nothing changes then)."""
    with transaction.atomic():
        closed = _open(QuestionnaireLink.objects.filter(pk=link.pk)).update(
            revoked_at=timezone.now()
        )
        if closed:
            record(user, Action.UPDATE, link)
    if closed:
        log.info("questionnaire link %s revoked", link.pk)
    return bool(closed)


def find_open(token: str) -> QuestionnaireLink | None:
    """The open link for ``token``, or ``None`` for unknown, used, revoked and expired alike."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return _open(QuestionnaireLink.objects.filter(digest=digest(token))).first()


def record_opened(link: QuestionnaireLink) -> None:
    """The patient opened the form (no clinical data is shown, but the trail shows when)."""
    record(LinkActor(link.pk), Action.READ, link)


def submit(link: QuestionnaireLink, answers: list[int]) -> QuestionnaireAdministration:
    """Score ``answers`` and store them, closing the link, all in one transaction.

    Raises :class:`mentalize.errors.InputError` (nothing saved, link still open) for answers the
    instrument engine refuses, and :class:`LinkClosed` when another request used the link first:
    the conditional update lets exactly one submission through, on SQLite and PostgreSQL alike.
    """
    from mentalize.instruments import score

    score(link.instrument, answers)  # validate before touching the database
    actor = LinkActor(link.pk)
    with transaction.atomic():
        now = timezone.now()
        if not _open(QuestionnaireLink.objects.filter(pk=link.pk)).update(used_at=now):
            raise LinkClosed(link.pk)
        entry = records.add_questionnaire(
            actor,
            link.patient,
            link.treatment,
            link.instrument,
            answers,
            timezone.localdate(now),
            entered_by=link.created_by,
        )
        QuestionnaireLink.objects.filter(pk=link.pk).update(administration=entry)
        record(actor, Action.UPDATE, link)
    log.info(
        "questionnaire link %s used: administration %s for patient %s",
        link.pk,
        entry.pk,
        link.patient_id,
    )
    return entry
