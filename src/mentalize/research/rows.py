"""One figure of a validation report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

RowKind = Literal["ours", "baseline", "target"]
PROJECT_TARGET = "project target"


@dataclass(frozen=True, slots=True)
class ValidationRow:
    """One figure: what was measured, on which data, how, and against what.

    Rows of the same ``(construct, dataset, metric)`` form one line of the report table:
    ``kind="ours"`` is the analyser's figure, ``kind="baseline"`` a trivial rule computed in the
    same run on the same items (``note`` names the rule), ``kind="target"`` a figure we aim at or
    a published one (``value`` the number, ``anchor`` the words shown, e.g. ``"target ≥ 0.88"``).
    """

    construct: str
    """What is measured, as ``dataset label → our label``, e.g.
    ``"explorations (level ≥ 1) → curious_question"``."""
    dataset: str
    """Dataset key, as in :data:`mentalize.research.datasets.DATASETS`."""
    metric: str
    value: float | None
    """The figure; ``None`` when it is undefined (e.g. no positive item)."""
    n: int
    """Items the figure is computed over (texts, sentences or users)."""
    anchor: str
    """A published or target figure to read ours against, in words; empty when there is none."""
    reference: str
    """Where the anchor comes from; empty when there is no anchor."""
    in_domain: bool
    """True only for MBT or psychotherapy-session talk; public support forums are not."""
    kind: RowKind
    note: str = ""


def figure_row(
    construct: str,
    dataset: str,
    metric: str,
    value: float | None,
    n: int,
    kind: RowKind,
    note: str = "",
    anchor: str = "",
    reference: str = "",
) -> ValidationRow:
    """One row, with ``in_domain`` taken from the dataset's entry in
    :data:`mentalize.research.datasets.DATASETS`."""
    from mentalize.research.datasets import DATASETS

    return ValidationRow(
        construct=construct,
        dataset=dataset,
        metric=metric,
        value=None if value is None else float(value),
        n=n,
        anchor=anchor,
        reference=reference,
        in_domain=DATASETS[dataset].in_domain,
        kind=kind,
        note=note,
    )


def project_row(
    dataset: str,
) -> Callable[..., ValidationRow]:
    """A row maker for one dataset whose target rows cite the project's targets."""

    def make(
        construct: str,
        metric: str,
        value: float | None,
        n: int,
        kind: RowKind,
        note: str = "",
        anchor: str = "",
    ) -> ValidationRow:
        reference = PROJECT_TARGET if anchor else ""
        return figure_row(construct, dataset, metric, value, n, kind, note, anchor, reference)

    return make


def print_rows(rows: Iterable[ValidationRow]) -> None:
    """The rows as plain lines, for the one-split runs (``python -m ...``) that write no table."""
    for row in rows:
        value = "-" if row.value is None else f"{row.value:.2f}"
        print(f"{row.construct:58s} {row.metric:11s} {row.kind:8s} {value:>5s}  n={row.n}")
