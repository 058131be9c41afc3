"""Worker processes: one analysis at a time each, in its own process (the analyser is CPU-bound;
in a thread of the web server it would hold the GIL and slow every page).

:func:`run` is ``mentalize worker``: recover, then django-tasks-db's worker loop. :class:`Pool`
is what ``mentalize serve`` uses: it starts N such processes, restarts one that dies, runs
recovery every minute, and stops them when the server stops. Each child also watches its parent
and exits when the parent is gone, so a server killed with SIGKILL leaves no orphan worker behind
to hold tasks while a restarted server cannot see it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("mentalize.web.analysis")
RECOVER_EVERY_S = 60.0


def _watch_parent(parent: int) -> None:
    """Exit this process (without clean-up: the task in hand is re-queued by recovery) once
    ``parent`` has gone (re-parented to init or a subreaper)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(3)
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run(*, interval: float = 0.5, parent: int | None = None, batch: bool = False) -> None:
    """Recover what a crash left, then take analyses from the queue until stopped.

    A database outage does not end the worker: it says so in one line, waits, and carries on
    once the database answers, first releasing any task it was running when the outage hit
    (such a task would otherwise stay "running" under this live process for ever)."""
    from django.db import Error as DatabaseError

    from mentalize.web.analysis.queue import recover, worker_id

    if parent is not None:
        _watch_parent(parent)
    me = worker_id()
    while True:
        try:
            recover(also_gone=me)
            _loop(interval=interval, batch=batch, me=me)
            return
        except DatabaseError as exc:
            if batch:
                raise
            log.warning(
                "analysis worker: database unreachable (%s); trying again in %s s",
                type(exc).__name__,
                OUTAGE_RETRY_S,
            )
            _close_connections()
            time.sleep(OUTAGE_RETRY_S)


OUTAGE_RETRY_S = 2.0


def _loop(*, interval: float, batch: bool, me: str) -> None:
    from django.core.management import call_command

    call_command(
        "db_worker",
        interval=interval,
        batch=batch,
        reload=False,
        startup_delay=False,
        worker_id=me,
        verbosity=0,
    )


def _close_connections() -> None:
    """Drop connections to a database that went away; the next query opens a fresh one."""
    from django.db import Error as DatabaseError
    from django.db import connections

    for connection in connections.all():
        with contextlib.suppress(DatabaseError):
            connection.close()


def default_workers() -> int:
    """One fewer than the cores (the web server keeps one), at least 1, at most 4."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class Pool:
    """N ``mentalize worker`` processes supervised from the serving process."""

    def __init__(self, count: int, data_dir: Path, *, interval: float = 0.5) -> None:
        self.count = count
        self.data_dir = data_dir
        self.interval = interval
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "mentalize.cli",
            "worker",
            "--data-dir",
            str(self.data_dir),
            "--interval",
            str(self.interval),
            "--parent",
            str(os.getpid()),
        ]
        env = dict(os.environ)
        # The encoder's threads: the cores left after one for the web server, shared among the
        # workers, so an analysis never takes the CPU that keeps pages fast ($MENTALIZE_THREADS
        # overrides).
        env.setdefault("MENTALIZE_THREADS", str(max(1, ((os.cpu_count() or 2) - 1) // self.count)))
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]
        self._thread = threading.Thread(target=self._supervise, name="analysis-pool", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        from django.db import Error as DatabaseError
        from django.db import close_old_connections

        from mentalize.web.analysis.queue import recover

        last_recovery = time.monotonic()
        while not self._stop.wait(1.0):
            for i, process in enumerate(self.processes):
                if process.poll() is not None and not self._stop.is_set():
                    log.warning("analysis worker exited (%s); starting another", process.returncode)
                    self.processes[i] = self._spawn()
            if time.monotonic() - last_recovery >= RECOVER_EVERY_S:
                last_recovery = time.monotonic()
                try:
                    recover()
                except DatabaseError as exc:  # the database is down: try again next minute
                    log.warning("analysis recovery skipped: %s", type(exc).__name__)
                finally:
                    close_old_connections()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM each worker (it finishes the task in hand), then SIGKILL what is left."""
        self._stop.set()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
