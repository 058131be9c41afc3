"""The Dask engine: the same batch run on a Dask distributed cluster (``--dask ADDRESS``) or on a
``LocalCluster`` this process starts (``--dask-local N``).

It implements the executor-factory interface of :func:`mentalize.batch.engine.run`, so units,
part files, skipping and the final tables are the local engine's own code, and results are the
same whichever engine ran them. Each Dask worker loads the model once, when it joins, through a
worker plugin (workers that join later, e.g. from dask-jobqueue, load it too); the workers write
the part files under the output folder, so on a cluster that folder must be on a filesystem every
worker sees. ``dask[distributed]`` is the optional extra ``mentalize[dask]``, imported only here.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any

from mentalize import environment
from mentalize.batch.engine import ModelChoice, usable_cores
from mentalize.errors import MentalizeError, MissingExtra

__all__ = ["DaskEngine", "available"]

#: How long to wait for a scheduler before giving up with a clear error.
CONNECT_TIMEOUT = "20s"

#: Dask settings for a LocalCluster we start. Units are whole sessions, few and coarse: the
#: scheduler hands each worker its next unit before the current one ends (no idle round trip
#: between units, which its default queuing for many tiny tasks would cost), and the workers'
#: statistical profiler (a sample every 10 ms, for the dashboard we do not start) is off.
LOCAL_CONFIG: dict[str, Any] = {
    "distributed.scheduler.worker-saturation": "inf",
    "distributed.worker.profile.enabled": False,
}


def available() -> bool:
    """True when ``dask[distributed]`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise MissingExtra("dask", "--dask/--dask-local", missing="dask.distributed")


def warm_worker(model: ModelChoice, threads: int | None) -> None:
    """Run on each Dask worker as it starts: share the cores between workers' encoder threads
    (local clusters only; a remote cluster's own settings rule there) and load the model now,
    once per worker, instead of in the first unit."""
    if threads is not None and not environment.get("MENTALIZE_THREADS"):
        environment.set_value("MENTALIZE_THREADS", str(threads))
    from mentalize.analysis.session import analyze_utterances

    analyze_utterances(["Warming up."], model=model)


def _plugin(model: ModelChoice, threads: int | None) -> Any:
    from distributed import WorkerPlugin

    class MentalizeWarmup(WorkerPlugin):  # defined here so distributed is imported lazily
        name = "mentalize-warmup"

        def setup(self, worker: Any) -> None:
            warm_worker(model, threads)

    return MentalizeWarmup()


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Start the cluster's processes with Ctrl-C ignored (they inherit it across ``spawn``), as
    the local engine's workers do: the command alone handles it, writes the tables for what is
    finished and closes the cluster, instead of every worker printing a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _ClosingExecutor(Executor):
    """``Client.get_executor()`` plus closing the client (and the cluster we started) on
    shutdown; it also accepts ``cancel_futures``, which Dask's own executor does not."""

    def __init__(self, client: Any, cluster: Any | None) -> None:
        self._client = client
        self._cluster = cluster
        self._inner = client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            if cancel_futures:
                self._client.cancel(list(self._inner._futures))
            self._inner.shutdown(wait=wait and not cancel_futures)
        finally:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()


class DaskEngine:
    """An executor factory for :func:`mentalize.batch.engine.run` backed by Dask.

    Exactly one of ``address`` (a running scheduler, e.g. ``tcp://host:8786``) and
    ``local_workers`` (start a ``LocalCluster`` of that many single-threaded worker processes)
    is given. :meth:`connect` reaches the scheduler (or starts the cluster) so a bad address
    fails before any output is written; calling the engine connects if that has not happened.
    """

    def __init__(self, address: str | None = None, local_workers: int | None = None) -> None:
        if (address is None) == (local_workers is None):
            raise ValueError("give exactly one of address and local_workers")
        if local_workers is not None and local_workers < 1:
            raise MentalizeError(f"--dask-local must be at least 1, not {local_workers}")
        _require()
        self.address = address
        self.local_workers = local_workers
        self._client: Any = None
        self._cluster: Any = None

    @property
    def workers(self) -> int:
        """How many units run at once: the local cluster's size, or once connected to a
        scheduler its workers' threads (the engine keeps ``2 ×`` this in flight)."""
        if self.local_workers is not None:
            return self.local_workers
        if self._client is not None:
            return max(1, sum(self._client.nthreads().values()))
        return usable_cores()

    def connect(self) -> None:
        """Reach the scheduler, or start the local cluster; a no-op when already connected."""
        if self._client is not None:
            return
        from distributed import Client, LocalCluster

        if self.local_workers is not None:
            import dask

            with (
                dask.config.set(LOCAL_CONFIG),
                _sigint_ignored(),
            ):
                self._cluster = LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,  # logging.ERROR: keep the progress bar readable
                )
            self._client = Client(self._cluster)
            return
        try:
            self._client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise MentalizeError(
                f"cannot reach the Dask scheduler at {self.address} ({type(exc).__name__}); "
                "expected a running scheduler's address such as tcp://host:8786"
            ) from None

    def close(self) -> None:
        """Close the client and the cluster we started (if any); safe to call twice."""
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def __call__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> Executor:
        """Register the warm-up plugin and return an executor that closes the connection on
        shutdown. ``initializer`` is the local engine's; the plugin does its job here."""
        self.connect()
        model: ModelChoice = initargs[0] if initargs else "auto"
        threads = max(1, usable_cores() // self.local_workers) if self.local_workers else None
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None  # the executor owns them now
        try:
            client.register_plugin(_plugin(model, threads))
        except BaseException:
            client.close()
            if cluster is not None:
                cluster.close()
            raise
        return _ClosingExecutor(client, cluster)
