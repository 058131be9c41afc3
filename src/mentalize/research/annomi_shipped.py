"""AnnoMI's four therapist behaviours against the shipped analyser's interventions.

The ``annomi`` rows cross-validate the older combination (rules plus the AnnoMI behaviour head).
The analyser now takes its intervention from the MBT reader, whose heads were trained on the
corpus's AnnoMI *train* transcripts, so it cannot be cross-validated the same way. Here it is
scored the way a user meets it: whole AnnoMI transcripts of one corpus split, analysed as
sessions, each therapist utterance's intervention mapped to AnnoMI's four behaviours
(:func:`behaviour_by_form`) and compared with the first annotator's ``main_therapist_behaviour``.
The dev split chose the reader's heads, so its figure is a development figure; the test split
is run once, when the reader is final (``python -m mentalize.research.annomi_shipped test``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mentalize.analysis.session import ModelChoice, analyze_transcript
from mentalize.research import datasets as ds
from mentalize.research.corpus.units import annomi_sessions, first_copy, fixed_splits
from mentalize.research.marker_evaluations import evaluation
from mentalize.research.rows import ValidationRow, print_rows, project_row

BEHAVIOURS = ("question", "reflection", "therapist_input", "other")
MBT_TO_ANNOMI = {
    "curious_question": "question",
    "clarification": "question",
    "empathic_validation": "reflection",
    "interpretation": "reflection",
    "advice": "therapist_input",
    "other": "other",
    "relationship": "other",
    "challenge": "other",
}
"""How an MBT intervention is scored against AnnoMI's four behaviours: an MI complex reflection
often reads as an interpretation, and AnnoMI has no relationship or challenge label (the same
map the behaviour head's training uses)."""
_row = project_row("annomi")


def behaviour_by_form(intervention: str | None, text: str) -> str:
    """AnnoMI's behaviour for an MBT intervention, reading a clarification by its form.

    MBT's clarification (establishing what happened) is done by asking *and* by restating, and
    MI splits exactly those two: a question asks, a reflection restates. The corpus's own codes
    show it: on the AnnoMI **train** transcripts, turns the coders called clarification were MI
    questions 236 times and reflections 67 times when they held a question mark, and reflections
    180 times against 23 questions when they did not (docs/validation.md). So a clarification
    with a question mark is scored as a question and one without as a reflection; every other
    intervention keeps :data:`MBT_TO_ANNOMI`.
    """
    if intervention == "clarification":
        return "question" if "?" in text else "reflection"
    return MBT_TO_ANNOMI.get(intervention or "other", "other")


@dataclass(frozen=True)
class BehaviourScores:
    n: int
    macro_f1: float
    question_f1: float
    input_f1: float


def _scores(truth: list[str], predicted: list[str]) -> BehaviourScores:
    from sklearn.metrics import f1_score

    scores = (
        f1_score(truth, predicted, labels=list(BEHAVIOURS), average=None, zero_division=0)
        if truth
        else [0.0] * len(BEHAVIOURS)  # a split with no AnnoMI transcript (synthetic data)
    )
    per_class = dict(zip(BEHAVIOURS, map(float, scores), strict=True))
    return BehaviourScores(
        n=len(truth),
        macro_f1=sum(per_class.values()) / len(BEHAVIOURS),
        question_f1=per_class["question"],
        input_f1=per_class["therapist_input"],
    )


@dataclass(frozen=True)
class SplitScores:
    by_form: BehaviourScores
    """Clarification scored by its form (:func:`behaviour_by_form`): the figure quoted."""
    plain: BehaviourScores
    """Every clarification scored as a question (:data:`MBT_TO_ANNOMI`), as before 2026-12-07."""


def score_split(root: Path, split: str, model: ModelChoice) -> SplitScores:
    """Every therapist utterance of ``split``'s AnnoMI transcripts, read in its whole session."""
    splits = fixed_splits()
    behaviour = {
        f"annomi:{r.transcript_id}:{r.utterance_id}": r.main_therapist_behaviour
        for r in first_copy(ds.load_annomi(root))
        if r.interlocutor == "therapist"
    }
    truth: list[str] = []
    by_form: list[str] = []
    plain: list[str] = []
    for session in annomi_sessions(str(root)):
        if splits.get(f"annomi:{session.transcript_id}") != split:
            continue
        analysis = analyze_transcript(session.transcript, model=model)
        for turn, unit in zip(analysis.turns, session.unit_ids, strict=True):
            label = behaviour.get(unit)
            if turn.role != "therapist" or label not in BEHAVIOURS:
                continue
            truth.append(str(label))
            by_form.append(behaviour_by_form(turn.intervention, turn.text))
            plain.append(MBT_TO_ANNOMI.get(turn.intervention or "other", "other"))
    return SplitScores(by_form=_scores(truth, by_form), plain=_scores(truth, plain))


def rows_for(root: Path, split: str, note: str) -> list[ValidationRow]:
    ours_both, markers_both = score_split(root, split, "auto"), score_split(root, split, "markers")
    ours, markers, plain = ours_both.by_form, markers_both.by_form, ours_both.plain
    construct = f"therapist behaviour, 4 classes, shipped analyser on whole {split} transcripts"
    rows: list[ValidationRow] = []
    for metric, attribute, target in (
        ("macro-F1", "macro_f1", 0.75),
        ("question F1", "question_f1", 0.90),
        ("input F1", "input_f1", 0.65),
    ):
        rows.append(_row(construct, metric, getattr(ours, attribute), ours.n, "ours", note))
        rows.append(
            _row(
                construct,
                metric,
                getattr(markers, attribute),
                markers.n,
                "baseline",
                "markers alone",
            )
        )
        rows.append(
            _row(
                construct,
                metric,
                getattr(plain, attribute),
                plain.n,
                "baseline",
                "the same reading, every clarification scored as a question (the map before "
                "2026-12-07)",
            )
        )
        rows.append(
            _row(construct, metric, target, ours.n, "target", anchor=f"target ≥ {target:.2f}")
        )
    return rows


@evaluation(
    "annomi_shipped",
    datasets=("annomi",),
    title="AnnoMI behaviours from the shipped analyser (dev transcripts)",
)
def evaluate_annomi_shipped(root: Path) -> list[ValidationRow]:
    """The shipped analyser's interventions on AnnoMI's dev transcripts, as four behaviours."""
    return rows_for(root, "dev", "dev transcripts, development figure (the reader chose on them)")


if __name__ == "__main__":
    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    data = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("../shared/datasets")
    print_rows(rows_for(data, split, f"{split} split"))
