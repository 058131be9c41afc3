"""Coverage-guided fuzzing of the transcript readers with atheris (libFuzzer for Python).

The target (``reader_target.py``) decodes and parses each input and checks the readers' promises:
a well-formed transcript or the project's one-line InputError. Any other exception, or an input
slower than ``-timeout``, is a crash; libFuzzer writes it to a ``crash-*``/``timeout-*`` file,
which ``fuzz/replay.py FILE`` reproduces without atheris.

    .venv/bin/python fuzz/fuzz_readers.py -max_total_time=60 -timeout=10 \\
        SCRATCH_DIR fuzz/corpus/readers    # new finds go to SCRATCH_DIR; the seeds stay

``fuzz/run.sh SECONDS`` does that with a throw-away working corpus (the CI's bounded run).
"""

from __future__ import annotations

import sys

import atheris

# Only the package is instrumented: coverage feedback then steers towards the readers' branches.
with atheris.instrument_imports(include=["mentalize"]):
    from reader_target import test_one_input


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
