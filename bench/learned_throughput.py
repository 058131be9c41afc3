"""Throughput, load time and peak memory of ``analyze`` with the learned layer.

Run: ``.venv/bin/python bench/learned_throughput.py [--turns 10000] [--encoder exact|fast]``
(needs mentalize[models]; ``fast`` also needs mentalize[fast], and derives its model on the first
run, so run it twice and read the second: the load figure should be the cached load).

The transcript is 10,000 distinct turns, each one to three sentences drawn (seeded) from the
bundled example sessions, so no two turns are the same text and no cache can help. Reported, all
in this one process:

- model load (encoder and heads) in seconds;
- the raw encoder alone on the same texts, sentences/s (the baseline);
- ``analyze`` end to end with the learned layer, turns/s, and its ratio to the raw encoder;
- ``analyze`` with markers only, turns/s;
- peak resident memory of the process (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import tempfile
from pathlib import Path

from throughput import timed  # the same timer as the marker benchmark (bench/ is on sys.path)

import mentalize

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def build_transcript(turns: int, folder: Path, seed: int = 7) -> Path:
    source = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="markers").turns
    source += mentalize.analyze(EXAMPLES / "misattuned_session.vtt", model="markers").turns
    pool = {"therapist": [], "patient": []}
    for t in source:
        pool["therapist" if t.role == "therapist" else "patient"] += _SENTENCE.split(t.text)
    rng = random.Random(seed)
    seen: set[str] = set()
    lines = []
    while len(lines) < turns:
        role = "therapist" if len(lines) % 2 == 0 else "patient"
        text = " ".join(rng.sample(pool[role], rng.randint(1, 3)))
        if text in seen:
            continue
        seen.add(text)
        lines.append(f"{'Therapist' if role == 'therapist' else 'Patient'}: {text}")
    path = folder / f"distinct_{turns}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--encoder", choices=("exact", "fast"), default="exact")
    args = parser.parse_args()
    os.environ["MENTALIZE_ENCODER"] = args.encoder
    from mentalize.learned.layer import learned_available, learned_layer

    if not learned_available():
        print("the learned layer needs mentalize[models]; nothing to measure")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        path = build_transcript(args.turns, Path(tmp))
        texts = [line.split(": ", 1)[1] for line in path.read_text().splitlines()]
        layer, load_s = timed(learned_layer)
        # One small call first, so neither timed run pays onnxruntime's first-run allocations.
        layer.encoder.encode([f"warm-up sentence {i}." for i in range(64)])
        _, encoder_s = timed(lambda: layer.encoder.encode(texts))
        analysis, learned_s = timed(lambda: mentalize.analyze(path, model="learned"))
        _, markers_s = timed(lambda: mentalize.analyze(path, model="markers"))
    n = len(analysis.turns)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"turns: {n} distinct (sentences drawn from the example sessions)")
    print(f"encoder: {args.encoder} ({layer.encoder.model_id})")
    print(f"model load (encoder + heads): {load_s:.2f} s")
    print(f"raw encoder:                 {n / encoder_s:8.0f} sentences/s ({encoder_s:.1f} s)")
    print(f"analyze with learned layer:  {n / learned_s:8.0f} turns/s ({learned_s:.1f} s)")
    print(f"  ratio to raw encoder:      {encoder_s / learned_s:.2f}")
    print(f"analyze with markers only:   {n / markers_s:8.0f} turns/s ({markers_s:.1f} s)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
