"""One figure of a validation report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RowKind = Literal["ours", "baseline", "target"]


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
