"""Agreement between two independent passes, per label.

Categorical labels: Cohen's kappa. Ordinal labels: quadratically weighted kappa (a one-point
difference costs little, a three-point one a lot) and ICC(2,1), two-way random effects, absolute
agreement, single rater (Shrout & Fleiss 1979), the statistic reported for Reflective Functioning
ratings. Only units both passes coded, with a value other than ``not_applicable`` in both, count.
Needs the ``research`` extra (scikit-learn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mentalize.research.corpus.labels import LABELS, NA, Label

__all__ = ["Agreement", "agreement", "icc_2_1"]


@dataclass(frozen=True, slots=True)
class Agreement:
    label: str
    n: int
    """Units both passes coded with a value."""
    raw: float | None
    """Share of exact matches."""
    kappa: float | None
    """Cohen's kappa (categorical) or quadratically weighted kappa (ordinal)."""
    icc: float | None
    """ICC(2,1) for ordinal labels; ``None`` for categorical ones."""


def icc_2_1(pairs: list[tuple[float, float]]) -> float | None:
    """ICC(2,1) of two raters over ``pairs``; ``None`` when undefined (fewer than 2 units or no
    variance at all)."""
    n, k = len(pairs), 2
    if n < 2:
        return None
    grand = sum(a + b for a, b in pairs) / (n * k)
    rows = [(a + b) / k for a, b in pairs]
    cols = [sum(p[j] for p in pairs) / n for j in range(k)]
    ss_rows = k * sum((r - grand) ** 2 for r in rows)
    ss_cols = n * sum((c - grand) ** 2 for c in cols)
    ss_total = sum((x - grand) ** 2 for p in pairs for x in p)
    ss_error = ss_total - ss_rows - ss_cols
    ms_rows = ss_rows / (n - 1)
    ms_cols = ss_cols / (k - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_cols - ms_error) / n
    if denominator <= 0:
        return None
    return (ms_rows - ms_error) / denominator


def _one(
    label: Label, a: Mapping[str, dict[str, Any]], b: Mapping[str, dict[str, Any]]
) -> Agreement:
    from sklearn.metrics import cohen_kappa_score

    first, second = [], []
    for unit_id in sorted(set(a) & set(b)):
        x, y = a[unit_id].get(label.name), b[unit_id].get(label.name)
        if x is None or y is None or x == NA or y == NA:
            continue
        first.append(x)
        second.append(y)
    n = len(first)
    if n == 0:
        return Agreement(label.name, 0, None, None, None)
    raw = sum(x == y for x, y in zip(first, second, strict=True)) / n
    kappa: float | None
    if len(set(first) | set(second)) < 2:
        kappa = None  # one value only: kappa is undefined
    elif label.ordinal:
        kappa = float(
            cohen_kappa_score(
                first, second, weights="quadratic", labels=list(range(label.low, label.high + 1))
            )
        )
    else:
        kappa = float(cohen_kappa_score(first, second, labels=list(label.values)))
    icc = (
        icc_2_1([(float(x), float(y)) for x, y in zip(first, second, strict=True)])
        if label.ordinal
        else None
    )
    return Agreement(label.name, n, raw, kappa, icc)


def agreement(
    a: Mapping[str, dict[str, Any]],
    b: Mapping[str, dict[str, Any]],
    labels: Sequence[Label] = LABELS,
) -> list[Agreement]:
    """Per label, in codebook order, over the units both passes coded."""
    return [_one(label, a, b) for label in labels]
