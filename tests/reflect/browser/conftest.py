"""Browser tests of Reflect's page: ``mentalize reflect`` on a free port, driven by headless
Chromium via Playwright, as the clinic's are (tests/web/browser/conftest.py).

The browser is Debian's ``chromium`` launched through Playwright's ``executable_path``
(``MENTALIZE_CHROMIUM`` names another); without the ``playwright`` package, a Chromium binary or
the reflect extra the tests skip and say which is missing. The server is the real command
(``mentalize reflect --no-browser``) in a subprocess with a fresh journal folder; the link it
prints, token and all, is how the browser gets in, as a person's would.

Screenshots of every step go to ``MENTALIZE_SCREENSHOTS`` when set (e.g. ``out/browser``), else to
pytest's temporary directory.
"""

from __future__ import annotations

import importlib.util
import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import (
    CHROMIUM_ENV,
    VIEWPORT,
    chromium_binary,
    headless_chromium,
    screenshot_saver,
)
from tests.web.serving import free_port

LINK = re.compile(r"^Reflect is open at (http://127\.0\.0\.1:(\d+)/\?token=[\w-]+)$")
#: The passphrase the flow creates the journal with.
PASSPHRASE = "quiet harbour lanterns"


def _missing() -> str | None:
    for module, extra in (
        ("flask", "reflect"),
        ("flask_wtf", "reflect"),
        ("argon2", "reflect"),
        ("playwright", "test"),
    ):
        if importlib.util.find_spec(module) is None:
            return f"the {module} package is not installed (pip install -e '.[{extra}]')"
    if chromium_binary() is None:
        return f"no Chromium binary (apt-get install chromium, or set {CHROMIUM_ENV})"
    return None


@dataclass
class Reflect:
    """A running ``mentalize reflect``: the link it printed, its address and journal folder."""

    link: str
    base: str
    folder: Path


@pytest.fixture(scope="package")
def reflect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reflect]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("browser-reflect") / "journal"
    env = {k: v for k, v in os.environ.items() if k != "MENTALIZE_REFLECT_DIR"}
    env["MENTALIZE_MODEL"] = "markers"  # as the rest of the suite reads: fast, model-free
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mentalize.cli",
            "reflect",
            "--no-browser",
            "--port",
            str(port),
            "--data-dir",
            str(folder),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        link = _read_link(process, timeout=30)
        match = LINK.match(link)
        assert match and int(match.group(2)) == port, link
        yield Reflect(match.group(1), f"http://127.0.0.1:{port}", folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _read_link(process: subprocess.Popen[str], timeout: float) -> str:
    """The one line ``mentalize reflect`` prints on stdout, once it listens."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            line = process.stdout.readline().strip()
            if line:
                return line
        if process.poll() is not None:
            error = process.stderr.read() if process.stderr else ""
            pytest.fail(f"mentalize reflect exited ({process.returncode}): {error[-2000:]}")
    pytest.fail(f"mentalize reflect printed no link within {timeout:.0f} s")


@pytest.fixture(scope="package")
def browser(reflect_server: Reflect) -> Iterator[Any]:
    with headless_chromium() as browser:
        yield browser


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], Path]:
    """``shots(page, name)`` saves a full-page screenshot and returns its path."""
    return screenshot_saver(tmp_path_factory, prefix="reflect-")


def new_page(browser: Any, server: Reflect, **context: Any) -> Any:
    """A page in a fresh context (its own cookies), at a desktop size unless told otherwise;
    console errors (a Content-Security-Policy violation is one) are kept on ``page.errors``."""
    options = {"viewport": VIEWPORT, **context}
    ctx = browser.new_context(base_url=server.base, accept_downloads=True, **options)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page
