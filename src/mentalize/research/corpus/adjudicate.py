"""Two passes become one label per unit, by the codebook's rules (docs/codebook.md, section 5).

Each resolved label records its rule:

- ``agreement``: the passes agree;
- ``any_yes``: ``risk_present`` is never adjudicated down (any pass saying yes makes it yes);
- ``mean_rounded``: an ordinal label one point apart takes the mean, halves rounded up;
- ``third_pass``: a categorical label (or a number against ``not_applicable``) takes the value
  two of three passes share;
- ``median_of_three``: an ordinal label two or more points apart takes the median of three;
- ``human_review``: three different values; until a person decides, the value given with the
  highest confidence stands (the first pass's on a tie);
- ``awaiting_third_pass``: the third pass has not been run yet; the label has no value and the
  unit is left out of training data.

The resolved unit's confidence is the lowest among the passes used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mentalize.research.corpus.labels import LABELS, Label

__all__ = ["adjudicate", "awaiting_third_pass"]

Record = dict[str, Any]


def _numeric(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _decide(label: Label, passes: list[Record]) -> tuple[Any, str, list[Record]]:
    """(value, rule, the passes the value rests on)."""
    first, second = passes[0], passes[1]
    x: Any = first[label.name]
    y: Any = second[label.name]
    if label.name == "risk_present" and "yes" in (x, y):
        return "yes", ("agreement" if x == y else "any_yes"), passes[:2]
    if x == y:
        return x, "agreement", passes[:2]
    if label.ordinal and _numeric(x, y) and abs(x - y) == 1:
        return math.floor((x + y) / 2 + 0.5), "mean_rounded", passes[:2]
    z: Any = passes[2].get(label.name) if len(passes) > 2 else None
    if z is None:
        return None, "awaiting_third_pass", passes[:2]
    if label.ordinal and _numeric(x, y, z):
        return sorted((x, y, z))[1], "median_of_three", passes
    if z in (x, y):
        return z, "third_pass", passes
    ranked = sorted(passes, key=lambda p: -int(p.get("confidence", 0)))
    return ranked[0].get(label.name), "human_review", passes


def adjudicate(
    a: Mapping[str, Record],
    b: Mapping[str, Record],
    c: Mapping[str, Record] | None = None,
) -> dict[str, Record]:
    """Final labels for every unit both passes coded, each with ``rules`` naming the rule per
    label and ``confidence`` the lowest of the passes it rests on."""
    third = c or {}
    out: dict[str, Record] = {}
    for unit_id in sorted(set(a) & set(b)):
        passes = [a[unit_id], b[unit_id]]
        if passes[0]["role"] != passes[1]["role"]:
            continue  # the passes read the speaker differently: left for a person
        if unit_id in third:
            passes.append(third[unit_id])
        final: Record = {"id": unit_id, "role": passes[0]["role"], "rules": {}}
        used: list[Record] = passes[:2]
        for label in LABELS:
            if label.name not in passes[0]:
                continue
            value, rule, rests_on = _decide(label, passes)
            final[label.name] = value
            final["rules"][label.name] = rule
            if len(rests_on) > len(used):
                used = rests_on
        final["confidence"] = min(int(p.get("confidence", 1)) for p in used)
        out[unit_id] = final
    return out


def awaiting_third_pass(final: Mapping[str, Record]) -> set[str]:
    """Units with at least one label still waiting for its third pass."""
    return {
        unit_id
        for unit_id, record in final.items()
        if "awaiting_third_pass" in record["rules"].values()
    }
