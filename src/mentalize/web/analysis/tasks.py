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

import logging
from dataclasses import dataclass

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


def failure_reason(exc: BaseException) -> str:
    """A one-line reason safe to show and store: the clinic's own upload messages pass through
    (they never quote the transcript); anything else is named by its exception class only."""
    if isinstance(exc, services.UploadError):
        return str(exc).splitlines()[0][:300]
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
        analysed = services.analyse(
            session.transcript,
            None if session.source_format == "auto" else session.source_format,
            label=f"session of {session.date:%Y-%m-%d}",
        )
    except Exception as exc:  # any failure becomes a stored one-line reason, never a traceback
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
