"""The evaluations behind ``mentalize evaluate``, in an ordered registry.

Each evaluation is a function ``(root: Path) -> list[ValidationRow]`` registered with
:func:`evaluation`; ``root`` is the datasets folder. It reads its dataset with a loader from
:mod:`mentalize.research.datasets` (which raises :class:`DatasetMissing` when the data is not
there: the evaluation is then skipped), gets the analyser's reading of all the texts in **one**
call to :func:`mentalize.analyze_utterances`, and returns, for each figure, our row, a trivial
baseline computed on the same items (``kind="baseline"``) and, where there is one, the target
(``kind="target"``).

The evaluations here use ``eval-only`` datasets: pure test sets. Nothing in them may set a
shipped threshold, weight or lexicon, so no figure here was tuned for. Evaluations on
``train-ok`` data (cross-validation of learned heads) register from their own module with the
same decorator; list that module in :data:`EVALUATION_MODULES` so the command imports it.

Metrics come from scikit-learn and scipy (the ``research`` extra), imported only when an
evaluation runs: ``import mentalize`` never imports them.
"""

from __future__ import annotations

import importlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mentalize.errors import MissingExtra
from mentalize.research import datasets as ds
from mentalize.research.rows import PROJECT_TARGET, ValidationRow

if TYPE_CHECKING:
    from mentalize.analysis.results import TurnAnalysis

EvaluationFunction = Callable[[Path], list[ValidationRow]]


class ResearchExtraMissing(MissingExtra):
    """scikit-learn or scipy is not installed."""

    def __init__(self) -> None:
        super().__init__("research", "evaluations", missing="scikit-learn or scipy")


def require_research() -> None:
    """Raise :class:`ResearchExtraMissing` unless scikit-learn and scipy import."""
    try:
        importlib.import_module("sklearn.metrics")
        importlib.import_module("scipy.stats")
    except ImportError:
        raise ResearchExtraMissing() from None


# --- registry --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluation:
    name: str
    datasets: tuple[str, ...]
    function: EvaluationFunction
    title: str


EVALUATIONS: dict[str, Evaluation] = {}
"""Every registered evaluation, in the order it runs and is reported."""

EVALUATION_MODULES: tuple[str, ...] = (
    "mentalize.research.learned_evaluations",
    "mentalize.research.corpus_evaluations",
    "mentalize.research.session_quality",
    "mentalize.research.written_session_evaluations",
    "mentalize.research.annomi_shipped",
)
"""Modules that register further evaluations when imported (e.g. train-ok cross-validation)."""


def evaluation(
    name: str, *, datasets: Iterable[str] | None = None, title: str = ""
) -> Callable[[EvaluationFunction], EvaluationFunction]:
    """Register ``function(root) -> list[ValidationRow]`` under ``name`` (unique), after those
    already registered. ``datasets`` are the dataset keys it reads (default ``(name,)``)."""

    def register(function: EvaluationFunction) -> EvaluationFunction:
        if name in EVALUATIONS:
            raise ValueError(f"evaluation {name!r} is already registered")
        doc = (function.__doc__ or "").strip().splitlines()
        EVALUATIONS[name] = Evaluation(
            name=name,
            datasets=tuple(datasets) if datasets is not None else (name,),
            function=function,
            title=title or (doc[0] if doc else name),
        )
        return function

    return register


def load_registered() -> dict[str, Evaluation]:
    """Import :data:`EVALUATION_MODULES` (registering their evaluations) and return the registry."""
    for module in EVALUATION_MODULES:
        importlib.import_module(module)
    return EVALUATIONS


@dataclass(slots=True)
class EvaluationRun:
    rows: list[ValidationRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """One line per skipped evaluation: ``skipped <dataset>: <path> not found``."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each evaluation that ran."""
    datasets: list[str] = field(default_factory=list)
    """Keys of the datasets read by the evaluations that ran, in order."""


def run_evaluations(
    root: Path,
    names: Sequence[str] | None = None,
    on_start: Callable[[Evaluation], None] | None = None,
) -> EvaluationRun:
    """Run the registered evaluations (or those named) on the datasets under ``root``.

    A missing dataset skips its evaluation with one line; a malformed file raises
    :class:`~mentalize.research.datasets.DatasetError`.
    """
    require_research()
    registry = load_registered()
    unknown = [n for n in names or () if n not in registry]
    if unknown:
        raise KeyError(f"unknown evaluation(s): {', '.join(unknown)}")
    run = EvaluationRun()
    for name, item in registry.items():
        if names is not None and name not in names:
            continue
        if on_start is not None:
            on_start(item)
        started = time.perf_counter()
        try:
            rows = item.function(root)
        except ds.DatasetMissing as missing:
            run.skipped.append(missing.skip_line)
            continue
        run.seconds[name] = time.perf_counter() - started
        run.rows.extend(rows)
        run.datasets.extend(d for d in item.datasets if d not in run.datasets)
    return run


# --- metrics (scikit-learn, scipy) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BinaryScores:
    n: int
    positives: int
    precision: float | None
    recall: float | None
    """Recall of the positive class (sensitivity)."""
    specificity: float | None
    """Recall of the negative class."""
    f1: float | None
    accuracy: float | None

    def get(self, metric: str) -> float | None:
        return getattr(self, _METRIC_FIELDS[metric])


_METRIC_FIELDS = {
    "F1": "f1",
    "precision": "precision",
    "recall": "recall",
    "specificity": "specificity",
    "accuracy": "accuracy",
}


def binary_scores(y_true: Sequence[bool], y_pred: Sequence[bool]) -> BinaryScores:
    """Precision, recall, F1 of the positive class, specificity and accuracy (scikit-learn).
    A figure whose denominator class is absent from ``y_true`` is ``None``."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    truth = [bool(v) for v in y_true]
    pred = [bool(v) for v in y_pred]
    n, positives = len(truth), sum(truth)
    if n == 0:
        return BinaryScores(0, 0, None, None, None, None, None)
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, pred, labels=[True, False], average=None, zero_division=0
    )
    return BinaryScores(
        n=n,
        positives=positives,
        precision=float(precision[0]) if positives else None,
        recall=float(recall[0]) if positives else None,
        specificity=float(recall[1]) if positives < n else None,
        f1=float(f1[0]) if positives else None,
        accuracy=float(accuracy_score(truth, pred)),
    )


def correlations(x: Sequence[float], y: Sequence[float]) -> tuple[float | None, float | None]:
    """Pearson's r and Spearman's rho (scipy); ``None`` where undefined (n < 3, no variance)."""
    from scipy.stats import pearsonr, spearmanr

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None, None
    return float(pearsonr(x, y).statistic), float(spearmanr(x, y).statistic)


def share(flags: Sequence[bool]) -> float | None:
    """The share of True values (e.g. a flag rate); ``None`` for no items."""
    return sum(bool(f) for f in flags) / len(flags) if flags else None


# --- the analyser ----------------------------------------------------------------------------


def analyse(texts: Sequence[str], role: Literal["therapist", "patient"]) -> list[TurnAnalysis]:
    """The analyser's reading of each text, in order: one :func:`mentalize.analyze_utterances`
    call over the distinct texts (each text is read alone, so repeats need no second read)."""
    from mentalize import analyze_utterances

    distinct = list(dict.fromkeys(texts))
    readings = dict(zip(distinct, analyze_utterances(distinct, role=role), strict=True))
    return [readings[t] for t in texts]


def has_question_mark(text: str) -> bool:
    return "?" in text


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    value: float
    anchor: str
    reference: str


def detection_rows(
    *,
    construct: str,
    dataset: str,
    truth: Sequence[bool],
    ours: Sequence[bool],
    baselines: Sequence[tuple[str, Sequence[bool]]],
    metrics: Sequence[str] = ("F1",),
    anchors: dict[str, tuple[str, str]] | None = None,
    targets: Sequence[Target] = (),
    note: str = "",
    metric_notes: dict[str, str] | None = None,
) -> list[ValidationRow]:
    """Rows for one binary detection: ours, each baseline and each target, per metric.

    ``anchors`` maps a metric to ``(anchor, reference)`` shown with our figure; our F1 row's
    note gives precision, recall and the positive count, then ``note`` (every metric) and
    ``metric_notes[metric]``.
    """
    in_domain = ds.DATASETS[dataset].in_domain if dataset in ds.DATASETS else False
    anchors = anchors or {}
    scores = binary_scores(truth, ours)
    base_scores = [(name, binary_scores(truth, pred)) for name, pred in baselines]
    rows: list[ValidationRow] = []
    for metric in metrics:
        anchor, reference = anchors.get(metric, ("", ""))
        details = ""
        if metric == "F1":
            details = (
                f"precision {_fmt(scores.precision)}, recall {_fmt(scores.recall)}; "
                f"{scores.positives} positive of {scores.n}"
            )
        rows.append(
            ValidationRow(
                construct=construct,
                dataset=dataset,
                metric=metric,
                value=scores.get(metric),
                n=scores.n,
                anchor=anchor,
                reference=reference,
                in_domain=in_domain,
                kind="ours",
                note="; ".join(
                    p for p in (details, note, (metric_notes or {}).get(metric, "")) if p
                ),
            )
        )
        for name, base in base_scores:
            rows.append(
                ValidationRow(
                    construct=construct,
                    dataset=dataset,
                    metric=metric,
                    value=base.get(metric),
                    n=base.n,
                    anchor="",
                    reference="",
                    in_domain=in_domain,
                    kind="baseline",
                    note=name,
                )
            )
        rows.extend(
            ValidationRow(
                construct=construct,
                dataset=dataset,
                metric=metric,
                value=target.value,
                n=scores.n,
                anchor=target.anchor,
                reference=target.reference,
                in_domain=in_domain,
                kind="target",
            )
            for target in targets
            if target.metric == metric
        )
    return rows


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


ALWAYS_POSITIVE = "always positive"
QUESTION_MARK = "contains “?”"


# --- the eval-only evaluations ---------------------------------------------------------------


@evaluation("epitome")
def evaluate_epitome(root: Path) -> list[ValidationRow]:
    """EPITOME: empathy mechanisms in Reddit support responses (level ≥ 1 = present)."""
    pairs = ds.load_epitome(root)
    readings = analyse([p.response_post for p in pairs], role="therapist")
    by_mechanism: dict[str, list[tuple[ds.EpitomePair, TurnAnalysis]]] = {}
    for pair, reading in zip(pairs, readings, strict=True):
        by_mechanism.setdefault(pair.mechanism, []).append((pair, reading))

    rows: list[ValidationRow] = []
    items = by_mechanism.get("explorations", [])
    truth = [p.level >= 1 for p, _ in items]
    question_mark = [has_question_mark(p.response_post) for p, _ in items]
    rows += detection_rows(
        construct="explorations (level ≥ 1) → a curious_question or clarification move",
        dataset="epitome",
        truth=truth,
        ours=[bool(set(r.moves) & {"curious_question", "clarification"}) for _, r in items],
        baselines=[(QUESTION_MARK, question_mark)],
        metrics=("F1", "accuracy"),
        anchors={
            "accuracy": (
                "published classifier, 3 levels: accuracy .914, macro-F1 .635",
                "replication of Sharma et al. 2020",
            )
        },
        targets=[Target("F1", 0.88, "target ≥ 0.88", PROJECT_TARGET)],
        note="any sentence of the response (the turn's `moves`)",
        metric_notes={
            "accuracy": "ours is binary (level ≥ 1 vs 0); the published figures are 3-level"
        },
    )
    rows += detection_rows(
        construct="explorations (level ≥ 1) → curious_question",
        dataset="epitome",
        truth=truth,
        ours=[r.intervention == "curious_question" for _, r in items],
        baselines=[(QUESTION_MARK, question_mark)],
        note="the whole response's intervention",
    )
    rows += detection_rows(
        construct="explorations (level ≥ 1) → curious_question or clarification",
        dataset="epitome",
        truth=truth,
        ours=[r.intervention in ("curious_question", "clarification") for _, r in items],
        baselines=[(QUESTION_MARK, question_mark)],
        note="secondary mapping: any question-type intervention",
    )
    for mechanism, label, interventions, note in (
        ("interpretations", "interpretations (level ≥ 1)", ("interpretation",), ""),
        (
            "interpretations",
            "interpretations (level ≥ 1)",
            ("interpretation", "empathic_validation"),
            "secondary mapping: EPITOME interpretations state an understanding of the "
            "seeker's feelings, which the analyser may read as validation",
        ),
        ("emotional_reactions", "emotional reactions (level ≥ 1)", ("empathic_validation",), ""),
    ):
        items = by_mechanism.get(mechanism, [])
        rows += detection_rows(
            construct=f"{label} → {' or '.join(interventions)}",
            dataset="epitome",
            truth=[p.level >= 1 for p, _ in items],
            ours=[r.intervention in interventions for _, r in items],
            baselines=[(ALWAYS_POSITIVE, [True] * len(items))],
            note=note,
        )
    items = by_mechanism.get("emotional_reactions", [])
    rows += detection_rows(
        construct="emotional reactions (level ≥ 1) → an empathic_validation move",
        dataset="epitome",
        truth=[p.level >= 1 for p, _ in items],
        ours=["empathic_validation" in r.moves for _, r in items],
        baselines=[(ALWAYS_POSITIVE, [True] * len(items))],
        note="any sentence of the response (the turn's `moves`)",
    )
    return rows


@evaluation("esconv")
def evaluate_esconv(root: Path) -> list[ValidationRow]:
    """ESConv dev: the supporter's strategy on each response."""
    turns = ds.load_esconv(root)
    readings = analyse([t.text for t in turns], role="therapist")
    predicted = [r.intervention for r in readings]
    rows: list[ValidationRow] = []
    rows += detection_rows(
        construct="Question → curious_question or clarification",
        dataset="esconv",
        truth=[t.strategy == "Question" for t in turns],
        ours=[p in ("curious_question", "clarification") for p in predicted],
        baselines=[(QUESTION_MARK, [has_question_mark(t.text) for t in turns])],
    )
    for strategy, intervention in (
        ("Providing Suggestions", "advice"),
        ("Reflection of feelings", "empathic_validation"),
    ):
        rows += detection_rows(
            construct=f"{strategy} → {intervention}",
            dataset="esconv",
            truth=[t.strategy == strategy for t in turns],
            ours=[p == intervention for p in predicted],
            baselines=[(ALWAYS_POSITIVE, [True] * len(turns))],
        )
    return rows


MI_GOLD_DIRECTIVE = ("Advise with Permission", "Advise without Permission", "Direct", "Confront")


@evaluation("mi_gold")
def evaluate_mi_gold(root: Path) -> list[ValidationRow]:
    """MI Gold test: directive and questioning codes of support sentences."""
    sentences = ds.load_mi_gold(root)
    readings = analyse([s.text for s in sentences], role="therapist")
    directive_pred = [r.intervention in ("advice", "challenge") for r in readings]
    per_code = []
    for code in MI_GOLD_DIRECTIVE:
        hits = [p for s, p in zip(sentences, directive_pred, strict=True) if s.code == code]
        if hits:
            per_code.append(f"{code} {sum(hits)}/{len(hits)}")
    rows: list[ValidationRow] = []
    rows += detection_rows(
        construct="Advise / Direct / Confront → advice or challenge",
        dataset="mi_gold",
        truth=[s.code in MI_GOLD_DIRECTIVE for s in sentences],
        ours=directive_pred,
        baselines=[(ALWAYS_POSITIVE, [True] * len(sentences))],
        note="found per code: " + ", ".join(per_code) if per_code else "",
    )
    rows += detection_rows(
        construct="Open Question → curious_question",
        dataset="mi_gold",
        truth=[s.code == "Open Question" for s in sentences],
        ours=[r.intervention == "curious_question" for r in readings],
        baselines=[(QUESTION_MARK, [has_question_mark(s.text) for s in sentences])],
    )
    return rows


CSSRS_RISK = ("Ideation", "Behavior", "Attempt")
CSSRS_CONTROL = "Supportive"
CSSRS_APART = "Indicator"
SUICID = "contains “suicid”"


@evaluation("cssrs_reddit")
def evaluate_cssrs(root: Path) -> list[ValidationRow]:
    """Reddit C-SSRS: is a user at risk flagged (any post with risk language), user level."""
    users = ds.load_cssrs(root)
    posts = [(u, text) for u in users for text in u.posts]
    readings = analyse([text for _, text in posts], role="patient")
    flagged: dict[str, bool] = {u.user: False for u in users}
    keyword: dict[str, bool] = {u.user: False for u in users}
    for (user, text), reading in zip(posts, readings, strict=True):
        if reading.risk != "none":
            flagged[user.user] = True
        if "suicid" in text.lower():
            keyword[user.user] = True

    scored = [u for u in users if u.label != CSSRS_APART]
    truth = [u.label in CSSRS_RISK for u in scored]
    ours = binary_scores(truth, [flagged[u.user] for u in scored])
    bases = [
        ("always flag", binary_scores(truth, [True] * len(scored))),
        (SUICID, binary_scores(truth, [keyword[u.user] for u in scored])),
    ]
    counts = Counter(u.label for u in users)
    per_class = ", ".join(
        f"{label} {sum(flagged[u.user] for u in users if u.label == label)}/{counts[label]}"
        for label in CSSRS_RISK
        if counts[label]
    )
    truncated = sum(u.truncated for u in users)
    cut_note = (
        f"{truncated} users' post lists are cut at the file's cell limit; "
        "their readable posts count"
        if truncated
        else ""
    )
    dataset = "cssrs_reddit"
    in_domain = ds.DATASETS[dataset].in_domain
    rows: list[ValidationRow] = []

    def add(
        construct: str,
        metric: str,
        value: float | None,
        n: int,
        baselines: list[tuple[str, float | None]],
        target: Target | None,
        note: str,
    ) -> None:
        rows.append(
            ValidationRow(construct, dataset, metric, value, n, "", "", in_domain, "ours", note)
        )
        rows.extend(
            ValidationRow(construct, dataset, metric, v, n, "", "", in_domain, "baseline", name)
            for name, v in baselines
        )
        if target is not None:
            rows.append(
                ValidationRow(
                    construct,
                    dataset,
                    metric,
                    target.value,
                    n,
                    target.anchor,
                    target.reference,
                    in_domain,
                    "target",
                )
            )

    n_risk = sum(truth)
    add(
        "Ideation / Behavior / Attempt users → flagged",
        "recall",
        ours.recall,
        n_risk,
        [(name, b.recall) for name, b in bases],
        Target("recall", 0.90, "target ≥ 0.90, with specificity ≥ 0.60", PROJECT_TARGET),
        "; ".join(p for p in (f"flagged per label: {per_class}", cut_note) if p),
    )
    add(
        "Supportive users → not flagged",
        "specificity",
        ours.specificity,
        len(scored) - n_risk,
        [(name, b.specificity) for name, b in bases],
        Target("specificity", 0.60, "target ≥ 0.60, with recall ≥ 0.90", PROJECT_TARGET),
        "",
    )
    indicator = [u for u in users if u.label == CSSRS_APART]
    add(
        "Indicator users → flagged (reported apart)",
        "flag rate",
        share([flagged[u.user] for u in indicator]),
        len(indicator),
        [
            ("always flag", 1.0 if indicator else None),
            (SUICID, share([keyword[u.user] for u in indicator])),
        ],
        None,
        "Indicator users show risk indicators without ideation: neither a risk nor a control "
        "group, so they count in neither recall nor specificity",
    )
    return rows
