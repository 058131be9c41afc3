"""The analysis queue, with the real database backend (not the eager one the other tests use):
an upload stores the transcript and a queued task and returns before any analysis; a worker
drains the queue; failures become a one-line reason; recovery re-queues what a dead worker left.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from mentalize.web.accounts.services import new_token
from mentalize.web.analysis import queue, worker
from mentalize.web.analysis.tasks import ANALYSER
from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import services
from mentalize.web.records.models import Session
from tests.web.conftest import EXAMPLE

Status = Session.AnalysisStatus
PHRASE = "the marmalade lighthouse keeper"
TRANSCRIPT = (
    "T: What happened after the call?\n"
    f"P: I kept thinking about {PHRASE} and felt I was nothing.\n"
    "T: Can we slow down and look at that moment together?\n"
    "P: I suppose I assumed she hated me.\n"
)


@pytest.fixture(autouse=True)
def database_queue(settings: Any, monkeypatch: Any) -> Iterator[None]:
    """The production backend; the worker's signal handlers are put back after each test.

    The worker closes stale connections between tasks; inside a test's transaction Django counts
    every connection as stale (autocommit is off), so that check is skipped here. Committed runs
    of the real worker are covered by tests/web/test_crash_analysis.py and test_serve.py."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def drain() -> None:
    """Run the real worker (recovery, then django-tasks-db's loop) until the queue is empty."""
    worker.run(batch=True, interval=0)


def _upload(client: Any, patient: Any, text: str = TRANSCRIPT) -> Any:
    upload = SimpleUploadedFile("s.txt", text.encode(), "text/plain")
    return client.post(
        f"/patients/{patient.pk}/sessions/new/", {"date": "2026-03-02", "transcript_file": upload}
    )


def test_upload_returns_before_the_analysis_and_a_worker_completes_it(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    owner, patient = people["owner"], chart["patient"]
    client.force_login(owner)
    response = _upload(client, patient)
    session = Session.objects.exclude(pk=chart["session"].pk).get(patient=patient)
    assert response.status_code == 302 and response.url == f"/sessions/{session.pk}/"
    assert session.analysis_status == Status.PENDING and session.turns == 4
    assert session.analysis_json == "" and session.report_html == ""
    assert session.transcript == TRANSCRIPT  # stored (encrypted) with the upload itself
    task = DBTaskResult.objects.get(pk=session.analysis_task_id)
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs == {"args": [session.pk], "kwargs": {}}  # an id, never the text

    page = client.get(response.url).content.decode()
    assert "Analysis waiting for the analyser" in page and "Refresh page" in page
    reads_before = AuditEntry.objects.filter(action="read").count()
    frame = client.get(f"/sessions/{session.pk}/report/")
    assert frame.status_code == 200 and b'http-equiv="refresh"' in frame.content
    csp = frame.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp  # a status page, nothing to run
    assert 'sandbox="allow-scripts"' not in page  # so its own reload carries the cookie
    assert PHRASE.encode() not in frame.content
    assert AuditEntry.objects.filter(action="read").count() == reads_before  # nothing shown

    drain()
    session.refresh_from_db()
    assert session.analysis_status == Status.DONE and session.analysed_at is not None
    assert json.loads(session.analysis_json)["schema"] == "mentalize.session/1"
    assert DBTaskResult.objects.get(pk=session.analysis_task_id).status == "SUCCESSFUL"
    report = client.get(f"/sessions/{session.pk}/report/")
    assert "http-equiv" not in report.content.decode() and PHRASE in report.content.decode()
    assert "sandbox allow-scripts" in report.headers["Content-Security-Policy"]
    assert 'sandbox="allow-scripts"' in client.get(response.url).content.decode()
    stored = AuditEntry.objects.filter(
        object_type="records.session", object_id=str(session.pk)
    ).values_list("action", "actor")
    assert ("create", owner.username) in stored and ("update", ANALYSER.username) in stored
    assert verify().ok


def test_session_and_task_commit_together(
    client: Any, people: dict[str, Any], chart: dict[str, Any], monkeypatch: Any
) -> None:
    """If the task cannot be queued, the upload stores nothing (no session without a task)."""

    def broken(session: Session) -> None:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(queue, "enqueue", broken)
    client.force_login(people["owner"])
    sessions, entries = Session.objects.count(), AuditEntry.objects.count()
    client.raise_request_exception = False
    response = _upload(client, chart["patient"])
    assert response.status_code == 500
    assert Session.objects.count() == sessions and AuditEntry.objects.count() == entries


def test_failed_analysis_shows_a_one_line_reason_and_can_be_retried(
    client: Any, people: dict[str, Any], chart: dict[str, Any], monkeypatch: Any
) -> None:
    client.force_login(people["owner"])
    _upload(client, chart["patient"])
    session = Session.objects.get(analysis_status=Status.PENDING)
    real = services.analyse

    def crash(text: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"could not read {text}")  # an error that quotes the transcript

    monkeypatch.setattr(services, "analyse", crash)
    drain()
    session.refresh_from_db()
    assert session.analysis_status == Status.FAILED
    assert "internal error (ValueError)" in session.analysis_error
    assert "\n" not in session.analysis_error and PHRASE not in session.analysis_error
    task = DBTaskResult.objects.get(pk=session.analysis_task_id)
    assert PHRASE not in json.dumps([task.return_value, task.traceback, task.args_kwargs])
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "The analysis failed" in page and "Analyse again" in page and PHRASE not in page
    assert client.get(f"/api/v1/sessions/{session.pk}/analysis/").status_code == 401  # token API

    monkeypatch.setattr(services, "analyse", real)
    response = client.post(f"/sessions/{session.pk}/analysis/retry/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.analysis_status == Status.PENDING and session.analysis_error == ""
    drain()
    session.refresh_from_db()
    assert session.analysis_status == Status.DONE
    assert verify().ok


def test_retry_needs_write_access(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    session = chart["session"]
    Session.objects.filter(pk=session.pk).update(analysis_status=Status.FAILED)
    client.force_login(people["sup"])  # reads the owner's patients, may not write
    assert client.post(f"/sessions/{session.pk}/analysis/retry/").status_code == 403
    client.force_login(people["other"])
    assert client.post(f"/sessions/{session.pk}/analysis/retry/").status_code == 404
    session.refresh_from_db()
    assert session.analysis_status == Status.FAILED


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_recovery_requeues_the_task_of_a_dead_worker_only(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    _upload(client, chart["patient"])
    _upload(client, chart["patient"])
    dead, alive = Session.objects.filter(analysis_status=Status.PENDING).order_by("pk")
    for session, worker_id in ((dead, queue.worker_id(_dead_pid())), (alive, queue.worker_id())):
        DBTaskResult.objects.get(pk=session.analysis_task_id).claim(worker_id)
        Session.objects.filter(pk=session.pk).update(
            analysis_status=Status.RUNNING, analysis_attempts=1
        )
    old_task = dead.analysis_task_id

    result = queue.recover()
    assert (result.lost_tasks, result.requeued, result.given_up) == (1, 1, 0)
    lost = DBTaskResult.objects.get(pk=old_task)
    assert lost.status == TaskResultStatus.FAILED and lost.exception_class_path == queue.LOST
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.analysis_status == Status.PENDING and dead.analysis_task_id != old_task
    assert DBTaskResult.objects.get(pk=dead.analysis_task_id).status == TaskResultStatus.READY
    assert alive.analysis_status == Status.RUNNING  # its worker (this process) is alive
    assert queue.recover().requeued == 0  # a second recovery finds nothing more to do

    drain()
    dead.refresh_from_db()
    assert dead.analysis_status == Status.DONE and dead.analysis_attempts == 2


def test_recovery_gives_up_after_repeated_interruptions(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    _upload(client, chart["patient"])
    session = Session.objects.get(analysis_status=Status.PENDING)
    DBTaskResult.objects.filter(pk=session.analysis_task_id).delete()  # e.g. pruned
    Session.objects.filter(pk=session.pk).update(
        analysis_status=Status.RUNNING, analysis_attempts=queue.MAX_ATTEMPTS
    )
    assert queue.recover().given_up == 1
    session.refresh_from_db()
    assert session.analysis_status == Status.FAILED
    assert "interrupted 3 times" in session.analysis_error


def test_an_analysis_already_stored_is_not_overwritten(chart: dict[str, Any]) -> None:
    """At-least-once delivery: a second run of the same task changes nothing."""
    from mentalize.web.analysis.tasks import analyse_session

    session = chart["session"]
    before = (session.analysis_json, AuditEntry.objects.count())
    assert analyse_session.call(session.pk) == "done"
    session.refresh_from_db()
    assert (session.analysis_json, AuditEntry.objects.count()) == before


def test_api_upload_returns_the_session_with_its_analysis_status(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    upload = SimpleUploadedFile("session.txt", EXAMPLE.read_bytes(), "text/plain")
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/sessions/", {"transcript": upload}, **auth
    )
    assert response.status_code == 201
    created = response.json()
    assert created["analysis_status"] == "pending" and created["analysis_error"] is None
    assert created["url"] == f"/api/v1/sessions/{created['id']}/"
    pending = client.get(created["analysis"], **auth)
    assert pending.status_code == 409 and pending.json()["analysis_status"] == "pending"
    listed = client.get(f"/api/v1/patients/{chart['patient'].pk}/", **auth).json()
    assert {"id": created["id"], "analysis_status": "pending"}.items() <= next(
        s for s in listed["sessions"] if s["id"] == created["id"]
    ).items()

    drain()
    polled = client.get(created["url"], **auth).json()
    assert polled["analysis_status"] == "done" and polled["turns"] == created["turns"]
    analysis = client.get(created["analysis"], **auth)
    assert analysis.status_code == 200 and analysis.json()["schema"] == "mentalize.session/1"


def test_pending_sessions_stay_out_of_the_overview_and_exports(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    _upload(client, chart["patient"])
    patient = chart["patient"]
    assert client.get(f"/patients/{patient.pk}/overview/").status_code == 200
    assert client.get(f"/patients/{patient.pk}/").status_code == 200
    for fmt in ("fhir", "csv"):
        response = client.post(f"/patients/{patient.pk}/export/", {"format": fmt})
        assert response.status_code == 200 and response.headers["Content-Disposition"], fmt


def test_a_killed_worker_not_yet_reaped_counts_as_gone() -> None:
    """A worker killed with its server is a zombie until init reaps it; recovery must not wait
    for that (found by test_crash_analysis: the re-queue came a minute late)."""
    import time

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = queue.worker_id(child.pid)
        assert not queue._gone(running)
        assert queue._gone(f"{running.rsplit(':', 1)[0]}:1")  # its pid, another start: reused
        child.kill()
        time.sleep(0.2)  # dead, and not waited for: a zombie
        assert queue._gone(running)
        assert not queue._gone("another-host:1:1")  # other hosts are never judged from here
    finally:
        child.kill()
        child.wait()


def test_a_worker_outlives_a_database_outage(
    client: Any, people: dict[str, Any], chart: dict[str, Any], monkeypatch: Any, caplog: Any
) -> None:
    """The database drops while the worker runs a task: the worker logs one line (no traceback),
    waits, and on resuming releases the task it was cut off in, so the analysis is redone
    (found by tests/web/faults/test_postgres.py: the worker died with a traceback)."""
    from django.db import OperationalError

    client.force_login(people["owner"])
    _upload(client, chart["patient"])
    session = Session.objects.get(analysis_status=Status.PENDING)
    me = queue.worker_id()
    real_loop, calls = worker._loop, []

    def outage_then_real(**kwargs: Any) -> None:
        calls.append(kwargs)
        if len(calls) == 1:  # the task was claimed, then the database went away
            DBTaskResult.objects.get(pk=session.analysis_task_id).claim(me)
            Session.objects.filter(pk=session.pk).update(analysis_status=Status.RUNNING)
            raise OperationalError("connection to server was lost")
        # A served worker (batch=False) would wait for more; here: stop once the queue is empty.
        real_loop(**{**kwargs, "batch": True})

    monkeypatch.setattr(worker, "_loop", outage_then_real)
    monkeypatch.setattr(worker, "OUTAGE_RETRY_S", 0.0)
    monkeypatch.setattr(worker, "_close_connections", lambda: None)  # the test's transaction
    worker.run(interval=0)  # not batch: a batch run gives up on an outage
    assert len(calls) == 2 and calls[0]["batch"] is False
    assert "database unreachable (OperationalError)" in caplog.text
    assert "Traceback" not in caplog.text
    session.refresh_from_db()
    assert session.analysis_status == Status.DONE and session.analysis_attempts == 1


def test_a_batch_of_reads_chains_like_single_entries(chart: dict[str, Any]) -> None:
    """record_many (one take of the head for a page's reads; found slow by bench/clinic_load.py)
    writes the same chain one record() per row would: consecutive seqs, linked, verified."""
    from mentalize.web.audit.chain import Action, record, record_many

    owner = chart["patient"].clinician
    rows = [chart["patient"], chart["session"], chart["note"]]
    before = AuditEntry.objects.count()
    batch = record_many(owner, Action.READ, rows)
    single = record(owner, Action.READ, chart["plan"])
    assert [e.seq for e in batch] == [before + 1, before + 2, before + 3]
    assert [e.object_id for e in batch] == [str(r.pk) for r in rows]
    assert batch[1].prev_hash == batch[0].hash and single.prev_hash == batch[-1].hash
    assert verify().ok and verify().checked == before + 4
    assert record_many(owner, Action.READ, []) == []
