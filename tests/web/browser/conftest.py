"""Browser tests: ``mentalize serve`` on a free port, driven by headless Chromium via Playwright.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``), launched
through Playwright's ``executable_path``: Playwright's own browser downloads are never used, so
the tests need no network. Without the ``playwright`` package or a Chromium binary they skip and
say which is missing; in CI (``CI=true``, tests/ci.py) the run stops with that line instead, once
this folder is collected (in ``make test`` that covers Reflect's browser tests too).
``MENTALIZE_CHROMIUM`` names another Chromium binary.

The server runs in a subprocess with a fresh data directory, like ``test_serve.py``. On the
PostgreSQL run (``MENTALIZE_TEST_DATABASE_URL`` set) it is pointed at a throw-away database on
that server, so the whole flow is tested on both backends. The tests never touch the database
through Django in this process (Playwright's event loop would make Django refuse ORM calls); they
read row counts straight from the server's database to check that nothing was half-saved.

Screenshots of every step go to ``MENTALIZE_SCREENSHOTS`` when set (e.g. ``out/browser``), else
to pytest's temporary directory.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ci import fail_run, in_ci
from tests.web.serving import (
    PASSWORD,
    free_port,
    run_mentalize,
    serve_env,
    throwaway_database,
)

CLINICIAN = "ines"
CHROMIUM_ENV = "MENTALIZE_CHROMIUM"
SCREENSHOTS_ENV = "MENTALIZE_SCREENSHOTS"
TEST_DB_ENV = "MENTALIZE_TEST_DATABASE_URL"
VIEWPORT = {"width": 1280, "height": 900}


def chromium_binary() -> str | None:
    """Debian's Chromium (or ``MENTALIZE_CHROMIUM``), if an executable one is installed."""
    for candidate in (
        os.environ.get(CHROMIUM_ENV),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _missing() -> str | None:
    if importlib.util.find_spec("django") is None:
        return "the clinic extra is not installed (pip install -e '.[clinic]')"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_binary() is None:
        return f"no Chromium binary (apt-get install chromium, or set {CHROMIUM_ENV})"
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """In CI, no Chromium or Playwright fails the run here instead of skipping the browser tests
    (the modules' ``importorskip`` would otherwise leave no items to fail)."""
    if in_ci():
        reason = _missing()
        if reason:
            fail_run(f"the browser tests cannot run: {reason}")


@dataclass
class Clinic:
    """A running ``mentalize serve``: its address, data directory and database."""

    base: str
    data_dir: Path
    env: dict[str, str]
    database_url: str | None

    def count(self, table: str, where: str = "") -> int:
        """Rows in ``table`` of the server's database, read directly (not through the app)."""
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        if self.database_url is None:
            with sqlite3.connect(self.data_dir / "clinic.sqlite3") as con:
                return int(con.execute(sql).fetchone()[0])
        import psycopg

        with psycopg.connect(self.database_url) as con:
            return int(con.execute(sql).fetchone()[0])  # type: ignore[index]

    def mentalize(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_mentalize(*args, env=self.env, timeout=60)


@pytest.fixture(scope="package")
def _database() -> Iterator[str | None]:
    """``None`` for SQLite in the data directory; on the PostgreSQL run, a throw-away database."""
    url = os.environ.get(TEST_DB_ENV, "").strip()
    if not url:
        yield None
        return
    with throwaway_database(url, f"mentalize_browser_{os.getpid()}") as database:
        yield database


@pytest.fixture(scope="package")
def clinic(tmp_path_factory: pytest.TempPathFactory, _database: str | None) -> Iterator[Clinic]:
    """``mentalize serve`` with one clinician, ``ines``, added through the CLI."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("browser-clinic") / "data"
    env = serve_env(data_dir)
    if _database:
        env["MENTALIZE_DATABASE_URL"] = _database
    port = free_port()
    clinic = Clinic(f"http://127.0.0.1:{port}", data_dir, env, _database)
    added = clinic.mentalize("users", "add", CLINICIAN, "--role", "clinician")
    assert added.returncode == 0, added.stderr
    log = data_dir.parent / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mentalize.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:  # migrations already ran in `users add`: this takes a second or two
            try:
                # The first page imports the views; on a loaded machine that can take longer
                # than a second, which is a slow answer, not a failed start.
                urllib.request.urlopen(clinic.base + "/login/", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None:
                    pytest.fail(f"serve exited: {log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail("serve did not answer within 20 s")
                time.sleep(0.05)
        yield clinic
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, closed afterwards (shared with Reflect's tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_binary(), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_saver(
    tmp_path_factory: pytest.TempPathFactory, prefix: str = ""
) -> Callable[[Any, str], Path]:
    """``shoot(page, name)`` saves a full-page screenshot to ``MENTALIZE_SCREENSHOTS`` (else a
    temporary folder) as ``<prefix><name>.png`` and returns its path."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str) -> Path:
        path = folder / f"{prefix}{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture(scope="package")
def browser(clinic: Clinic) -> Iterator[Any]:
    """Headless Chromium (Debian's), one per test package; each test opens its own context."""
    with headless_chromium() as browser:
        yield browser


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], Path]:
    """``shots(page, name)`` saves a full-page screenshot and returns its path."""
    return screenshot_saver(tmp_path_factory)


def new_page(browser: Any, clinic: Clinic, **context: Any) -> Any:
    """A page in a fresh context (its own cookies), at a desktop size unless told otherwise."""
    ctx = browser.new_context(base_url=clinic.base, viewport=VIEWPORT, **context)
    ctx.set_default_timeout(10_000)
    return ctx.new_page()


def log_in(page: Any, username: str = CLINICIAN, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would, and land on the caseload."""
    from playwright.sync_api import expect

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
