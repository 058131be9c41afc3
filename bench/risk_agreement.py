"""Agreement between the probe authors' labels and an independent second annotation pass.

Run: ``.venv/bin/python bench/risk_agreement.py [FOLDER]`` (default: the ``heldout`` probes,
J1-J5, whose second pass is in ``heldout/second_pass``; G1-G5's is in ``dev8/second_pass``):
annotators who saw only ``second_pass/CODEBOOK.md`` and each item's context and text, never the
authors' labels, the analyser or each other. Prints percent agreement and Cohen's kappa for the
risk kind and per label, agreement on the rung and time where both passes found risk, and the
ids that disagree on risk against none. Adjudication rule (docs/validation.md): the authors'
label is the reference; figures are also given on the items both passes agree on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from mentalize.errors import MentalizeError
from mentalize.research.risk_probes import load_probes

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "risk_probes" / "heldout"
RISKS = ("ideation", "self_harm", "harm_to_others", "none")


def kappa(first: Sequence[object], second: Sequence[object]) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa)."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    counts_a, counts_b = Counter(first), Counter(second)
    chance = sum(counts_a[k] * counts_b[k] for k in set(first) | set(second)) / (n * n)
    return observed, (observed - chance) / (1 - chance) if chance < 1 else 1.0


def second_pass(folder: Path) -> dict[str, dict[str, object]]:
    labels: dict[str, dict[str, object]] = {}
    for path in sorted((folder / "second_pass").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                row = json.loads(line)
                labels[str(row["id"])] = row
            except (ValueError, KeyError, TypeError):
                raise MentalizeError(f"{path}:{number}: not a label line") from None
    return labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    try:
        probes = load_probes(args.folder)
        second = second_pass(args.folder)
    except MentalizeError as exc:
        print(f"risk_agreement: {exc}", file=sys.stderr)
        return 2
    missing = [p.id for p in probes if p.id not in second]
    if missing:
        print(f"risk_agreement: no second-pass label for {', '.join(missing[:5])}", file=sys.stderr)
        return 2
    first = [p.risk for p in probes]
    other = [str(second[p.id]["risk"]) for p in probes]
    print(f"{args.folder}: {len(probes)} items, two passes each")
    print("risk kind: agreement {:.3f}, kappa {:.3f}".format(*kappa(first, other)))
    for label in RISKS:
        a = [x == label for x in first]
        b = [x == label for x in other]
        agreement, k = kappa(a, b)
        print(f"  {label:<15} agreement {agreement:.3f}, kappa {k:.3f} ({sum(a)} / {sum(b)})")
    both = [p for p in probes if p.risk != "none" and second[p.id]["risk"] != "none"]
    if both:
        rung = sum(p.severity == second[p.id]["severity"] for p in both) / len(both)
        time = sum(p.temporal == second[p.id]["temporal"] for p in both) / len(both)
        print(f"both found risk ({len(both)}): rung agrees {rung:.3f}, time agrees {time:.3f}")
    split = [p.id for p in probes if (p.risk == "none") != (second[p.id]["risk"] == "none")]
    print("risk against none, disagreeing:", " ".join(split) or "-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
