"""Score the risk reader on the blind-authored probe set (default: tests/data/risk_probes/dev).

Run: ``.venv/bin/python bench/risk_probes.py [FOLDER] [--model auto|markers|learned]``.
Prints recall on asserted current risk and on all labelled risk, the false-alarm rate on probes
labelled not-risk, agreement on the kind and rung of found risk, and a row per kind of probe.
``auto`` (the default, as users get) adds the learned risk reader where the models extra is
installed. Folders: ``dev`` (A1-A3) was read while writing the rules; ``dev2``-``dev8`` (A4-A6,
B1-B5, C1-C5, D1-D5, E1-E5, F1-F5, G1-G5) were each run once blind and then studied; ``train``
(T1-T6, U1-U3, V1-V3, W1-W3, H1-H3) trained the risk reader; ``heldout`` (J1-J5) is run once when
the reader is final (docs/validation.md says when).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mentalize.errors import MentalizeError
from mentalize.research.risk_probes import load_probes, score_probes

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "risk_probes" / "dev"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--list", action="store_true", help="print the ids missed and alarmed")
    parser.add_argument("--model", choices=("auto", "markers", "learned"), default="auto")
    args = parser.parse_args()
    try:
        score = score_probes(load_probes(args.folder), args.model)
    except MentalizeError as exc:
        print(f"risk_probes: {exc}", file=sys.stderr)
        return 2
    found = score.any_found
    print(f"{args.folder}: {sum(score.total.values())} probes, --model {args.model}")
    print(
        f"recall, asserted current risk: {score.recall_current:.3f} "
        f"({score.current_found}/{score.current_risk})"
    )
    print(f"recall, all labelled risk: {score.recall_any:.3f} ({found}/{score.any_risk})")
    print(
        f"false alarms on not-risk probes: {score.false_alarm_rate:.3f} "
        f"({score.false_alarms}/{score.not_risk})"
    )
    if found:
        print(
            f"of the risk found: kind agrees {score.kind_agreed}/{found}, "
            f"rung agrees {score.severity_agreed}/{score.kind_agreed}"
        )
    print(f"{'kind':<24}{'probes':>7}{'flagged':>8}{'labelled risk':>14}")
    for kind in sorted(score.total):
        print(f"{kind:<24}{score.total[kind]:>7}{score.flagged[kind]:>8}{score.expected[kind]:>14}")
    if args.list:
        print("missed:", " ".join(score.missed) or "-")
        print("false alarms:", " ".join(score.alarmed) or "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
