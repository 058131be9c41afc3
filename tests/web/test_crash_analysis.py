"""SIGKILL during an analysis: ``mentalize serve`` and its worker are killed at once while a
worker is analysing a large transcript, with more uploads queued behind it; then the server is
started again on the same data.

What must hold: every session acknowledged to the client (201) exists with its transcript; no
session is half-analysed at any point (a stored analysis always has its audit entry, and a
session without one has no analysis); after the restart every analysis completes (the killed
task is marked lost and re-queued, nothing stays "running"); ``mentalize audit verify`` passes.

Runs on SQLite, and also on PostgreSQL (a throw-away database) when
``MENTALIZE_TEST_DATABASE_URL`` is set. About 20 s per backend.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import EXAMPLE
from tests.web.serving import free_port, run_mentalize, serve_env, throwaway_database

TEST_DB_ENV = "MENTALIZE_TEST_DATABASE_URL"
# Large enough that the markers-only analyser is still busy when the kill comes (a few seconds
# on a slow machine), well inside the 5 MiB upload limit.
BIG_TURNS = 12_000
SERVE = (sys.executable, "-m", "mentalize.cli", "serve")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(TEST_DB_ENV, "").strip() else ["sqlite"]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """``None`` for SQLite in the data directory, else a throw-away PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with throwaway_database(os.environ[TEST_DB_ENV], f"mentalize_crash_{os.getpid()}") as url:
        yield url


class Clinic:
    """One data directory, served by ``mentalize serve`` processes started and killed here."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = serve_env(data_dir)
        # BIG_TURNS is over the default turn limit per upload (issue 18): raise it here.
        self.env["MENTALIZE_MAX_TURNS"] = str(BIG_TURNS)
        if database_url:
            self.env["MENTALIZE_DATABASE_URL"] = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.token = ""

    def mentalize(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_mentalize(*args, env=self.env)

    def start(self, workers: int = 1) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        log = open(self.data_dir.parent / "serve.log", "ab")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--analysis-workers", str(workers)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill reaches its worker too
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/login/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, "serve exited; see serve.log"
                time.sleep(0.1)
        pytest.fail("serve did not answer within 30 s")

    def kill(self) -> None:
        """SIGKILL to the server and its worker at once (the whole process group)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def api(self, method: str, path: str, body: bytes | None = None, ctype: str = "") -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if ctype:
            headers["Content-Type"] = ctype
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())

    def upload(self, patient: int, text: str) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="transcript"; '
                'filename="s.txt"\r\nContent-Type: text/plain\r\n\r\n'
            ).encode()
            + text.encode()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, created = self.api(
            "POST",
            f"/api/v1/patients/{patient}/sessions/",
            body,
            f"multipart/form-data; boundary={boundary}",
        )
        assert status == 201
        return created

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the server's database directly (not through the app)."""
        if self.database_url is None:
            with sqlite3.connect(self.data_dir / "clinic.sqlite3", timeout=20) as con:
                return con.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as con:
            return con.execute(sql).fetchall()

    def status(self, session: int) -> str:
        found = self.rows(f"SELECT analysis_status FROM records_session WHERE id = {int(session)}")
        return found[0][0] if found else ""

    def task_status(self, session: int) -> str:
        (task_id,) = self.rows(
            f"SELECT analysis_task_id FROM records_session WHERE id = {int(session)}"
        )[0]
        # SQLite keeps a UUID as 32 hex digits; PostgreSQL reads those as a uuid too.
        found = self.rows(
            "SELECT status FROM django_tasks_database_dbtaskresult "
            f"WHERE id = '{uuid.UUID(task_id).hex}'"
        )
        return found[0][0]

    def assert_nothing_half_saved(self) -> None:
        """A session is analysed exactly when its reading, its time and the analyser's audit
        entry are all there: never one without the others."""

        def ids(sql: str) -> set[int]:
            return {int(row[0]) for row in self.rows(sql)}

        done = ids("SELECT id FROM records_session WHERE analysis_status = 'done'")
        timed = ids("SELECT id FROM records_session WHERE analysed_at IS NOT NULL")
        audited = ids(
            "SELECT object_id FROM audit_auditentry WHERE action = 'update' "
            "AND object_type = 'records.session' AND actor = 'system:analysis'"
        )
        assert done == timed == audited


def _transcript(turns: int) -> str:
    lines = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return "\n".join((lines * (turns // len(lines) + 1))[:turns]) + "\n"


def test_sigkill_during_an_analysis_loses_nothing(tmp_path: Path, database_url: str | None) -> None:
    clinic = Clinic(tmp_path / "data", database_url)
    added = clinic.mentalize("users", "add", "ines", "--role", "clinician")
    assert added.returncode == 0, added.stderr
    clinic.token = clinic.mentalize("users", "token", "ines").stdout.strip()
    clinic.start()
    try:
        status, patient = clinic.api(
            "POST", "/api/v1/patients/", b'{"code": "MBT-KILL"}', "application/json"
        )
        assert status == 201
        big = clinic.upload(patient["id"], _transcript(BIG_TURNS))
        small = [clinic.upload(patient["id"], _transcript(40)) for _ in range(3)]
        acknowledged = [big, *small]
        assert all(s["analysis_status"] in ("pending", "running") for s in acknowledged)
        deadline = time.monotonic() + 30
        while clinic.status(big["id"]) != "running":  # the worker has taken the big one
            assert time.monotonic() < deadline, "the worker never started the analysis"
            time.sleep(0.05)
        time.sleep(0.3)
        clinic.kill()
    finally:
        clinic.stop()

    # Killed mid-analysis: the big session is still "running", nothing of it is stored.
    assert clinic.status(big["id"]) == "running"
    clinic.assert_nothing_half_saved()
    assert clinic.task_status(big["id"]) == "RUNNING"  # as the dead worker left it

    clinic.start()
    try:
        deadline = time.monotonic() + 120
        while any(clinic.status(s["id"]) != "done" for s in acknowledged):
            assert time.monotonic() < deadline, "analyses did not complete after the restart"
            assert "failed" not in {clinic.status(s["id"]) for s in acknowledged}
            time.sleep(0.2)
        for created in acknowledged:  # each acknowledged session: there, transcript and all
            status, session = clinic.api("GET", created["url"])
            assert status == 200 and session["analysis_status"] == "done"
            status, analysis = clinic.api("GET", created["analysis"])
            assert analysis["schema"] == "mentalize.session/1"
            assert len(analysis["turns"]) == session["turns"] == created["turns"]
    finally:
        clinic.stop()

    clinic.assert_nothing_half_saved()
    assert clinic.rows(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE status IN ('RUNNING', 'READY')"
    ) == [(0,)]
    lost = clinic.rows(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE exception_class_path = 'mentalize.web.analysis.queue.WorkerLost'"
    )
    assert lost == [(1,)]
    assert clinic.rows(f"SELECT analysis_attempts FROM records_session WHERE id = {big['id']}") == [
        (2,)
    ]
    verified = clinic.mentalize("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("audit log intact")


def test_serve_without_workers_and_a_separate_worker_command(tmp_path: Path) -> None:
    """``serve --analysis-workers 0`` queues and never analyses; ``mentalize worker --batch``
    (the command for set-ups that run workers apart from the server) drains the queue."""
    clinic = Clinic(tmp_path / "data", None)
    assert clinic.mentalize("users", "add", "ines", "--role", "clinician").returncode == 0
    clinic.token = clinic.mentalize("users", "token", "ines").stdout.strip()
    clinic.start(workers=0)
    try:
        _, patient = clinic.api(
            "POST", "/api/v1/patients/", b'{"code": "MBT-SEP"}', "application/json"
        )
        created = clinic.upload(patient["id"], _transcript(40))
        time.sleep(1.5)  # three times a worker's polling interval: no worker took it
        assert clinic.status(created["id"]) == "pending"
        drained = clinic.mentalize("worker", "--batch")
        assert drained.returncode == 0, drained.stderr
        assert clinic.status(created["id"]) == "done"
        status, analysis = clinic.api("GET", created["analysis"])
        assert status == 200 and len(analysis["turns"]) == created["turns"]
    finally:
        clinic.stop()
