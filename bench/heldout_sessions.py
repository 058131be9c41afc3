"""Score the analyser on labelled sessions (default: tests/data/heldout).

Run: ``.venv/bin/python bench/heldout_sessions.py [FOLDER] [--model auto|markers|learned]``.
Prints the model that ran, one row per session and the totals: episode recall and precision,
agreement on the therapist's response, rupture recall, and calibration/stance by condition with
the share of attuned-misattuned pairs ordered correctly. ``auto`` (the default, as for users)
uses the learned layer where the ``models`` extra is installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mentalize.errors import MentalizeError
from mentalize.research.heldout import evaluate_folder

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "heldout"


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--model", choices=("auto", "markers", "learned"), default="auto")
    args = parser.parse_args()
    try:
        result = evaluate_folder(args.folder, model=args.model)
    except MentalizeError as exc:
        print(f"heldout_sessions: {exc}", file=sys.stderr)
        return 2
    print(f"{args.folder.name}, --model {args.model}: {result.model}")
    print(
        f"{'session':<22}{'cond':<12}{'lab':>4}{'hit':>4}{'found':>6}{'true':>5}"
        f"{'resp':>6}{'calib':>7}{'stance':>7}"
    )
    for s in result.sessions:
        print(
            f"{s.name:<22}{s.condition:<12}{s.labelled_episodes:>4}{s.labelled_hit:>4}"
            f"{s.found_episodes:>6}{s.found_true:>5}{s.responses_agreed:>3}/{s.responses_compared:<2}"
            f"{fmt(s.calibration):>7}{fmt(s.stance):>7}"
        )
    print(
        f"episode recall {fmt(result.episode_recall)}, precision {fmt(result.episode_precision)}, "
        f"therapist-response agreement {fmt(result.response_agreement)}, "
        f"rupture recall {fmt(result.rupture_recall)}"
    )
    for attribute in ("calibration", "stance"):
        print(
            f"{attribute}: attuned mean {fmt(result.condition_mean('attuned', attribute))}, "
            f"misattuned mean {fmt(result.condition_mean('misattuned', attribute))}, "
            f"pairs ordered {fmt(result.pairwise_order(attribute))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
