"""An absolute limit on how long one log-in lasts, however active the session is.

Sessions already end after ``MENTALIZE_SESSION_MINUTES`` of inactivity (each request pushes the
expiry forward), so a session kept busy, by a clinician or by a page left refreshing on a shared
machine, would otherwise never end. OWASP ASVS 3.3.2 (level 2) asks for re-authentication after
at most 12 hours whatever the activity: the time of log-in is kept in the session (set by the
``user_logged_in`` signal, so a renewed log-in starts a new period even though Django carries
the session's data over to the new key), and a request after ``MENTALIZE_SESSION_MAX_HOURS``
logs the user out before the view runs; the view then sends them to the log-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LOGIN_AT = "mentalize_login_at"


def _record_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = timezone.now().isoformat()


user_logged_in.connect(_record_login, dispatch_uid="mentalize.session_limits.login_at")


def _logged_in_at(request: HttpRequest) -> datetime | None:
    try:
        return datetime.fromisoformat(request.session[LOGIN_AT])
    except (KeyError, TypeError, ValueError):
        return None


class AbsoluteSessionLimitMiddleware:
    """Log out a session older than ``MENTALIZE_SESSION_MAX_HOURS`` (one without a log-in time,
    from before this limit existed, is given one now)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = _logged_in_at(request)
            limit = timedelta(hours=settings.MENTALIZE_SESSION_MAX_HOURS)
            if started is None:
                request.session[LOGIN_AT] = timezone.now().isoformat()
            elif timezone.now() - started > limit:
                logout(request)  # ends the session on the server; request.user is anonymous now
        return self.get_response(request)
