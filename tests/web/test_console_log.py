"""What the ``serve`` console shows (issue 19): an ordinary refusal is one line, no traceback;
audit entries are not echoed; a server error keeps its traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The configured console handler (settings.LOGGING), writing into a buffer."""
    handler = logging.getLogger("django").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    # not setStream: it flushes the old stream, which an earlier test's capture may have closed
    old, handler.stream = handler.stream, buffer
    try:
        yield buffer
    finally:
        handler.stream = old


def test_permission_denied_is_one_line_without_traceback(
    client: Any, people: dict[str, Any], console: io.StringIO
) -> None:
    client.force_login(people["sup"])  # a supervisor may not create patients: 403
    response = client.post("/patients/new/?search=Ada+Example", {"code": "P-X"})
    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert lines == ["403 POST /patients/new/"], lines


def test_not_found_is_one_line_without_query(
    client: Any, people: dict[str, Any], console: io.StringIO
) -> None:
    client.force_login(people["owner"])
    assert client.get("/patients/999999/?q=secret").status_code == 404
    assert console.getvalue().splitlines() == ["404 GET /patients/999999/"]


def test_audit_entries_are_not_echoed(
    client: Any, people: dict[str, Any], console: io.StringIO
) -> None:
    client.force_login(people["owner"])
    assert client.post("/patients/new/", {"code": "P-LOG"}).status_code == 302
    assert "audit #" not in console.getvalue()
    assert logging.getLogger("mentalize.web.audit").getEffectiveLevel() > logging.DEBUG


def test_server_errors_keep_their_traceback(console: io.StringIO) -> None:
    from django.test import RequestFactory
    from django.utils.log import log_response

    request = RequestFactory().get("/boom/?q=x")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        response = type("R", (), {"status_code": 500})()
        log_response(
            "Internal Server Error: %s",
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
    shown = console.getvalue()
    assert "Internal Server Error: /boom/" in shown and "Traceback" in shown
