"""The label set of ``docs/codebook.md`` (version 1.1) and the check of one annotation line.

Categorical labels list their values; ordinal labels their range. ``not_applicable`` is allowed
where the codebook allows it. A bad line is one :class:`~mentalize.errors.InputError` naming the
file, line and field, never the turn's text (annotation files hold none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mentalize.errors import InputError

__all__ = ["LABELS", "Label", "check_line", "combination_problems"]

NA = "not_applicable"
CODEBOOK_VERSION = "1.1"


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    roles: tuple[str, ...]
    values: tuple[str, ...] = ()
    """Categorical values, in codebook order (empty for ordinal labels)."""
    low: int = 0
    high: int = 0
    """Ordinal range, inclusive (both 0 for categorical labels)."""
    allows_na: bool = False

    @property
    def ordinal(self) -> bool:
        return not self.values


_POLE = {
    "self_other": ("self", "balanced", "other"),
    "cognitive_affective": ("cognitive", "balanced", "affective"),
    "internal_external": ("internal", "balanced", "external"),
    "automatic_controlled": ("automatic", "balanced", "controlled"),
}
_PATIENT = ("patient",)
_THERAPIST = ("therapist",)
_BOTH = ("patient", "therapist")

LABELS: tuple[Label, ...] = (
    Label(
        "mode",
        _PATIENT,
        (
            "mentalizing",
            "psychic_equivalence",
            "teleological",
            "pretend",
            "hypermentalizing",
            "concrete",
            "minimal",
        ),
    ),
    Label("rf_level", _PATIENT, low=0, high=4, allows_na=True),
    *(Label(name, _PATIENT, (*poles, NA), allows_na=True) for name, poles in _POLE.items()),
    Label("arousal", _PATIENT, low=1, high=5, allows_na=True),
    Label("valence", _PATIENT, low=1, high=5, allows_na=True),
    Label("certainty_about_minds", _PATIENT, low=1, high=5, allows_na=True),
    Label("strain", _PATIENT, ("none", "withdrawal", "confrontation")),
    Label(
        "intervention",
        _THERAPIST,
        (
            "curious_question",
            "empathic_validation",
            "clarification",
            "challenge",
            "relationship",
            "interpretation",
            "advice",
            "other",
        ),
    ),
    Label("mbt_level", _THERAPIST, low=1, high=4, allows_na=True),
    Label("repair", _THERAPIST, ("yes", "no")),
    Label("stance", _THERAPIST, ("not_knowing", "knowing", NA), allows_na=True),
    Label("risk_present", _BOTH, ("yes", "no")),
)
BY_NAME = {label.name: label for label in LABELS}
ROLES = ("patient", "therapist", "other")


def check_line(record: Any, where: str, line: int) -> dict[str, Any]:
    """One annotation record, checked against the codebook; returns it with ``role`` kept."""
    if not isinstance(record, dict):
        raise InputError(where, "expected one JSON object per line", line)
    unit_id, role = record.get("id"), record.get("role")
    if not isinstance(unit_id, str) or not unit_id:
        raise InputError(where, "'id' must be the unit's id string", line)
    if role not in ROLES:
        raise InputError(where, f"'role' must be one of {', '.join(ROLES)}", line)
    for label in LABELS:
        if role not in label.roles:
            continue
        if label.name not in record:
            raise InputError(where, f"'{label.name}' is missing for a {role} turn", line)
        value = record[label.name]
        if label.ordinal:
            if value == NA and label.allows_na:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(
                    where, f"'{label.name}' must be a whole number {label.low}-{label.high}", line
                )
            if not label.low <= value <= label.high:
                raise InputError(where, f"'{label.name}' must be {label.low}-{label.high}", line)
        elif value not in label.values:
            raise InputError(
                where, f"'{label.name}' must be one of {', '.join(label.values)}", line
            )
    confidence = record.get("confidence")
    if confidence not in (1, 2, 3):
        raise InputError(where, "'confidence' must be 1, 2 or 3", line)
    return record


_MINIMAL_NA = (
    "rf_level",
    "self_other",
    "cognitive_affective",
    "internal_external",
    "automatic_controlled",
    "certainty_about_minds",
)


def combination_problems(record: dict[str, Any]) -> list[str]:
    """The codebook's combination checks (section 4.4) a checked record breaks, by name. Such a
    record is kept (the pass is the annotator's) but counted, and a resolved unit that breaks one
    goes to human review."""
    problems = []
    if record.get("role") == "patient" and record.get("mode") == "minimal":
        problems += [
            f"minimal needs {name} not_applicable" for name in _MINIMAL_NA if record.get(name) != NA
        ]
    if record.get("role") == "therapist":
        other = record.get("intervention") == "other"
        for name in ("mbt_level", "stance"):
            if other != (record.get(name) == NA):
                problems.append(f"intervention other <=> {name} not_applicable")
        if record.get("intervention") == "interpretation" and record.get("stance") != "knowing":
            problems.append("interpretation needs stance knowing")
        if (
            record.get("intervention") == "curious_question"
            and record.get("stance") != "not_knowing"
        ):
            problems.append("curious_question needs stance not_knowing")
    return problems
