"""Throughput and peak memory of ``mentalize batch`` on a generated corpus, 1 vs 2 workers.

Run: ``.venv/bin/python bench/batch_throughput.py [--turns 10000] [--per-session 100]
[--repeats 3]``.

The corpus is written to a temporary folder: sessions of ``--per-session`` turns built by
cycling the turns of the bundled example sessions (real session talk, so marker density is
realistic). Each run is ``mentalize batch DIR --out OUT --markers-only --format csv --quiet
--workers N`` as a subprocess; the lexical markers alone are read (``--markers-only``) so the
figure measures the batch machinery and the marker layer, not the encoder
(``bench/learned_throughput.py`` measures that).

Figures:

Each setting runs ``--repeats`` times (default 3) and the fastest run is reported (the machine
may be shared); peak memory is the largest over the repeats.

- turns/s end to end (wall clock of the whole command, interpreter and worker start included)
  and as the command's own summary line reports it (engine time: pool start to tables written);
- the 2-worker / 1-worker ratio (target >= 1.6x on a 2-core machine);
- peak memory: the largest sum of resident memory over the command's process tree, sampled
  every 20 ms from /proc (Linux only), so worker processes are counted.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import mentalize

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def build_corpus(turns: int, per_session: int, folder: Path) -> int:
    """Write ceil(turns / per_session) sessions; returns the number of turns written."""
    source = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="markers").turns
    source += mentalize.analyze(EXAMPLES / "misattuned_session.vtt", model="markers").turns
    folder.mkdir(parents=True, exist_ok=True)
    stream = cycle(source)
    written = 0
    number = 0
    while written < turns:
        count = min(per_session, turns - written)
        lines = [
            f"{'Therapist' if t.role == 'therapist' else 'Patient'}: {t.text}"
            for t in islice(stream, count)
        ]
        sub = folder / f"group{number // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"session{number:06d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += count
        number += 1
    return written


def _tree_rss_kib(root: int) -> int:
    """Resident memory (KiB) of ``root`` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/status") as handle:
                status = handle.read()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        found = re.search(r"VmRSS:\s+(\d+)", status)
        rss[pid] = int(found.group(1)) if found else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_batch(corpus: Path, out: Path, workers: int) -> tuple[float, float, int, str]:
    """Wall seconds, reported turns/s, peak tree RSS (KiB) and the summary line of one run."""
    command = [
        sys.executable,
        "-c",
        "from mentalize.cli import main; main()",
        "batch",
        str(corpus),
        "--out",
        str(out),
        "--markers-only",
        "--format",
        "csv",
        "--quiet",
        "--workers",
        str(workers),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}): {stderr.strip()}")
    line = stdout.strip().splitlines()[-1]
    found = re.search(r"([\d,]+) turns/s", line)
    reported = float(found.group(1).replace(",", "")) if found else 0.0
    return wall, reported, peak, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--per-session", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting; best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        turns = build_corpus(args.turns, args.per_session, corpus)
        sessions = -(-turns // args.per_session)
        print(f"corpus: {turns:,} turns in {sessions:,} sessions (markers model, CSV output)")
        results = {}
        for workers in args.workers:
            runs = []
            for attempt in range(args.repeats):
                out = Path(tmp) / f"out{workers}-{attempt}"
                runs.append(run_batch(corpus, out, workers))
            wall, reported, _, line = min(runs)  # best of the repeats: least disturbed
            peak = max(r[2] for r in runs)
            results[workers] = (wall, reported)
            print(
                f"workers={workers}: {turns / wall:,.0f} turns/s end to end ({wall:.1f} s), "
                f"{reported:,.0f} turns/s engine, peak RSS {peak / 1024:,.0f} MiB (process tree)"
            )
            print(f"  {line}")
        if 1 in results and 2 in results:
            wall_ratio = results[1][0] / results[2][0]
            engine_ratio = results[2][1] / results[1][1] if results[1][1] else 0.0
            print(f"2 vs 1 workers: {wall_ratio:.2f}x end to end, {engine_ratio:.2f}x engine")


if __name__ == "__main__":
    main()
