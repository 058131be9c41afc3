"""Throughput and peak memory of ``mentalize.analyze`` on a long (10,000-turn) transcript.

Run: ``make bench`` or ``.venv/bin/python bench/throughput.py [--turns 10000]``.

The transcript is built by cycling the turns of the bundled example sessions, so the text has
the length and marker density of real session talk. Figures reported, all from this process:

- parse only (read + role assignment): the I/O baseline;
- lexical layer only (``read_markers`` over every turn): the target is > 2,000 turns/s on one core;
- ``analyze`` end to end with markers only (parse, markers, estimates, session analysis; the
  learned layer is measured by ``bench/learned_throughput.py``);
- the ratio of end-to-end to lexical-only throughput (the session layer's overhead);
- peak resident memory of the process (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import mentalize
from mentalize.language import read_markers
from mentalize.transcript.readers import read_transcript
from mentalize.transcript.roles import assign_roles

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def build_transcript(turns: int, folder: Path) -> Path:
    source = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="markers").turns
    source += mentalize.analyze(EXAMPLES / "misattuned_session.vtt", model="markers").turns
    lines = [
        f"{'Therapist' if t.role == 'therapist' else 'Patient'}: {t.text}"
        for t in islice(cycle(source), turns)
    ]
    path = folder / f"long_{turns}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = build_transcript(args.turns, Path(tmp))
        transcript, parse_s = timed(lambda: assign_roles(read_transcript(path)))
        texts = [t.text for t in transcript.turns]
        _, lexical_s = timed(lambda: [read_markers(t) for t in texts])
        analysis, total_s = timed(lambda: mentalize.analyze(path, model="markers"))
    n = len(analysis.turns)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"turns: {n}  (file built from the example sessions)")
    print(f"parse only:        {n / parse_s:10.0f} turns/s  ({parse_s:.2f} s)")
    print(f"lexical layer:     {n / lexical_s:10.0f} turns/s  ({lexical_s:.2f} s)")
    print(f"analyze, end to end:{n / total_s:9.0f} turns/s  ({total_s:.2f} s)")
    print(f"end-to-end / lexical throughput: {lexical_s / total_s:.2f}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print(
        f"episodes found: {len(analysis.episodes)}; risk flags: {len(analysis.session.risk_flags)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
