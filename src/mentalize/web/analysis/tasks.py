"""The one task on the queue: analyse a stored session and store the reading.

At-least-once and idempotent: a task may run twice (re-queued after a crash while another worker
was still on it), so the result is written only if the session is not analysed yet, under a row
lock, in one transaction with its audit entry. A crash anywhere before that commit leaves the
session as it was (transcript stored, no analysis) for :func:`.queue.recover` to re-queue.

The task never raises with clinical content: the queue stores a failed task's traceback in the
database in the clear, so every failure is turned into a fixed one-line reason here, stored on
the session, and the task returns normally.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mentalize.web.audit.chain import Action, record
from mentalize.web.records import services
from mentalize.web.records.models import Session

log = logging.getLogger("mentalize.web.analysis")
Status = Session.AnalysisStatus


@dataclass(frozen=True)
class SystemActor:
    """The audit actor for writes no user made (the analyser storing its reading)."""

    username: str = "system:analysis"
    pk: None = None


ANALYSER = SystemActor()


class TimeLimitExceeded(BaseException):
    """Raised inside the analyser when its time is up. A BaseException, like KeyboardInterrupt,
    so no ``except Exception`` inside the analyser can swallow it and run on."""


def time_limit_message() -> str:
    seconds = settings.MENTALIZE_ANALYSIS_MAX_SECONDS
    return (
        f"The analysis ran longer than the {seconds}-second limit for one session "
        "(MENTALIZE_ANALYSIS_MAX_SECONDS) and was stopped; split the session into parts."
    )


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in this thread after ``seconds`` (a real-time timer).

    Workers run tasks in their main thread, where a SIGALRM handler can interrupt the analyser
    between Python bytecodes (a long C call finishes first). Off the main thread, or without
    SIGALRM (Windows), no budget is enforced: there the turn limit is the only bound.
    """
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failure_reason(exc: BaseException) -> str:
    """A one-line reason safe to show and store: the clinic's own upload messages pass through
    (they never quote the transcript); anything else is named by its exception class only."""
    if isinstance(exc, services.UploadError):
        return str(exc).splitlines()[0][:300]
    if isinstance(exc, TimeLimitExceeded):
        return time_limit_message()[:300]
    return (
        f"The analyser stopped with an internal error ({type(exc).__name__}); "
        "the transcript is stored, try the analysis again or report the error."
    )[:300]


@task()
def analyse_session(session_id: int) -> str:
    """Analyse session ``session_id`` and store the reading; returns the outcome's name only."""
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            return "gone"
        if session.analysis_status == Status.DONE:
            return "done"
        session.analysis_status = Status.RUNNING
        session.analysis_attempts += 1
        session.save(update_fields=["analysis_status", "analysis_attempts"])
    try:
        # A bounded run: a pathological transcript fails with a reason instead of holding the
        # worker (and gigabytes of memory) for as long as it takes.
        with time_limit(settings.MENTALIZE_ANALYSIS_MAX_SECONDS):
            analysed = services.analyse(
                session.transcript,
                None if session.source_format == "auto" else session.source_format,
                label=f"session of {session.date:%Y-%m-%d}",
            )
    # any failure becomes a stored one-line reason, never a traceback
    except (Exception, TimeLimitExceeded) as exc:
        reason = failure_reason(exc)
        log.warning("analysis of session %s failed (%s)", session_id, type(exc).__name__)
        with transaction.atomic():
            locked = Session.objects.select_for_update().filter(pk=session_id).first()
            if locked is None or locked.analysis_status == Status.DONE:
                return "done"
            locked.analysis_status = Status.FAILED
            locked.analysis_error = reason
            locked.save(update_fields=["analysis_status", "analysis_error"])
        return "failed"
    return "stored" if store_analysis(session_id, analysed) else "done"


def store_analysis(session_id: int, analysed: services.Analysed) -> bool:
    """Write the reading and its audit entry in one transaction; ``False`` if another run of the
    task stored it first (or the session was deleted meanwhile)."""
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()
        if session is None or session.analysis_status == Status.DONE:
            return False
        written = {
            **analysed.reading(),
            "analysis_status": Status.DONE,
            "analysis_error": "",
            "analysed_at": timezone.now(),
        }
        for column, value in written.items():
            setattr(session, column, value)
        session.save(update_fields=list(written))
        record(ANALYSER, Action.UPDATE, session)
    log.info("session %s analysed (%s turns)", session_id, analysed.turns)
    return True
