"""Two passes become one label per unit, by the codebook's rules (docs/codebook.md, section 5).

- the passes agree: that value (rule ``agree``);
- an ordinal label one point apart: the mean, rounded half up (rule ``mean``);
- otherwise a third independent pass decides when there is one (rule ``third``: its value when
  it matches either pass, else the majority-free middle value for ordinal labels and the third
  pass's value for categorical ones);
- no third pass yet: the unit stays open (rule ``open``) and is left out of training data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mentalize.research.corpus.labels import LABELS, NA

__all__ = ["adjudicate"]


def _decide(label_ordinal: bool, x: Any, y: Any, z: Any) -> tuple[Any, str]:
    if x == y:
        return x, "agree"
    numeric = label_ordinal and all(isinstance(v, int) for v in (x, y))
    if numeric and abs(x - y) == 1:
        return math.floor((x + y) / 2 + 0.5), "mean"
    if z is None:
        return None, "open"
    if numeric and isinstance(z, int):
        return sorted((x, y, z))[1], "third"
    return z, "third"


def adjudicate(
    a: Mapping[str, dict[str, Any]],
    b: Mapping[str, dict[str, Any]],
    c: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Final labels for every unit both passes coded, each with ``rules`` saying how each label
    was decided."""
    third = c or {}
    out: dict[str, dict[str, Any]] = {}
    for unit_id in sorted(set(a) & set(b)):
        first, second = a[unit_id], b[unit_id]
        if first["role"] != second["role"]:
            continue  # the passes read the speaker differently: left for a human
        final: dict[str, Any] = {"id": unit_id, "role": first["role"], "rules": {}}
        for label in LABELS:
            if label.name not in first:
                continue
            x, y = first[label.name], second.get(label.name)
            z = third.get(unit_id, {}).get(label.name)
            if label.ordinal and NA in (x, y) and x != y:
                value, rule = (z, "third") if z is not None else (None, "open")
            else:
                value, rule = _decide(label.ordinal, x, y, z)
            final[label.name] = value
            final["rules"][label.name] = rule
        out[unit_id] = final
    return out
