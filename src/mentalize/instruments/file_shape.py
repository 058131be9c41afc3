"""The shape of an instrument data file, checked by pydantic before any rule is: which tables
and keys exist, which are required, and which hold text, whole numbers or lists.

The loader (:mod:`.loader`) then checks the domain rules by hand (consecutive answer values,
keys that cover every answer, bands that tile their scale, sources for every published number),
because those are about meaning, not form. Values whose check is a domain rule (a band's
bounds, a reliability coefficient, a recoding map) are left as they are here so the loader can
say what is wrong in its own words.

A broken file becomes one line naming the table, the entry and the key, in the loader's style:
``[[scales]] #2: unknown key(s) itms``, ``[instrument]: missing licence``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

__all__ = ["ShapeProblem", "check_shape"]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Code(_Table):
    system: StrictStr
    code: StrictStr
    display: StrictStr | None = None


class _Head(_Table):
    id: StrictStr
    fhir_name: StrictStr
    short_title: StrictStr
    title: StrictStr
    version: StrictStr
    construct_: StrictStr = Field(alias="construct")  # BaseModel has a construct()
    instructions: StrictStr
    limits: StrictStr
    licence: StrictStr
    attribution: StrictStr
    cites: list[Any]
    code: _Code | None = None
    norms_note: StrictStr = ""
    reliability_note: StrictStr = ""
    change_unavailable: StrictStr = ""


class _Source(_Table):
    citation: StrictStr
    doi: StrictStr | None = None
    url: StrictStr | None = None


class _Option(_Table):
    value: StrictInt
    label: StrictStr
    code: _Code | None = None


class _Item(_Table):
    number: StrictInt
    text: StrictStr
    code: _Code | None = None


class _Key(_Table):
    map: Any
    description: StrictStr


class _Scale(_Table):
    id: StrictStr
    label: StrictStr
    method: StrictStr
    items: list[StrictInt]
    key: Any = None
    item_keys: Any = None
    decimals: Any = None
    description: StrictStr
    higher: StrictStr
    lower: StrictStr
    code: _Code | None = None


class _Band(_Table):
    scale: StrictStr
    id: StrictStr
    label: StrictStr
    min: Any
    max: Any
    meaning: StrictStr


class _Critical(_Table):
    item: StrictInt
    min_answer: StrictInt
    flag: StrictStr
    severity: StrictStr
    message: StrictStr


class _Reliability(_Table):
    scale: StrictStr
    kind: StrictStr
    value: Any
    sample: StrictStr
    source: Any


class _Norm(_Table):
    scale: StrictStr
    population: StrictStr
    mean: Any
    sd: Any
    n: Any = None
    source: Any


class _Change(_Table):
    scale: StrictStr
    direction: StrictStr
    method: StrictStr
    source: Any
    reliable_change: Any = None
    sd: Any = None
    reliability: Any = None
    reliability_kind: Any = None
    cutoff: Any = None
    cutoff_label: Any = None
    functional_mean: Any = None
    functional_sd: Any = None
    clinical_mean: Any = None
    clinical_sd: Any = None
    note: Any = None


class _File(_Table):
    instrument: _Head
    options: list[_Option]
    items: list[_Item]
    keys: dict[str, _Key] = {}
    scales: list[_Scale]
    bands: list[_Band] = []
    critical: list[_Critical] = []
    reliability: list[_Reliability] = []
    norms: list[_Norm] = []
    change: _Change | None = None
    sources: dict[str, _Source]


_ARRAYS = frozenset({"options", "items", "scales", "bands", "critical", "reliability", "norms"})
_NAMED = frozenset({"sources", "keys"})
_EXPECTED = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


class ShapeProblem(Exception):
    """The file's shape is wrong; ``where`` and ``problem`` read as the loader's messages do."""

    def __init__(self, where: str, problem: str) -> None:
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}")


def _place(loc: tuple[int | str, ...]) -> tuple[str, list[str]]:
    """Split a pydantic location into the loader's table name and the keys below it."""
    parts = list(loc)
    if not parts:
        return "file", []
    table = str(parts[0])
    if table in _ARRAYS and len(parts) > 1 and isinstance(parts[1], int):
        return f"[[{table}]] #{parts[1] + 1}", [str(p) for p in parts[2:]]
    if table in _NAMED and len(parts) > 1:
        return f"[{table}.{parts[1]}]", [str(p) for p in parts[2:]]
    if table in ("instrument", "change") and len(parts) > 1:
        return f"[{table}]", [str(p) for p in parts[1:]]
    if len(parts) == 1:
        return "file", [table]
    return f"[{table}]", [str(p) for p in parts[1:]]


def check_shape(data: Any) -> None:
    """Raise :class:`ShapeProblem` for the first table whose shape is wrong (unknown and missing
    keys of one table are named together)."""
    try:
        _File.model_validate(data)
    except ValidationError as exc:
        unknown: dict[str, list[str]] = defaultdict(list)
        missing: dict[str, list[str]] = defaultdict(list)
        first: ShapeProblem | None = None
        for error in exc.errors():
            where, keys = _place(error["loc"])
            if keys and len(keys) > 1:
                where = f"{where} {' '.join(keys[:-1])}"
            name = keys[-1] if keys else ""
            if error["type"] == "extra_forbidden":
                unknown[where].append(name)
            elif error["type"] == "missing":
                missing[where].append(name)
            elif first is None:
                said = _EXPECTED.get(error["type"], "has the wrong type")
                first = ShapeProblem(f"{where} {name}".strip(), said)
        for where, names in unknown.items():
            raise ShapeProblem(where, f"unknown key(s) {', '.join(sorted(names))}") from None
        for where, names in missing.items():
            raise ShapeProblem(where, f"missing {', '.join(sorted(names))}") from None
        if first is not None:
            raise first from None
        raise ShapeProblem("file", "is not an instrument file") from None
