"""Response headers that keep clinical pages out of caches and other origins, and a clear 503
(not a traceback or a bare 500) when the database is down, full or read-only."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware
from django.template.loader import render_to_string
from django.views import defaults

# No external origin at all: the clinic works offline and loads nothing from a CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


class NoApiSlashRedirectMiddleware(CommonMiddleware):
    """Django's common middleware, without its slash redirect under /api/: an API client that
    leaves off the slash ("/api/v1/patients") gets the API's JSON 404, not an HTML 301 that a
    POST would follow without its body."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.path_info.startswith("/api/"):
            return False
        return bool(super().should_redirect_with_slash(request))


class PrivacyHeadersMiddleware:
    """Adds a strict Content-Security-Policy, and ``Cache-Control: no-store`` to every page that
    is not a static file, so a shared machine's browser cache keeps no patient data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store, private"
        return response


# -- the database gone, full or read-only --------------------------------------------------------

log = logging.getLogger("mentalize.web.errors")


@dataclass(frozen=True)
class Unavailable:
    """Why the database refused a request, and what the person in front of the screen is told."""

    reason: str
    message: str
    retry_after: int | None


# No message promises that nothing was saved: a request can fail after its write committed (the
# session saved after the view; a COMMIT whose reply was lost when PostgreSQL went down).
_CHECK = "check whether your last change is there before entering it again"
UNREACHABLE = Unavailable(
    "unreachable",
    f"The clinic's database cannot be reached right now. Try again in a minute; {_CHECK}. "
    "If this keeps happening, tell your administrator.",
    30,
)
DISK_FULL = Unavailable(
    "disk full",
    "The clinic's disk is full, so changes cannot be saved. Tell your administrator; once "
    f"space has been freed, {_CHECK}.",
    None,
)
READ_ONLY = Unavailable(
    "read-only",
    "The clinic's data directory is read-only, so changes cannot be saved. Tell your "
    f"administrator; once it is writable again, {_CHECK}.",
    None,
)
BUSY = Unavailable(
    "busy",
    f"The clinic's database is busy. Try again in a moment; {_CHECK}.",
    5,
)

# Substrings of the driver's message (SQLite's and the OS's wording) that name a cause; the
# message itself is never shown or logged, since a driver may quote the statement's values.
_CAUSES = (
    (("disk is full", "no space left", "could not extend file", "disk full"), DISK_FULL),
    (("readonly database", "read-only file system", "read-only transaction"), READ_ONLY),
    (("database is locked", "database table is locked"), BUSY),
)
# SQLite also raises OperationalError for plain SQL errors ("no such column": a bug or a missing
# migration, which must stay a 500); only these of its messages mean the file itself is unusable.
_SQLITE_UNUSABLE = ("unable to open database file", "disk i/o error")


def classify(exc: BaseException | None) -> Unavailable | None:
    """What an exception says about the database, or ``None`` for any other error.

    Only ``OperationalError`` and ``InterfaceError`` count: those are the driver's "the server or
    file is not usable" errors (connection refused or lost, disk full, read-only). An
    ``IntegrityError`` or ``ProgrammingError`` is a bug and stays a 500.
    """
    from django.db import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    text = f"{exc} {exc.__cause__ or ''}".lower()
    for needles, cause in _CAUSES:
        if any(needle in text for needle in needles):
            return cause
    if isinstance(exc.__cause__, sqlite3.Error):
        return UNREACHABLE if any(n in text for n in _SQLITE_UNUSABLE) else None
    return UNREACHABLE


def unavailable_response(request: HttpRequest, cause: Unavailable) -> HttpResponse:
    """503 with one line saying what happened: JSON for the API, a bare page otherwise.

    The page is rendered without the request, so no context processor touches the database (the
    thing that just failed) and nothing but the fixed message can reach it.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": cause.message}, status=503)
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": cause.message}), status=503
        )
    if cause.retry_after:
        response.headers["Retry-After"] = str(cause.retry_after)
    response.headers["Cache-Control"] = "no-store, private"
    return response


class DatabaseUnavailableMiddleware:
    """Turns the database going away (PostgreSQL restarted, disk full, read-only data directory)
    into a 503 with a one-line message instead of a bare 500, and logs one line with the cause.

    Django closes a broken connection at the end of the request (``errors_occurred``), and with
    ``CONN_HEALTH_CHECKS`` checks a persistent one before reuse, so the first request after the
    database is back succeeds without restarting the app.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        cause = classify(exception)
        if cause is None:
            return None
        _log(request, cause, exception)
        # SessionMiddleware reads the session again on the way out (even for a 5xx, which it then
        # does not save); without the database that read fails a second time, behind our 503.
        # Without a session attribute it leaves the response alone, as documented.
        request.__dict__.pop("session", None)
        return unavailable_response(request, cause)


def _log(request: HttpRequest, cause: Unavailable, exception: BaseException) -> None:
    # Method, path (ids only) and the exception's class: enough to find it, no record text.
    log.error(
        "database %s: %s %s (%s)",
        cause.reason,
        request.method,
        request.path,
        type(exception).__name__,
    )


def _database_cause(exception: BaseException | None) -> Unavailable | None:
    """The database failure behind ``exception``, following ``raise ... from``/``during handling
    of`` links (Django's session store turns a failed save into ``UpdateError`` and then
    ``SessionInterrupted``)."""
    seen: set[int] = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        cause = classify(exception)
        if cause is not None:
            return cause
        exception = exception.__cause__ or exception.__context__
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database failure outside a view gets the same 503 as one inside it;
    anything else gets Django's 500 page."""
    exception = sys.exc_info()[1]
    cause = _database_cause(exception)
    if cause is None:
        return defaults.server_error(request)
    assert exception is not None
    _log(request, cause, exception)
    return unavailable_response(request, cause)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django reports a session it could not save as ``SessionInterrupted``
    (a 400 saying the request was malformed); when a full disk or a lost database is why, the
    503 says so instead. Every other 400 is Django's."""
    cause = _database_cause(exception)
    if cause is None and request.path.startswith("/api/"):
        # API clients get a JSON error like every other API answer (e.g. a NUL in the query)
        return JsonResponse({"error": "bad request: the request is malformed"}, status=400)
    if cause is None:
        return defaults.bad_request(request, exception)
    _log(request, cause, exception)
    return unavailable_response(request, cause)


class OneLineOutages(logging.Filter):
    """Drops the traceback from log records of a database outage (Django logs one for a failure
    outside a view, such as a middleware loading the session): the cause is already logged in
    one line, and a traceback per request of an outage buries everything else. Tracebacks of
    every other error are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _database_cause(record.exc_info[1]) is not None:
            record.exc_info = None
            record.exc_text = None
        return True


class OneLineClientErrors(logging.Filter):
    """Turns Django's log record of an ordinary 4xx (403 permission denied, 404, 400, CSRF) into
    one line, ``403 GET /patients/7/``, without the traceback Django attaches to a 403.

    A refused request is the access control working, not a fault: a traceback per refusal buried
    the serve console and looked like a crash to the people running it. The path is the request's
    path without the query string (which may carry search terms or tokens); 5xx records keep their
    tracebacks, which are what a fault report needs. Runs before ``link_tokens`` in the handler,
    so the path it writes is still redacted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            request = getattr(record, "request", None)
            method = str(getattr(request, "method", "") or "-")
            path = str(getattr(request, "path", "") or "-")
            record.msg = "%s %s %s"
            record.args = (status, method, path.encode("unicode_escape").decode("ascii"))
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
