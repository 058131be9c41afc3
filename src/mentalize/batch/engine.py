"""Running a batch: units of work out to worker processes, part files back, tables at the end.

The engine interface, for other engines (the Dask one) to implement or reuse::

    run(units, options, executor_factory=None, progress=None) -> Summary

- ``units`` is an iterable of :class:`~mentalize.batch.inputs.Unit` (or ``(source, reason)``
  pairs for inputs that already failed), consumed lazily so a huge corpus is never listed in
  memory beyond its keys.
- ``executor_factory(workers, initializer, initargs)`` returns a
  :class:`concurrent.futures.Executor`; the default starts local processes (``spawn``). A Dask
  engine passes a factory returning ``distributed.Client(...).get_executor()`` (it must run
  ``initializer(*initargs)`` on each worker itself, or may skip it: :func:`process_unit` loads
  the model on first use anyway). Workers run :func:`process_units` on a few units at a time
  (as many as take about :data:`TASK_SECONDS`); :func:`process_unit` writes each unit's part
  files under ``options.out`` (so remote workers need the folder on a shared filesystem) and
  returns a small :class:`UnitResult`; nothing large crosses the process boundary.
- Results do not depend on the engine or the number of workers: each unit's parts are made by
  the same function, and :func:`finish` joins them in input order.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from mentalize import environment
from mentalize.batch.inputs import Unit
from mentalize.batch.state import Done, State
from mentalize.batch.writer import join_parts, write_errors, write_table
from mentalize.errors import InputError, MentalizeError
from mentalize.outputs.tables import SESSION_COLUMNS, TURN_COLUMNS, session_row, turn_row

ModelChoice = Literal["auto", "markers", "learned"]


@dataclass(frozen=True, slots=True)
class Options:
    """How to run: output folder and format, the model, whether to redo finished inputs, and how
    many worker processes (1 runs in this process)."""

    out: Path
    fmt: str = "csv"
    model: ModelChoice = "auto"
    force: bool = False
    workers: int = 1


@dataclass(frozen=True, slots=True)
class UnitResult:
    """What a worker reports for one unit: its turn count, or the one-line reason it failed."""

    key: str
    source: str
    turns: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class Summary:
    """Counts for the final line: units done now, skipped as unchanged, failed; turns written."""

    files: int = 0
    skipped: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    turns: int = 0
    turns_total: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds > 0 else 0.0


class Progress(Protocol):
    def advance(self, result: UnitResult | None, skipped: bool = False) -> None: ...


class ExecutorFactory(Protocol):
    def __call__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> Executor: ...


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_init(model: ModelChoice, workers: int) -> None:
    """Per worker process, once: leave Ctrl-C to the parent (which stops cleanly), share the
    cores between workers' encoder threads, and load the model now rather than per unit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if workers > 1 and not environment.get("MENTALIZE_THREADS"):
        environment.set_value("MENTALIZE_THREADS", str(max(1, usable_cores() // workers)))
    from mentalize.analysis.session import analyze_utterances

    analyze_utterances(["Warming up."], model=model)


def local_executor(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> Executor:
    """The default: ``workers`` local processes, started with ``spawn`` (no forked threads)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


#: A task sent to a worker holds as many units as take about this long (measured as the run
#: goes), so the per-task cost of the executor (pickling, process round trip, and on Dask the
#: scheduler) stays small next to the work even when units are tiny (short sessions, markers
#: only), while slow units still go one per task.
TASK_SECONDS = 0.25
#: Never more units than this in one task, so progress and Ctrl-C stay responsive.
MAX_UNITS_PER_TASK = 32


def process_units(units: list[Unit], options: Options) -> list[UnitResult]:
    """A worker task: :func:`process_unit` for each unit, in order."""
    return [process_unit(unit, options) for unit in units]


def process_unit(unit: Unit, options: Options) -> UnitResult:
    """Analyse one unit and write its parts, then its done record (in that order, each
    atomically). Errors in the input become a one-line reason; nothing of the text is shown."""
    started = time.perf_counter()
    result = _process_unit(unit, options)
    return dataclasses.replace(result, seconds=time.perf_counter() - started)


def _process_unit(unit: Unit, options: Options) -> UnitResult:
    state = State(options.out, options.fmt)
    try:
        if unit.texts is not None:
            from mentalize.analysis.session import analyze_utterances

            turns = analyze_utterances(unit.texts, role=unit.role, model=options.model)  # type: ignore[arg-type]
            ids = unit.ids or (None,) * len(turns)
            rows = [
                {**turn_row(t, unit.source, text_id), "turn": unit.offset + t.index}
                for t, text_id in zip(turns, ids, strict=True)
            ]
            session_rows: list[dict[str, Any]] = []
        elif unit.transcript is not None:
            from mentalize.analysis.session import analyze_transcript

            analysis = analyze_transcript(unit.transcript, model=options.model)
            rows = [turn_row(t, unit.source) for t in analysis.turns]
            session_rows = [session_row(analysis, unit.source, unit.sha256)]
        else:
            from mentalize.analysis.entrypoints import analyze

            analysis = analyze(Path(unit.source), model=options.model)
            rows = [turn_row(t, unit.source) for t in analysis.turns]
            session_rows = [session_row(analysis, unit.source, unit.sha256)]
    except InputError as exc:
        return UnitResult(unit.key, unit.source, error=exc.problem)
    except MentalizeError as exc:
        return UnitResult(unit.key, unit.source, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a bug; its message may quote the text, so name the type only
        return UnitResult(
            unit.key,
            unit.source,
            error=f"internal error ({type(exc).__name__}); rerun with MENTALIZE_DEBUG=1",
        )
    state.forget(unit.key)
    write_table(rows, TURN_COLUMNS, state.turns_part(unit.key), options.fmt)
    write_table(session_rows, SESSION_COLUMNS, state.sessions_part(unit.key), options.fmt)
    state.mark_done(unit.key, Done(unit.source, unit.sha256, options.fmt, len(rows)))
    return UnitResult(unit.key, unit.source, turns=len(rows))


def run(
    units: Iterable[Unit | tuple[str, str]],
    options: Options,
    executor_factory: ExecutorFactory | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Process every unit not already done (unless ``options.force``), then write the tables.

    At most ``2 × workers`` units are in flight, so memory does not grow with the corpus. On
    Ctrl-C the units in flight finish, the tables are written for everything done so far, and
    :class:`KeyboardInterrupt` is raised again; likewise when a worker process dies
    (:class:`concurrent.futures.BrokenExecutor`).
    """
    state = State(options.out, options.fmt)
    state.create()
    summary = Summary()
    order: list[str] = []
    rank: dict[str, int] = {}  # source -> input position, so errors.csv has a stable order
    started = time.perf_counter()

    def record(result: UnitResult) -> None:
        if result.error is not None:
            summary.errors.append((result.source, result.error))
        else:
            summary.files += 1
            summary.turns += result.turns
            summary.turns_total += result.turns
        if progress is not None:
            progress.advance(result)

    def pending_units() -> Iterable[Unit]:
        for item in units:
            rank.setdefault(item[0] if isinstance(item, tuple) else item.source, len(rank))
            if isinstance(item, tuple):
                record(UnitResult("", item[0], error=item[1]))
                continue
            order.append(item.key)
            done = None if options.force else state.is_current(item.key, item.sha256)
            if done is not None:
                summary.skipped += 1
                summary.turns_total += done.turns
                if progress is not None:
                    progress.advance(None, skipped=True)
                continue
            yield item

    try:
        if options.workers <= 1 and executor_factory is None:
            for unit in pending_units():
                record(process_unit(unit, options))
        else:
            factory = executor_factory or local_executor
            executor = factory(options.workers, worker_init, (options.model, options.workers))
            window = max(2, 2 * options.workers)
            in_flight: set[Future[list[UnitResult]]] = set()
            sizer = _TaskSizer()

            def collect() -> None:
                nonlocal in_flight
                finished, in_flight = _wait(in_flight)
                for future in finished:
                    results = future.result()
                    sizer.observe(results)
                    for result in results:
                        record(result)

            try:
                chunk: list[Unit] = []
                for unit in pending_units():
                    chunk.append(unit)
                    if len(chunk) < sizer.size:
                        continue
                    while len(in_flight) >= window:
                        collect()
                    in_flight.add(executor.submit(process_units, chunk, options))
                    chunk = []
                if chunk:
                    in_flight.add(executor.submit(process_units, chunk, options))
                while in_flight:
                    collect()
            finally:
                executor.shutdown(wait=True, cancel_futures=True)
    except (KeyboardInterrupt, BrokenExecutor):
        # Ctrl-C, or a worker died (killed, out of memory): keep what finished readable.
        summary.interrupted = True
        summary.seconds = time.perf_counter() - started
        summary.errors.sort(key=lambda e: rank.get(e[0], len(rank)))
        finish(state, order, summary)
        raise
    summary.seconds = time.perf_counter() - started
    summary.errors.sort(key=lambda e: rank.get(e[0], len(rank)))
    finish(state, order, summary)
    return summary


class _TaskSizer:
    """How many units the next task holds: one until the first results come back (so the first
    progress and any error show at once), then as many as take about :data:`TASK_SECONDS` at
    the mean time per unit seen so far."""

    def __init__(self) -> None:
        self.size = 1
        self._units = 0
        self._seconds = 0.0

    def observe(self, results: list[UnitResult]) -> None:
        self._units += len(results)
        self._seconds += sum(r.seconds for r in results)
        if self._units and self._seconds > 0:
            per_unit = self._seconds / self._units
            self.size = max(1, min(MAX_UNITS_PER_TASK, round(TASK_SECONDS / per_unit)))


_Tasks = set[Future[list[UnitResult]]]


def _wait(in_flight: _Tasks) -> tuple[_Tasks, _Tasks]:
    done, rest = wait(in_flight, return_when=FIRST_COMPLETED)
    return set(done), set(rest)


def finish(state: State, order: list[str], summary: Summary) -> None:
    """Write ``turns``, ``sessions`` (joined from the parts of this run's inputs, in input
    order, skipping any not finished) and ``errors.csv``."""
    out = state.root.parent
    fmt = state.fmt
    finished = [k for k in dict.fromkeys(order) if state.lookup(k) is not None]
    join_parts((state.turns_part(k) for k in finished), TURN_COLUMNS, out / f"turns.{fmt}", fmt)
    join_parts(
        (state.sessions_part(k) for k in finished),
        SESSION_COLUMNS,
        out / f"sessions.{fmt}",
        fmt,
    )
    write_errors(summary.errors, out / "errors.csv")
