"""Set-up for the clinic's tests: a throw-away data directory, SQLite by default, PostgreSQL when
``MENTALIZE_TEST_DATABASE_URL=postgresql://...`` is set (skipped, with the reason, when that
server cannot be reached). Without the ``clinic`` extra the whole folder is left out, and the
run's summary says so in one line. In CI (``CI=true``, tests/ci.py) either condition stops the run
with one line naming it instead: CI must not pass by skipping the clinic's tests.

Shared fixtures: five users covering every role relation, and one patient of the first clinician
with a record under every model (analysed from examples/attuned_session.txt).
"""

from __future__ import annotations

import atexit
import datetime as dt
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.ci import fail_run, in_ci

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "attuned_session.txt"
TEST_DB_ENV = "MENTALIZE_TEST_DATABASE_URL"

_MISSING = [
    m
    for m in ("django", "pytest_django", "argon2", "cryptography", "axes")
    if importlib.util.find_spec(m) is None
]
_SKIP_REASON: str | None = None

_EXTRA_MISSING = (
    f"the clinic extra is not installed (no {', '.join(_MISSING)}; pip install -e '.[clinic]'): "
    "tests/web was not collected"
)

if _MISSING:
    # Every test module of the folder and its subfolders (fnmatch's * spans "/").
    collect_ignore_glob = ["test_*.py", "*/test_*.py"]
else:
    DATA_DIR = Path(tempfile.mkdtemp(prefix="mentalize-web-tests-"))
    atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
    os.environ["MENTALIZE_DATA_DIR"] = str(DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentalize.web.settings"
    os.environ["MENTALIZE_CLINIC_MODEL"] = "markers"
    os.environ.pop("MENTALIZE_SECURE_COOKIES", None)
    # The policy is off by default; test_mfa.py turns it on where it is tested.
    os.environ.pop("MENTALIZE_REQUIRE_MFA", None)
    _url = os.environ.get(TEST_DB_ENV, "").strip()
    if _url:
        os.environ["MENTALIZE_DATABASE_URL"] = _url
        from urllib.parse import urlsplit

        import psycopg

        _parts = urlsplit(_url)
        try:
            psycopg.connect(
                host=_parts.hostname,
                port=_parts.port or 5432,
                user=_parts.username or "",
                password=_parts.password or "",
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            _SKIP_REASON = (
                f"{TEST_DB_ENV} is set but PostgreSQL at {_parts.hostname}:{_parts.port} "
                f"is unreachable ({type(exc).__name__})"
            )
    else:
        os.environ.pop("MENTALIZE_DATABASE_URL", None)

    import django

    django.setup()


@pytest.hookimpl(tryfirst=True)  # before tests/web/browser's check, which needs the extra too
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if _MISSING and in_ci():
        fail_run(_EXTRA_MISSING)
    if _SKIP_REASON is None:
        return
    if in_ci():
        fail_run(_SKIP_REASON)
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=_SKIP_REASON))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Outside CI, a missing clinic extra leaves tests/web out; say so rather than nothing."""
    if _MISSING and not in_ci():
        terminalreporter.write_line(f"SKIPPED tests/web: {_EXTRA_MISSING}", yellow=True)


@pytest.fixture(scope="session", autouse=True)
def _record_database(record_testsuite_property: Any) -> None:
    """Names the clinic's database (``sqlite`` or ``postgresql``) in the JUnit XML report, when
    one is written (``--junitxml``), so that ``.ci/check_counts.py`` can tell that the second
    pass really ran on PostgreSQL. Reads the backend's name only; opens no connection."""
    from django.db import connection

    record_testsuite_property("clinic_database", connection.vendor)


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _analyses_run_at_once(settings: Any) -> None:
    """In-process tests run the analysis queue eagerly: an upload's analysis is done when the
    request returns. tests/web/test_analysis_queue.py switches back to the database queue and
    drains it with a worker; the tests that run ``mentalize serve`` use its real workers."""
    settings.TASKS = IMMEDIATE_TASKS


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def analysed() -> Any:
    """The example session, analysed once (the services' own function, markers only)."""
    from mentalize.web.records import services

    return services.analyse(EXAMPLE.read_text(encoding="utf-8"), None)


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    """owner (clinician, supervised by sup), other (clinician, supervised by other_sup), sup,
    other_sup, admin. Passwords unusable: tests log in with force_login (no Argon2 cost)."""
    from mentalize.web.accounts.models import Role, User
    from mentalize.web.accounts.services import grant_role_permissions

    def make(name: str, role: str, supervisor: Any = None) -> Any:
        user = User(username=name, role=role, supervisor=supervisor)
        user.set_unusable_password()
        user.save()
        grant_role_permissions(user)
        return user

    sup = make("sup", Role.SUPERVISOR)
    other_sup = make("other_sup", Role.SUPERVISOR)
    return {
        "owner": make("owner", Role.CLINICIAN, sup),
        "other": make("other", Role.CLINICIAN, other_sup),
        "sup": sup,
        "other_sup": other_sup,
        "admin": make("admin", Role.ADMIN),
    }


@pytest.fixture
def chart(people: dict[str, Any], analysed: Any) -> dict[str, Any]:
    """One patient of ``owner`` with one row of every clinical model."""
    from mentalize.web.records import services
    from mentalize.web.records.models import Patient, Treatment

    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0001", name="Ada Example", clinician=owner)
    treatment = services.create(
        owner,
        Treatment,
        patient=patient,
        modality="individual",
        frequency="weekly",
        start=dt.date(2026, 1, 5),
        status="active",
    )
    session = services.add_session(owner, patient, treatment, dt.date(2026, 2, 2), analysed)
    note = services.add_note(owner, session, "Clinician note: steady alliance.", restricted=False)
    pnote = services.add_note(owner, session, "Process note: my own irritation.", restricted=True)
    plan = services.add_crisis_plan_version(
        owner,
        treatment,
        patient_can_do="Call a friend.",
        professionals_do="Validate first.",
        information_for_others="Do not argue about feelings.",
    )
    questionnaire = services.add_questionnaire(
        owner, patient, treatment, "phq9", [1, 1, 2, 1, 0, 1, 1, 0, 0], dt.date(2026, 2, 2)
    )
    outcome = services.add_outcome(owner, patient, treatment, "crisis_contact", dt.date(2026, 2, 9))
    return {
        "patient": patient,
        "treatment": treatment,
        "session": session,
        "note": note,
        "pnote": pnote,
        "plan": plan,
        "questionnaire": questionnaire,
        "outcome": outcome,
    }
