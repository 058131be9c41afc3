"""Risk detail of flagged turns (codebook section 6): what kind of risk, how severe, when, and
whether it is asserted, after the scheme of the project's risk reader (issue 14).

Only turns whose adjudicated ``risk_present`` is "yes" get risk detail. Two passes code each turn;
where they differ the more serious reading stands (``higher_risk``), because a risk reading is
never softened, and the rule is counted so the figures show how often it decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mentalize.errors import InputError
from mentalize.research.corpus.agreement import agreement
from mentalize.research.corpus.batches import read_labels
from mentalize.research.corpus.labels import NA, ROLES, Label

__all__ = ["RISK_LABELS", "adjudicate_risk", "check_risk_line", "read_risk_labels", "risk_report"]

_RISK = ("ideation", "self_harm", "harm_to_others", "none")
_SEVERITY = ("wish_to_be_dead", "active_thoughts", "method", "intent", "plan", "behaviour", "urge")
_TEMPORAL = ("current", "past", "hypothetical")
_ASSERTED = ("asserted", "negated", "questioned", "reported", "figurative")
_ALL = ("patient", "therapist")
RISK_LABELS: tuple[Label, ...] = (
    Label("risk", _ALL, _RISK),
    Label("severity", _ALL, (*_SEVERITY, NA), allows_na=True),
    Label("temporal", _ALL, (*_TEMPORAL, NA), allows_na=True),
    Label("asserted", _ALL, (*_ASSERTED, NA), allows_na=True),
)
SEVERITY_BY_RISK = {
    "ideation": ("wish_to_be_dead", "active_thoughts", "method", "intent", "plan", "behaviour"),
    "self_harm": ("urge", "behaviour"),
    "harm_to_others": ("active_thoughts", "intent", "plan", "behaviour"),
    "none": (NA,),
}
_SERIOUSNESS: dict[str, tuple[str, ...]] = {
    # Most serious first: the reading that stands when two passes differ.
    "risk": ("ideation", "self_harm", "harm_to_others", "none"),
    "severity": (
        "behaviour",
        "plan",
        "intent",
        "method",
        "urge",
        "active_thoughts",
        "wish_to_be_dead",
        NA,
    ),
    "temporal": ("current", "hypothetical", "past", NA),
    "asserted": ("asserted", "reported", "questioned", "negated", "figurative", NA),
}


def check_risk_line(record: Any, where: str, line: int) -> dict[str, Any]:
    """One risk-detail record, checked against codebook section 6.1."""
    if not isinstance(record, dict):
        raise InputError(where, "expected one JSON object per line", line)
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise InputError(where, "'id' must be the unit's id string", line)
    if record.get("role") not in ROLES:
        raise InputError(where, f"'role' must be one of {', '.join(ROLES)}", line)
    for label in RISK_LABELS:
        if record.get(label.name) not in label.values:
            raise InputError(
                where, f"'{label.name}' must be one of {', '.join(label.values)}", line
            )
    if record["severity"] not in SEVERITY_BY_RISK[record["risk"]]:
        allowed = ", ".join(SEVERITY_BY_RISK[record["risk"]])
        raise InputError(where, f"'severity' for {record['risk']} must be one of {allowed}", line)
    if (record["risk"] == "none") != (record["temporal"] == NA == record["asserted"]):
        raise InputError(
            where, "'temporal' and 'asserted' are not_applicable exactly when risk is none", line
        )
    if record.get("confidence") not in (1, 2, 3):
        raise InputError(where, "'confidence' must be 1, 2 or 3", line)
    return record


def read_risk_labels(folder: Path) -> dict[str, dict[str, Any]]:
    """Every checked risk-detail record of one pass (``*.jsonl`` in ``folder``), by unit id."""
    return read_labels(folder, check_risk_line)


def adjudicate_risk(
    a: Mapping[str, dict[str, Any]], b: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Both passes' units resolved: agreement stands, else the more serious reading of the
    pass whose ``risk`` kind is more serious (so severity always fits its kind)."""
    final: dict[str, dict[str, Any]] = {}
    for unit_id in sorted(set(a) & set(b)):
        x, y = a[unit_id], b[unit_id]
        order = _SERIOUSNESS["risk"]
        if x["risk"] != y["risk"]:
            chosen = x if order.index(x["risk"]) < order.index(y["risk"]) else y
            resolved = {k: chosen[k] for k in ("risk", "severity", "temporal", "asserted")}
            rules = dict.fromkeys(resolved, "higher_risk")
        else:
            resolved, rules = {"risk": x["risk"]}, {"risk": "agreement"}
            for name in ("severity", "temporal", "asserted"):
                rank = _SERIOUSNESS[name]
                resolved[name] = min(x[name], y[name], key=rank.index)
                rules[name] = "agreement" if x[name] == y[name] else "higher_risk"
        final[unit_id] = {"id": unit_id, "role": x["role"], **resolved, "rules": rules}
    return final


def risk_report(root: Path) -> str:
    """A markdown section per source under ``root`` (``<source>/pass-a``, ``pass-b``)."""
    lines = ["## risk detail of flagged turns (codebook section 6)", ""]
    for source in sorted(p for p in root.iterdir() if p.is_dir()):
        a_dir, b_dir = source / "pass-a", source / "pass-b"
        if not (a_dir.is_dir() and b_dir.is_dir()):
            continue
        a, b = read_risk_labels(a_dir), read_risk_labels(b_dir)
        final = adjudicate_risk(a, b)
        lines += [
            f"### {source.name}: {len(final)} turns coded by both passes",
            "",
            "| label | units | exact | kappa |",
            "|---|---|---|---|",
        ]
        for row in agreement(a, b, RISK_LABELS):
            exact = "—" if row.raw is None else f"{row.raw:.2f}"
            kappa = "—" if row.kappa is None else f"{row.kappa:.2f}"
            lines.append(f"| {row.label} | {row.n} | {exact} | {kappa} |")
        rules = Counter(rule for f in final.values() for rule in f["rules"].values())
        lines += ["", "Adjudication: " + ", ".join(f"{r} {n}" for r, n in sorted(rules.items()))]
        for label in RISK_LABELS:
            counts = Counter(str(f[label.name]) for f in final.values())
            lines.append(
                f"- {label.name}: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
            )
        lines.append("")
    return "\n".join(lines) + "\n"
