"""What the fault tests share: ``mentalize serve`` as a process that can be SIGKILLed and started
again on the same data directory, a small HTTP client that never follows redirects (so a test
knows exactly which requests were acknowledged), and an out-of-process inspection of the data.

The server and the inspection run in their own processes because this test process already has
Django set up on the suite's test database; the data directory under test is only ever opened by
processes started for it.
"""

from __future__ import annotations

import http.client
import http.cookies
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.web.serving import PASSWORD, free_port, run_module, serve_env
from tests.web.serving import run_mentalize as mentalize

ROOT = Path(__file__).resolve().parents[3]
# .ci/run runs tests/web twice, on SQLite and then on PostgreSQL. The process-level fault tests do
# not use the suite's database, so those that test one backend run once, in the SQLite pass; the
# SIGKILL tests follow the pass (a private PostgreSQL cluster in the PostgreSQL pass).
SUITE_ON_POSTGRES = bool(os.environ.get("MENTALIZE_TEST_DATABASE_URL", "").strip())
once = pytest.mark.skipif(SUITE_ON_POSTGRES, reason="process-level; runs in the SQLite pass")
CLINICIAN = "ines"
MARKER = re.compile(r"ref-[0-9a-f]{12}")


def marker() -> str:
    """A unique, non-clinical token a test writes into a record to find it again."""
    return f"ref-{uuid.uuid4().hex[:12]}"


def new_clinic(data_dir: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """A data directory with one clinician (``ines``); returns the environment to serve it."""
    env = {**serve_env(data_dir), **(extra_env or {})}
    added = mentalize("users", "add", CLINICIAN, "--role", "clinician", env=env)
    assert added.returncode == 0, added.stderr
    return env


class Server:
    """One ``mentalize serve`` process on a fixed port; ``start`` again after ``kill``."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mentalize.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if Client(self.base).request("GET", "/login/", timeout=2).status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited ({self.process.returncode}): {self.tail()}")
            time.sleep(0.1)
        raise AssertionError(f"serve did not answer within {timeout:.0f} s: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed by the app."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


@dataclass
class Client:
    """Cookies, CSRF tokens and form posts over ``http.client``; redirects are returned, not
    followed, because a redirect after a POST is the app's acknowledgement that it saved."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def clone(self) -> Client:
        return Client(self.base, dict(self.cookies), self.token)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        parts = urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            sent = {"Referer": self.base + path, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        finally:
            conn.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def refresh_token(self, path: str = "/patients/new/") -> str:
        page = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {path} ({page.status})"
        self.token = found.group(1)
        return self.token

    def post(
        self,
        path: str,
        fields: dict[str, str],
        files: dict[str, bytes] | None = None,
        timeout: float = 60,
    ) -> Reply:
        body, content_type = encode_form({"csrfmiddlewaretoken": self.token, **fields}, files)
        return self.request("POST", path, body, {"Content-Type": content_type}, timeout=timeout)

    def login(self, username: str = CLINICIAN, password: str = PASSWORD) -> None:
        self.refresh_token("/login/")
        reply = self.post("/login/", {"username": username, "password": password})
        assert reply.status == 302, f"login refused ({reply.status})"
        self.refresh_token()  # login rotates the CSRF secret


def encode_form(fields: dict[str, str], files: dict[str, bytes] | None = None) -> tuple[bytes, str]:
    """URL-encoded fields, or multipart when there are files."""
    if not files:
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, data in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            'filename="session.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def transcript(ref: str, turns: int = 200) -> bytes:
    """A synthetic transcript (no clinical content) carrying ``ref`` in its first turn."""
    lines = [f"Therapist: Shall we start with {ref} today?"]
    for i in range(1, turns):
        who = "Patient" if i % 2 else "Therapist"
        lines.append(f"{who}: I wonder what made the {i}th moment feel so hard for her.")
    return ("\n".join(lines) + "\n").encode()


def new_patient(client: Client, code: str, name: str = "") -> str:
    """Create a patient through the page; return its path (``/patients/N/``)."""
    reply = client.post("/patients/new/", {"code": code, "name": name})
    assert reply.status == 302 and re.fullmatch(r"/patients/\d+/", reply.location), reply.status
    return reply.location


def new_treatment(client: Client, patient: str) -> int:
    """Create a treatment through the page; return its id."""
    reply = client.post(
        patient + "treatments/new/",
        {
            "modality": "individual",
            "frequency": "weekly",
            "start": "2026-01-05",
            "status": "active",
        },
    )
    assert reply.status == 302, reply.status
    page = client.get(patient)
    ids = re.findall(r"/treatments/(\d+)/crisis-plan/", page.text)
    assert ids, "the patient page links the treatment's crisis plan"
    return max(int(i) for i in ids)


def inspect(env: dict[str, str]) -> dict[str, Any]:
    """What :mod:`tests.web.faults.inspect_data` finds in the data directory, as a dict."""
    done = run_module("tests.web.faults.inspect_data", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
