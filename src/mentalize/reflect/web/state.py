"""The open journal, held in this process's memory only, and locked again when left idle.

The key derived from the passphrase never goes into a cookie or onto disk: the page's cookie
only proves the browser holds the launch's access key, so stealing it (or the browser's profile)
gives no way into the entries. An unlocked journal is dropped after :data:`IDLE_SECONDS`
without a request, both when the next request arrives and by a background check, so a page
left open on a shared screen closes itself. (Python cannot wipe memory; dropping the last
reference is as far as it goes.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from mentalize.reflect.vault import Journal

#: Idle time after which the journal locks itself (seconds).
IDLE_SECONDS = 15 * 60


class OpenJournal:
    """The one journal this page serves, open or locked; safe to share between threads."""

    def __init__(
        self, idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._journal: Journal | None = None
        self._last = clock()
        self._lock = threading.Lock()
        self.locked_by_idle = False

    def _expire(self) -> None:
        if self._journal is not None and self._clock() - self._last >= self.idle_seconds:
            self._journal = None
            self.locked_by_idle = True

    def expire(self) -> bool:
        """Lock now if the journal has been idle long enough; whether it was locked now."""
        with self._lock:
            was_open = self._journal is not None
            self._expire()
            return was_open and self._journal is None

    def get(self) -> Journal | None:
        """The open journal, or ``None`` when locked (or just locked for being idle)."""
        with self._lock:
            self._expire()
            return self._journal

    def touch(self) -> None:
        """A request arrived: the idle time starts again (after an idle lock, if one is due)."""
        with self._lock:
            self._expire()
            self._last = self._clock()

    def unlock(self, journal: Journal) -> None:
        with self._lock:
            self._journal = journal
            self._last = self._clock()
            self.locked_by_idle = False

    def lock(self) -> None:
        with self._lock:
            self._journal = None
            self.locked_by_idle = False

    def watch(self, every: float = 30.0) -> threading.Thread:
        """Check for idleness every ``every`` seconds in a daemon thread (started here), so the
        key is dropped on time even when no request ever comes."""

        def run() -> None:
            while True:
                time.sleep(every)
                self.expire()

        thread = threading.Thread(target=run, name="reflect-idle-lock", daemon=True)
        thread.start()
        return thread
