"""Replay saved fuzz inputs (files, or folders of them) through the target, without atheris.

    .venv/bin/python fuzz/replay.py fuzz/corpus/readers [MORE ...]

Reproduces a crash file from ``fuzz/findings/`` with its traceback, and gives coverage.py a run
to measure (see docs/reliability.md): exit status 1 at the first input that breaks a promise.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from reader_target import test_one_input


def inputs(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found.extend(sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path])
    return found


def main(argv: list[str]) -> int:
    files = inputs(argv)
    for path in files:
        try:
            test_one_input(path.read_bytes())
        except Exception:
            traceback.print_exc()
            print(f"replay: {path} breaks the readers' promises", file=sys.stderr)
            return 1
    print(f"replay: {len(files)} inputs read or refused cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
