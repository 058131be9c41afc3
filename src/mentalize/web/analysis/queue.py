"""Putting analyses on the queue, and taking back the ones a crash left behind.

:func:`enqueue` runs inside the upload's transaction, so the session row, its audit entry and
its queued task commit together: a session acknowledged to the client always has a task.

:func:`recover` runs when workers start (and every minute under ``mentalize serve``). A worker
killed mid-task leaves its task ``RUNNING`` for ever; recovery finds such tasks whose worker
process is gone (same host, pid no longer that process), marks them failed, and queues the
session again. Sessions whose task is missing, failed or finished without storing a reading are
queued again too, up to :data:`MAX_ATTEMPTS` runs, after which the session is marked failed with
a one-line reason, so nothing is left "running" for ever.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mentalize.errors import MentalizeError
from mentalize.web.records.models import Session

log = logging.getLogger("mentalize.web.analysis")
Status = Session.AnalysisStatus
MAX_ATTEMPTS = 3
TASK_PATH = "mentalize.web.analysis.tasks.analyse_session"
LOST = "mentalize.web.analysis.queue.WorkerLost"


class WorkerLost(MentalizeError):
    """Stored as the failure of a task whose worker process ended while running it."""


def enqueue(session: Session) -> None:
    """Queue ``session``'s analysis and remember the task's id (call inside a transaction)."""
    from mentalize.web.analysis.tasks import analyse_session

    result = analyse_session.enqueue(session.pk)
    # The immediate backend (tests) has already run the task, which changed the row.
    Session.objects.filter(pk=session.pk).update(analysis_task_id=str(result.id))
    session.refresh_from_db(
        fields=["analysis_status", "analysis_error", "analysis_task_id", "turns", "analysed_at"]
    )


def _proc_stat(pid: int) -> tuple[str, str]:
    """The process's state letter and start time in clock ticks since boot (Linux), so a
    zombie or a reused pid is not mistaken for a live worker; ``("", "")`` without /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return "", ""
    return fields[0], fields[19]


def worker_id(pid: int | None = None) -> str:
    """``host:pid:start`` (at most 64 characters), what :func:`recover` reads back."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()[:40]}:{pid}:{_proc_stat(pid)[1]}"


def _gone(worker: str) -> bool:
    """Whether ``worker`` (an id from :func:`worker_id`) is a process on this host that has
    ended: no such pid, a zombie (killed, not yet reaped), or another process with its pid.
    Workers on other hosts are never judged from here."""
    host, _, rest = worker.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname()[:40] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    state, started = _proc_stat(pid)
    return state in ("Z", "X") or (bool(start) and started not in ("", start))


@dataclass(frozen=True)
class Recovered:
    lost_tasks: int
    requeued: int
    given_up: int


def recover(also_gone: str = "") -> Recovered:
    """Fail tasks whose worker died; queue again every unfinished analysis without a live task.

    ``also_gone``: a worker id to treat as dead although its process lives (a worker calling
    this between tasks, whose task was cut off by a database outage)."""
    lost = 0
    for result in DBTaskResult.objects.running().filter(task_path=TASK_PATH):
        last = result.worker_ids[-1] if result.worker_ids else ""
        if last and (last == also_gone or _gone(last)):
            updated = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=LOST,
                traceback="the worker process ended while running this task",
            )
            lost += updated
    live = {
        str(pk)
        for pk in DBTaskResult.objects.filter(
            task_path=TASK_PATH, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
        ).values_list("pk", flat=True)
    }
    requeued = given_up = 0
    waiting = Session.objects.filter(analysis_status__in=(Status.PENDING, Status.RUNNING))
    for pk in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            session = Session.objects.select_for_update().filter(pk=pk).first()
            if session is None or not session.analysis_waiting:
                continue
            if _live(session.analysis_task_id, live):
                continue
            if session.analysis_attempts >= MAX_ATTEMPTS:
                session.analysis_status = Status.FAILED
                session.analysis_error = (
                    f"The analysis was interrupted {session.analysis_attempts} times; "
                    "start it again from the session page."
                )
                session.save(update_fields=["analysis_status", "analysis_error"])
                given_up += 1
                continue
            session.analysis_status = Status.PENDING
            session.save(update_fields=["analysis_status"])
            enqueue(session)
            requeued += 1
    if lost or requeued or given_up:
        log.warning(
            "analysis recovery: %s lost task(s), %s session(s) queued again, %s given up",
            lost,
            requeued,
            given_up,
        )
    return Recovered(lost, requeued, given_up)


def _live(task_id: str, live: set[str]) -> bool:
    if task_id in live:
        return True
    # Queued after the snapshot above was taken (a concurrent upload or recovery): still live.
    try:
        return (
            bool(task_id)
            and DBTaskResult.objects.filter(
                pk=task_id, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
            ).exists()
        )
    except ValidationError:  # not a queue row id (the immediate backend's, in tests)
        return False


def retry(session: Session) -> None:
    """Queue a failed analysis again (a clinician's "try again"); resets the attempt count."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.analysis_status != Status.FAILED:
            return
        locked.analysis_status = Status.PENDING
        locked.analysis_error = ""
        locked.analysis_attempts = 0
        locked.save(update_fields=["analysis_status", "analysis_error", "analysis_attempts"])
        enqueue(locked)
    session.refresh_from_db()
