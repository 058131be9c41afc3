"""Schemathesis against the API's own OpenAPI document: no request it can build gets a 5xx.

Every operation in ``/api/v1/openapi.json`` is called with data Schemathesis generates from the
document, both data that fits it (positive) and data that does not (negative: wrong types,
missing fields, strings where ids go), with a valid API token of the clinician who owns the test
patient. Each generated case is sent twice: as generated (its ids are mostly unknown, so the
scoping and 404 paths are exercised) and with the path id replaced by a real record of the right
kind (so the code behind the 404 is reached too).

Bounded for the default run: ``MENTALIZE_SCHEMATHESIS_EXAMPLES`` examples per operation and mode
(default 15); set it higher for a longer search, e.g.::

    MENTALIZE_SCHEMATHESIS_EXAMPLES=500 .venv/bin/python -m pytest -q tests/web/test_schemathesis.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from mentalize.web.api.openapi import document  # noqa: E402

EXAMPLES = int(os.environ.get("MENTALIZE_SCHEMATHESIS_EXAMPLES", "15"))

SCHEMA = schemathesis.openapi.from_dict(document())
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
)

# Which record an operation's {id} names, read from its path.
ID_KIND = (
    ("/api/v1/sessions/", "session"),
    ("/api/v1/questionnaires/", "questionnaire"),
    ("/api/v1/patients/", "patient"),
)


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application, called in-process inside the test's transaction.

    Like Django's own test client, stop each request from closing the database connection
    (``close_old_connections``), which would end the test's transaction."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api(people: dict[str, Any], chart: dict[str, Any], wsgi_app: Any) -> dict[str, Any]:
    from mentalize.web.accounts.services import new_token

    return {
        "app": wsgi_app,
        "headers": {"Authorization": f"Bearer {new_token('owner')}"},
        "ids": {
            "patient": chart["patient"].pk,
            "session": chart["session"].pk,
            "questionnaire": chart["questionnaire"].pk,
        },
    }


def _with_real_id(case: Any, ids: dict[str, int]) -> bool:
    """Point the case at a real record of the kind its path names; ``False`` if it has no id."""
    if not case.path_parameters or "id" not in case.path_parameters:
        return False
    for prefix, kind in ID_KIND:
        if case.operation.path.startswith(prefix):
            case.path_parameters["id"] = ids[kind]
            return True
    return False


def _no_server_error(case: Any, response: Any) -> None:
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}\n"
        f"{case.as_curl_command()}"
    )


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_5xx_for_any_generated_request(case: Any, api: dict[str, Any]) -> None:
    response = case.call(app=api["app"], headers=api["headers"])
    _no_server_error(case, response)
    if _with_real_id(case, api["ids"]):
        response = case.call(app=api["app"], headers=api["headers"])
        _no_server_error(case, response)


def test_the_run_reaches_every_documented_operation() -> None:
    """Guards the test above against silently generating nothing for an operation."""
    operations = {
        f"{method.upper()} {path}"
        for path, item in document()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    found = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in SCHEMA.get_all_operations()
    }
    assert found == operations and len(operations) >= 9
