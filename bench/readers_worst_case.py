"""How long the readers take on hostile inputs at the size limits.

Each input repeats one piece of syntax up to a size (default: the clinic's 5 MiB upload limit;
``--mib 20`` for the readers' own 20 MiB limit): the shapes that were quadratic before issue 7's
fixes (runs of spaces before a label, unclosed ``<v`` voice tags, one cue of many lines) and the
most turns per byte (``T: a`` lines). Every one must be linear: the time per MiB stays flat as
the size grows. Prints one line per input: size, seconds, MiB/s, and how the read ended.

    .venv/bin/python bench/readers_worst_case.py [--mib 5]
"""

from __future__ import annotations

import argparse
import time

from mentalize.errors import InputError
from mentalize.transcript.readers import parse_transcript

VTT_CUE = "WEBVTT\n\n00:00.000 --> 00:01.000\n"
SHAPES: dict[str, tuple[str, str]] = {
    "spaces before the words": ("T: a\n", " "),
    "tabs before the words": ("T: a\n", "\t"),
    "unclosed <v voice tags": (VTT_CUE, "<v a"),
    "<v then spaces": (VTT_CUE + "<v", " "),
    "one cue, many lines": (VTT_CUE + "T: a\n", "word word\n"),
    "one-word turns (text)": ("", "T: a\n"),
    "one-word turns (csv)": ("speaker,text\n", "T,a\n"),
    "one-word turns (jsonl)": ("", '{"speaker":"T","text":"a"}\n'),
    "one-word cues (vtt)": ("WEBVTT\n\n", "00:00.000 --> 00:01.000\n<v T>a\n\n"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=5.0, help="input size in MiB (default 5)")
    size = int(parser.parse_args().mib * 1024 * 1024) - 16
    for name, (head, piece) in SHAPES.items():
        text = head + piece * ((size - len(head)) // len(piece))
        started = time.perf_counter()
        try:
            turns = len(parse_transcript(text, source="bench").turns)
            outcome = f"{turns} turns"
        except InputError:
            outcome = "refused (InputError)"
        seconds = time.perf_counter() - started
        mib = len(text) / 1024 / 1024
        print(f"{name:28s} {mib:6.1f} MiB {seconds:7.2f} s {mib / seconds:7.1f} MiB/s  {outcome}")


if __name__ == "__main__":
    main()
