"""Tell users, on their first page of each log-in, what others changed in their account.

Why: an admin (or the server's operator) can change who may read a clinician's records (a
supervisor), or set a password and so know it. Such changes are chained (events.py), but the
chain is read by admins; the person whose access or credential changed should learn of it too,
without having to look. The check runs once per log-in session (a flag in the session), after the
second factor's gate, so a password alone reveals nothing, and on a GET only, so a POST (a refused
one included) changes nothing it would not otherwise change.

A change is shown at every log-in for 14 days after it was made (events.NOTICE_WINDOW), not once:
otherwise whoever logged in first would consume it (the operator who ran ``set-password`` and then
tried the account), and the user would never be told. A change never shown is shown at the next
log-in, however late. Each showing is chained (``account_notice``).

The API (``/api/``) shows no notices: tokens are made on the server for integrations, not for
people (docs/clinic.md, "Accounts").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from mentalize.web.accounts import events, mfa

CHECKED = "mentalize_account_notices_checked"
SKIPPED_PREFIXES = ("/api/", "/static/", "/q/")


def _second_factor_owed(user: Any) -> bool:
    """True while the user has given only a password and a code (or enrolment) is still owed:
    the code and enrolment pages are let through the gate, and must not show notices."""
    if user.is_verified():
        return False
    return bool(settings.MENTALIZE_REQUIRE_MFA) or mfa.confirmed_device(user) is not None


class AccountNoticeMiddleware:
    """Adds one warning message per account change made by someone else, on the first page of a
    log-in (see the module docstring for which), and records in the chain that they were shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            # the flag first: after the first page of a log-in, this is the only check made
            and not request.session.get(CHECKED)
            and not request.path.startswith(SKIPPED_PREFIXES)
            and request.path != reverse("logout")
            and not _second_factor_owed(user)
        ):
            with transaction.atomic():
                notices = events.pending(user)
                events.mark_shown(user, notices)
            for notice in notices:
                messages.warning(request, notice.text)
            request.session[CHECKED] = True
        return self.get_response(request)
