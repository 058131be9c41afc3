"""The label set of ``docs/codebook.md`` (version 1.0) and the check of one annotation line.

Categorical labels list their values; ordinal labels their range. ``not_applicable`` is allowed
where the codebook allows it. A bad line is one :class:`~mentalize.errors.InputError` naming the
file, line and field, never the turn's text (annotation files hold none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mentalize.errors import InputError

__all__ = ["LABELS", "Label", "check_line"]

NA = "not_applicable"
CODEBOOK_VERSION = "1.0"


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
