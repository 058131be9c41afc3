"""Overhead of the Dask engine (``--dask-local N``) against local processes (``--workers N``).

Run: ``.venv/bin/python bench/batch_dask.py [--turns 10000] [--per-session 100] [--workers 2]
[--repeats 3] [--learned]``. Needs the ``dask`` extra.

Same generated corpus as ``bench/batch_throughput.py`` (sessions cycled from the bundled
examples). Each run is ``mentalize batch DIR --out OUT --format csv --quiet`` as a subprocess,
into a fresh output folder, alternating the engines ``--repeats`` times; the median is reported,
and the best runs' ratio too (less sensitive to other load on a shared machine).
``--markers-only`` unless ``--learned`` (then ``auto``: the encoder when installed).

Figures, per engine: wall seconds of the whole command (interpreter, pool or cluster start,
model load, analysis, tables) and the engine's own turns/s from the summary line (from the first
unit submitted to the tables written; a LocalCluster's start is outside it, the plugin's model
load inside). Overhead = Dask time / local time - 1 (target <= 15%).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_throughput import build_corpus


def run_batch(corpus: Path, out: Path, engine: list[str], learned: bool) -> tuple[float, float]:
    """Wall seconds and the reported engine turns/s of one run."""
    command = [
        sys.executable,
        "-c",
        "from mentalize.cli import main; main()",
        "batch",
        str(corpus),
        "--out",
        str(out),
        "--format",
        "csv",
        "--quiet",
        *engine,
        *([] if learned else ["--markers-only"]),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"batch {' '.join(engine)} failed ({done.returncode}): {done.stderr.strip()[-500:]}"
        )
    line = done.stdout.strip().splitlines()[-1]
    found = re.search(r"([\d,]+) turns/s", line)
    return wall, float(found.group(1).replace(",", "")) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--per-session", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--learned", action="store_true", help="use the encoder (model auto)")
    args = parser.parse_args()
    engines = {
        "local": ["--workers", str(args.workers)],
        "dask": ["--dask-local", str(args.workers)],
    }
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        turns = build_corpus(args.turns, args.per_session, corpus)
        model = "auto" if args.learned else "markers"
        print(
            f"corpus: {turns:,} turns, {args.per_session} per session, {model} model, "
            f"{args.workers} workers, {args.repeats} repeats (median)"
        )
        walls: dict[str, list[float]] = {name: [] for name in engines}
        rates: dict[str, list[float]] = {name: [] for name in engines}
        for repeat in range(args.repeats):
            for name, engine in engines.items():
                wall, rate = run_batch(corpus, Path(tmp) / f"{name}{repeat}", engine, args.learned)
                walls[name].append(wall)
                rates[name].append(rate)
        for name in engines:
            wall, rate = statistics.median(walls[name]), statistics.median(rates[name])
            print(
                f"{name:5}: {wall:6.2f} s wall ({turns / wall:,.0f} turns/s end to end), "
                f"{rate:,.0f} turns/s engine; runs: " + ", ".join(f"{w:.2f}" for w in walls[name])
            )
        wall_over = statistics.median(walls["dask"]) / statistics.median(walls["local"]) - 1
        local_rate, dask_rate = statistics.median(rates["local"]), statistics.median(rates["dask"])
        engine_over = local_rate / dask_rate - 1 if dask_rate else float("nan")
        print(f"Dask overhead: {wall_over:+.1%} wall, {engine_over:+.1%} engine (target <= 15%)")
        best = min(walls["dask"]) / min(walls["local"]) - 1
        best_engine = max(rates["local"]) / max(rates["dask"]) - 1 if max(rates["dask"]) else 0.0
        print(
            f"best runs (least disturbed on a shared machine): {best:+.1%} wall, "
            f"{best_engine:+.1%} engine"
        )


if __name__ == "__main__":
    main()
