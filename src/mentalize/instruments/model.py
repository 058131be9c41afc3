"""Typed, frozen descriptions of questionnaires and of what scoring them produced.

An :class:`Instrument` is built from one validated data file (``data/<id>.toml``, see
``docs/instruments.md``) by :mod:`mentalize.instruments.loader`; nothing here reads files.
Results (:class:`ScoreResult`, :class:`ChangeResult`) hold values only and turn themselves into
plain JSON-ready data with ``to_dict()``, so the CLI and the clinic app share one contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

ScaleMethod = Literal["sum", "mean"]
SCALE_METHODS: tuple[ScaleMethod, ...] = get_args(ScaleMethod)

Direction = Literal["lower_is_better", "higher_is_better"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)

ChangeMethod = Literal["threshold", "jacobson_truax"]
CHANGE_METHODS: tuple[ChangeMethod, ...] = get_args(ChangeMethod)

Classification = Literal["recovered", "improved", "unchanged", "deteriorated"]
CLASSIFICATIONS: tuple[Classification, ...] = get_args(Classification)

Severity = Literal["risk", "caution"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

RCI_CRITICAL = 1.96
"""|RCI| above this is reliable change at p < .05, two-tailed (Jacobson & Truax 1991)."""

__all__ = [
    "CHANGE_METHODS",
    "CLASSIFICATIONS",
    "DIRECTIONS",
    "RCI_CRITICAL",
    "SCALE_METHODS",
    "SEVERITIES",
    "Band",
    "ChangeMethod",
    "ChangeParameters",
    "ChangeResult",
    "Classification",
    "Code",
    "CriticalItem",
    "Direction",
    "Flag",
    "Instrument",
    "Item",
    "Key",
    "Norm",
    "Reliability",
    "ResponseOption",
    "Scale",
    "ScaleMethod",
    "ScoreResult",
    "Severity",
    "Source",
]


@dataclass(frozen=True, slots=True)
class Code:
    """A code from an external terminology (LOINC for PHQ-9 and GAD-7), used in FHIR export."""

    system: str
    code: str
    display: str | None = None

    def to_fhir(self) -> dict[str, str]:
        out = {"system": self.system, "code": self.code}
        if self.display:
            out["display"] = self.display
        return out


@dataclass(frozen=True, slots=True)
class Source:
    """A published source that a number or a text in the data file rests on."""

    id: str
    citation: str
    doi: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "citation": self.citation, "doi": self.doi, "url": self.url}


@dataclass(frozen=True, slots=True)
class ResponseOption:
    """One answer a respondent may give: the number typed, its label, an optional code."""

    value: int
    label: str
    code: Code | None = None


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    """1-based position in the questionnaire, as printed on the form."""
    text: str
    code: Code | None = None


@dataclass(frozen=True, slots=True)
class Key:
    """A recoding key: raw answer → scored value (``reverse``, ``rfq_certainty``, ...)."""

    id: str
    map: Mapping[int, float]
    description: str

    def __call__(self, answer: int) -> float:
        return self.map[answer]


@dataclass(frozen=True, slots=True)
class Scale:
    """A score computed from items: their (recoded) sum or mean."""

    id: str
    label: str
    method: ScaleMethod
    items: tuple[int, ...]
    keys: Mapping[int, Key]
    """Item number → recoding key; items absent here are scored as answered."""
    minimum: float
    maximum: float
    decimals: int
    description: str
    higher: str
    lower: str
    code: Code | None = None

    @property
    def integer_valued(self) -> bool:
        return self.method == "sum" and all(
            float(v).is_integer() for k in self.keys.values() for v in k.map.values()
        )

    def reverse_keyed(self) -> tuple[int, ...]:
        """Items whose key turns the scale around relative to the scale's first item."""
        first = self._direction(self.items[0])
        return tuple(i for i in self.items if self._direction(i) != first)

    def _direction(self, item: int) -> int:
        key = self.keys.get(item)
        if key is None:
            return 1
        values = [key.map[a] for a in sorted(key.map)]
        return 1 if values[-1] >= values[0] else -1


@dataclass(frozen=True, slots=True)
class Band:
    """A published severity range of one scale, inclusive at both ends."""

    scale: str
    id: str
    label: str
    minimum: float
    maximum: float
    meaning: str

    def contains(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "scale": self.scale,
            "min": _number(self.minimum),
            "max": _number(self.maximum),
        }


@dataclass(frozen=True, slots=True)
class CriticalItem:
    """An item whose answer at or above ``min_answer`` raises a flag whatever the total."""

    item: int
    min_answer: int
    flag: str
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class Reliability:
    scale: str
    kind: str
    """e.g. "internal consistency (Cronbach's alpha)", "test-retest (48 hours)"."""
    value: float
    sample: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "kind": self.kind,
            "value": self.value,
            "sample": self.sample,
            "source": self.source.citation,
        }


@dataclass(frozen=True, slots=True)
class Norm:
    """A published mean and SD of a scale in a named population."""

    scale: str
    population: str
    mean: float
    sd: float
    n: int | None
    source: Source


@dataclass(frozen=True, slots=True)
class ChangeParameters:
    """What reliable and clinically significant change means for one scale, with its source.

    ``method = "threshold"``: a published point criterion (e.g. the IAPT programme's "a change
    of 6 or more PHQ-9 points"). ``method = "jacobson_truax"``: RCI = (post - pre) / S_diff with
    S_diff = sqrt(2) * SD * sqrt(1 - r), reliable when |RCI| > 1.96.
    """

    scale: str
    direction: Direction
    method: ChangeMethod
    source: Source
    reliable_change: float | None = None
    """Threshold method: the smallest absolute change counted as reliable (inclusive)."""
    sd: float | None = None
    reliability: float | None = None
    reliability_kind: str | None = None
    cutoff: float | None = None
    """Clinical cut-off: lower_is_better → "case" at or above it; higher_is_better → at or below."""
    cutoff_label: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Instrument:
    """One questionnaire, as described by its data file."""

    id: str
    fhir_name: str
    short_title: str
    title: str
    version: str
    construct: str
    instructions: str
    limits: str
    licence: str
    attribution: str
    options: tuple[ResponseOption, ...]
    items: tuple[Item, ...]
    keys: Mapping[str, Key]
    scales: tuple[Scale, ...]
    bands: tuple[Band, ...]
    critical: tuple[CriticalItem, ...]
    reliability: tuple[Reliability, ...]
    norms: tuple[Norm, ...]
    sources: Mapping[str, Source]
    cites: tuple[Source, ...]
    """The instrument's own publications, in the order the data file lists them."""
    change: ChangeParameters | None
    change_unavailable: str
    """Why change cannot be classified, when ``change`` is None."""
    norms_note: str = ""
    reliability_note: str = ""
    code: Code | None = None

    @property
    def min_answer(self) -> int:
        return self.options[0].value

    @property
    def max_answer(self) -> int:
        return self.options[-1].value

    def option(self, value: int) -> ResponseOption:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)

    def scale(self, scale_id: str) -> Scale:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    def bands_for(self, scale_id: str) -> tuple[Band, ...]:
        return tuple(b for b in self.bands if b.scale == scale_id)

    def options_text(self) -> str:
        """Answer options as one line, e.g. "0 = Not at all, 1 = Several days, ..."."""
        return ", ".join(f"{o.value} = {o.label}" for o in self.options)

    def summary(self) -> dict[str, Any]:
        """What ``mentalize assess list`` shows: enough to choose, no item text."""
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "items": len(self.items),
            "answers": f"{self.min_answer}-{self.max_answer}",
            "scores": [s.id for s in self.scales],
            "change": self.change is not None,
            "licence": self.licence,
        }


@dataclass(frozen=True, slots=True)
class Flag:
    """A critical item answered at or above its threshold. Never averaged away."""

    id: str
    item: int
    answer: int
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item": self.item,
            "answer": self.answer,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """One administration of one instrument, scored."""

    instrument: str
    version: str
    answers: tuple[int, ...]
    scores: Mapping[str, float]
    band: Band | None
    flags: tuple[Flag, ...]
    interpretation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "answers": list(self.answers),
            "scores": dict(self.scores),
            "band": self.band.to_dict() if self.band is not None else None,
            "flags": [f.to_dict() for f in self.flags],
            "interpretation": self.interpretation,
        }


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """Reliable and clinically significant change between two scores of one scale."""

    instrument: str
    version: str
    scale: str
    pre: float
    post: float
    available: bool
    method: ChangeMethod | None
    direction: Direction | None
    rci: float | None
    s_diff: float | None
    reliable_change: float | None
    """The smallest absolute raw change counted as reliable (threshold, or 1.96 * S_diff)."""
    reliability: float | None
    reliability_kind: str | None
    cutoff: float | None
    reliable: bool | None
    clinically_significant: bool | None
    classification: Classification | None
    explanation: str
    source: str | None

    @property
    def change(self) -> float:
        return self.post - self.pre

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "scale": self.scale,
            "pre": _number(self.pre),
            "post": _number(self.post),
            "change": _number(self.change),
            "available": self.available,
            "method": self.method,
            "direction": self.direction,
            "rci": None if self.rci is None else round(self.rci, 3),
            "s_diff": None if self.s_diff is None else round(self.s_diff, 3),
            "reliable_change_criterion": (
                None if self.reliable_change is None else _number(round(self.reliable_change, 3))
            ),
            "reliability": {
                "value": self.reliability,
                "kind": self.reliability_kind,
            },
            "cutoff": None if self.cutoff is None else _number(self.cutoff),
            "reliable": self.reliable,
            "clinically_significant": self.clinically_significant,
            "classification": self.classification,
            "explanation": self.explanation,
            "source": self.source,
        }


def _number(value: float) -> int | float:
    """Whole numbers as ints in JSON (``12`` rather than ``12.0``)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return int(value) if float(value).is_integer() else value
