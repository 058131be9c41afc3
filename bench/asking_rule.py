"""Re-derive the "a question move must ask" rule of ``interventions.moves`` on train-ok data.

Run: ``.venv/bin/python bench/asking_rule.py [--data ../shared/datasets]`` (needs the research
extra). The rule was first adopted after looking at precision on EPITOME, which is eval-only;
this checks it on the corpus's train split instead (AnnoMI and the project's written sessions,
docs/datasheet.md). Turn-level proxy: does a turn coded ``curious_question`` (or
``clarification``) have that move among its ``moves``, with and without the rule? Precision,
recall and F1 for both.
"""

from __future__ import annotations

import argparse

from mentalize.analysis.interventions import classify, moves
from mentalize.language import read_markers
from mentalize.research.datasets import dataset_root
from mentalize.research.training.reader_data import coded_turns


def main() -> int:
    from sklearn.metrics import f1_score, precision_score, recall_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    turns = [
        t
        for t in coded_turns(str(dataset_root(args.data)))
        if t.unit.role == "therapist" and t.split == "train"
    ]
    markers = [read_markers(t.unit.text) for t in turns]
    for target in ("curious_question", "clarification"):
        truth = [t.labels["intervention"] == target for t in turns]
        for rule in (False, True):
            found = [target in moves(m, classify(m), require_asking=rule) for m in markers]
            print(
                f"{target:<17} {'with' if rule else 'without'} the rule: n {len(truth)}, "
                f"F1 {f1_score(truth, found):.3f}, precision {precision_score(truth, found):.3f}, "
                f"recall {recall_score(truth, found):.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
