"""``mentalize serve`` as a user runs it: a fresh data directory, a real port, a real browser-like
client. Also the privacy test the issue asks for: upload a transcript through the running app,
then grep the SQLite database file for a phrase from it.

Runs with SQLite in the subprocess whatever the suite's database, since it tests the embedded
default (the PostgreSQL run covers the same views in-process).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.serving import PASSWORD, free_port, run_mentalize, serve_env

PHRASE = "quetzal velvet harbourmaster"
TRANSCRIPT = (
    "Therapist: What happened after the call?\n"
    f"Patient: I kept picturing the {PHRASE} and I felt I was nothing.\n"
    "Therapist: Can we slow down and look at that moment together?\n"
    "Patient: I suppose I assumed she hated me.\n"
)


def _mentalize(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_mentalize(*args, env=env, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    data_dir = tmp_path_factory.mktemp("clinic") / "data"  # does not exist yet
    env = serve_env(data_dir)
    added = _mentalize("users", "add", "ines", "--role", "clinician", env=env)
    assert added.returncode == 0, added.stderr
    port = free_port()
    log = data_dir.parent / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mentalize.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/login/", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None:
                    pytest.fail(f"serve exited: {log.read_text()}")
                time.sleep(0.1)
        else:
            pytest.fail("serve did not answer within 15 s")
        yield base, data_dir, log
    finally:
        process.terminate()
        process.wait(timeout=10)


class Browser:
    """Cookies, CSRF tokens and multipart posts, with the standard library only."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post(
        self, path: str, fields: dict[str, str], files: dict[str, bytes] | None = None
    ) -> tuple[str, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "every form carries a CSRF token"
        fields = {"csrfmiddlewaretoken": token.group(1), **fields}
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        for name, data in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="session.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()


def test_serve_creates_the_data_directory_and_serves_login(server: tuple[str, Path, Path]) -> None:
    base, data_dir, _ = server
    with urllib.request.urlopen(base + "/login/", timeout=5) as response:
        page = response.read().decode()
        assert response.status == 200
        assert response.headers["Server"] == "mentalize"  # waitress, not runserver
    assert "Log in" in page and "csrfmiddlewaretoken" in page
    assert stat.S_IMODE(os.stat(data_dir / "encryption.key").st_mode) == 0o600
    assert (data_dir / "clinic.sqlite3").is_file()


def test_uploaded_transcript_is_not_in_the_database_file(server: tuple[str, Path, Path]) -> None:
    base, data_dir, log = server
    browser = Browser(base)
    url, _ = browser.post("/login/", {"username": "ines", "password": PASSWORD})
    assert url.endswith("/patients/")
    url, page = browser.post("/patients/new/", {"code": "MBT-GREP", "name": "Oona Pemberton"})
    patient = urllib.parse.urlsplit(url).path
    assert re.fullmatch(r"/patients/\d+/", patient) and "Oona Pemberton" in page
    url, page = browser.post(
        patient + "sessions/new/",
        {"date": "2026-05-01"},
        files={"transcript_file": TRANSCRIPT.encode()},
    )
    session = urllib.parse.urlsplit(url).path
    assert re.fullmatch(r"/sessions/\d+/", session), page[:500]
    for _ in range(150):  # serve's own analysis worker takes the queued analysis
        _, report = browser.get(session + "report/")
        if 'http-equiv="refresh"' not in report:
            break
        time.sleep(0.1)
    assert PHRASE in report  # the app reads it back...

    _mentalize("audit", "verify", env=serve_env(data_dir))  # a second process: checkpoints the WAL
    stored = b"".join(p.read_bytes() for p in data_dir.glob("clinic.sqlite3*"))
    assert b"MBT-GREP" in stored, "the grep must see plain columns, or it proves nothing"
    for secret in (PHRASE, "Oona Pemberton", "assumed she hated me"):  # ...the file does not
        assert secret.encode() not in stored
        assert secret.encode("utf-16-le") not in stored
    for secret in (PHRASE, "Oona", "hated"):
        assert secret not in log.read_text()


def test_audit_verify_on_the_served_data(server: tuple[str, Path, Path]) -> None:
    _, data_dir, _ = server
    result = _mentalize("audit", "verify", env=serve_env(data_dir))
    assert result.returncode == 0, result.stderr
    assert re.match(r"audit log intact: \d+ entries", result.stdout)


def test_concurrent_requests_keep_the_audit_chain_intact(server: tuple[str, Path, Path]) -> None:
    """Eight threads of waitress appending read entries at once: no fork, no gap."""
    from concurrent.futures import ThreadPoolExecutor

    base, data_dir, _ = server
    browser = Browser(base)
    browser.post("/login/", {"username": "ines", "password": PASSWORD})
    url, _ = browser.post("/patients/new/", {"code": "MBT-CONC", "name": ""})
    patient = urllib.parse.urlsplit(url).path

    def read(_: int) -> str:
        return browser.get(patient)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, range(40)))
    assert all(r.endswith(patient) for r in results)
    result = _mentalize("audit", "verify", env=serve_env(data_dir))
    assert result.returncode == 0, result.stderr
    assert int(re.search(r"(\d+) entries", result.stdout).group(1)) >= 40
