"""Read and validate instrument data files (TOML) into :class:`~.model.Instrument` objects.

Bundled instruments live in ``mentalize/instruments/data/<id>.toml`` and are read lazily, once,
through :mod:`importlib.resources`; importing this module reads nothing. Every rule the scorer
relies on is checked here, so a file that loads scores correctly: contiguous items and answer
values, recoding keys that cover every answer, bands that tile their scale without gaps or
overlaps, sources that exist for every published number. Unknown keys are refused so a typo
cannot silently drop a setting. The format is documented in ``docs/instruments.md``.

A broken bundled file is a broken install (:class:`~mentalize.errors.ModelError`); a broken file
a user passes to :func:`load_file` is bad input (:class:`~mentalize.errors.InputError`).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mentalize.errors import InputError, ModelError
from mentalize.instruments.model import (
    CHANGE_METHODS,
    DIRECTIONS,
    SCALE_METHODS,
    SEVERITIES,
    Band,
    ChangeParameters,
    Code,
    CriticalItem,
    Instrument,
    Item,
    Key,
    Norm,
    Reliability,
    ResponseOption,
    Scale,
    Source,
)

__all__ = [
    "RESERVED_IDS",
    "available",
    "clinical_cutoff",
    "load",
    "load_file",
    "normalise_id",
    "parse",
]

RESERVED_IDS = frozenset({"list", "change", "questionnaire", "score", "help"})
"""Names the ``mentalize assess`` command uses for itself; no instrument may take them."""

_ID = re.compile(r"^[a-z][a-z0-9]{1,31}$")
_FHIR_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]{0,254}$")
_DATA = "data"


class _Problem(Exception):
    """A rule a data file breaks; ``where`` says which table or entry."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def normalise_id(name: str) -> str:
    """``"PHQ-9"``, ``"phq_9"`` and ``"phq9"`` all name the same instrument."""
    return re.sub(r"[\s_\-]", "", name).lower()


def _data_dir() -> Any:
    return resources.files("mentalize.instruments").joinpath(_DATA)


@cache
def available() -> tuple[str, ...]:
    """Ids of the bundled instruments, sorted (reads the folder listing once)."""
    names = [
        entry.name[: -len(".toml")]
        for entry in _data_dir().iterdir()
        if entry.name.endswith(".toml") and not entry.name.startswith((".", "_"))
    ]
    return tuple(sorted(names))


def load(name: str) -> Instrument:
    """The bundled instrument called ``name`` (``"phq9"``, ``"PHQ-9"``...), read once.

    Raises :class:`InputError` for an unknown name, :class:`ModelError` for a broken file.
    """
    instrument_id = normalise_id(name)
    known = available()
    if instrument_id not in known:
        shown = name if len(name) <= 40 else name[:37] + "..."
        raise InputError(
            shown or "''", f"unknown instrument; available: {', '.join(known) or 'none'}"
        )
    return _load_bundled(instrument_id)


@cache
def _load_bundled(instrument_id: str) -> Instrument:
    entry = _data_dir().joinpath(f"{instrument_id}.toml")
    label = f"instrument file {instrument_id}.toml"
    try:
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{label}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{label}: not valid TOML ({exc})") from None
    try:
        return parse(data, expected_id=instrument_id)
    except _Problem as exc:
        raise ModelError(f"{label}: {exc}") from None


def load_file(path: str | Path) -> Instrument:
    """Validate and load an instrument file from anywhere (for authors of new instruments)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from None
    try:
        return parse(data, expected_id=path.stem)
    except _Problem as exc:
        raise InputError(str(path), str(exc)) from None


def clinical_cutoff(
    functional_mean: float, functional_sd: float, clinical_mean: float, clinical_sd: float
) -> float:
    """Jacobson & Truax (1991) cut-off *c*: the point between the functional and clinical
    distributions, weighted by their spreads.

    c = (SD_clinical * M_functional + SD_functional * M_clinical) / (SD_clinical + SD_functional)
    """
    if functional_sd <= 0 or clinical_sd <= 0:
        raise ValueError("standard deviations must be positive")
    return (clinical_sd * functional_mean + functional_sd * clinical_mean) / (
        clinical_sd + functional_sd
    )


# -- parsing -------------------------------------------------------------------------------------


def parse(data: Mapping[str, Any], expected_id: str | None = None) -> Instrument:
    """Build an :class:`Instrument` from parsed TOML, checking every rule; raises ``_Problem``.

    The shape (tables, keys, text and whole numbers) is checked first by
    :func:`.file_shape.check_shape`; what follows are the domain rules."""
    from mentalize.instruments.file_shape import ShapeProblem, check_shape  # pydantic: on first use

    try:
        check_shape(data)
    except ShapeProblem as exc:
        raise _Problem(exc.where, exc.problem) from None
    sources = _sources(_table(data, "sources", "file"))
    head = _table(data, "instrument", "file")
    instrument_id = _text(head, "id", "[instrument]")
    if not _ID.match(instrument_id):
        raise _Problem("[instrument] id", "use 2-32 lower-case letters and digits, e.g. 'phq9'")
    if instrument_id in RESERVED_IDS:
        raise _Problem("[instrument] id", f"'{instrument_id}' is reserved by the CLI")
    if expected_id is not None and instrument_id != expected_id:
        raise _Problem(
            "[instrument] id", f"'{instrument_id}' must match the file name '{expected_id}.toml'"
        )
    fhir_name = _text(head, "fhir_name", "[instrument]")
    if not _FHIR_NAME.match(fhir_name):
        raise _Problem(
            "[instrument] fhir_name", "start with a capital letter; letters, digits, _ only"
        )
    cites = tuple(
        _source_ref(sources, ref, "[instrument] cites")
        for ref in _list(head, "cites", "[instrument]")
    )
    if not cites:
        raise _Problem("[instrument] cites", "name at least one source")

    options = _options(_list(data, "options", "file"))
    answer_values = frozenset(o.value for o in options)
    items = _items(_list(data, "items", "file"))
    keys = _keys(data.get("keys", {}), answer_values)
    scales = _scales(_list(data, "scales", "file"), items, keys, options)
    scale_ids = {s.id: s for s in scales}
    bands = _bands(data.get("bands", []), scale_ids)
    critical = _critical(data.get("critical", []), items, answer_values)
    reliability = _reliability(data.get("reliability", []), scale_ids, sources)
    norms = _norms(data.get("norms", []), scale_ids, sources)
    change = _change(data.get("change"), scale_ids, sources)
    change_unavailable = _note(head, "change_unavailable")
    if change is None and not change_unavailable:
        raise _Problem(
            "[instrument] change_unavailable",
            "without a [change] table, say why change cannot be classified",
        )
    if change is not None and change_unavailable:
        raise _Problem("[instrument] change_unavailable", "remove it: a [change] table exists")

    return Instrument(
        id=instrument_id,
        fhir_name=fhir_name,
        short_title=_text(head, "short_title", "[instrument]"),
        title=_text(head, "title", "[instrument]"),
        version=_text(head, "version", "[instrument]"),
        construct=_text(head, "construct", "[instrument]"),
        instructions=_text(head, "instructions", "[instrument]"),
        limits=_text(head, "limits", "[instrument]"),
        licence=_text(head, "licence", "[instrument]"),
        attribution=_text(head, "attribution", "[instrument]"),
        options=options,
        items=items,
        keys=MappingProxyType(keys),
        scales=scales,
        bands=bands,
        critical=critical,
        reliability=reliability,
        norms=norms,
        sources=MappingProxyType(sources),
        cites=cites,
        change=change,
        change_unavailable=change_unavailable,
        norms_note=_note(head, "norms_note"),
        reliability_note=_note(head, "reliability_note"),
        code=_code(head.get("code"), "[instrument] code"),
    )


def _sources(table: Mapping[str, Any]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for source_id, entry in table.items():
        where = f"[sources.{source_id}]"
        if not isinstance(entry, Mapping):
            raise _Problem(where, "must be a table with a citation")
        out[source_id] = Source(
            id=source_id,
            citation=_text(entry, "citation", where),
            doi=_optional_text(entry, "doi", where),
            url=_optional_text(entry, "url", where),
        )
    if not out:
        raise _Problem("[sources]", "list at least one published source")
    return out


def _options(rows: list[Any]) -> tuple[ResponseOption, ...]:
    if len(rows) < 2:
        raise _Problem("[[options]]", "give at least two response options")
    options = []
    for n, row in enumerate(rows, start=1):
        where = f"[[options]] #{n}"
        options.append(
            ResponseOption(
                value=_int(row, "value", where),
                label=_text(row, "label", where),
                code=_code(row.get("code"), f"{where} code"),
            )
        )
    values = [o.value for o in options]
    if values != list(range(values[0], values[0] + len(values))):
        raise _Problem("[[options]]", "values must be consecutive whole numbers in order")
    return tuple(options)


def _items(rows: list[Any]) -> tuple[Item, ...]:
    if not rows:
        raise _Problem("[[items]]", "give at least one item")
    items = []
    for n, row in enumerate(rows, start=1):
        where = f"[[items]] #{n}"
        number = _int(row, "number", where)
        if number != n:
            raise _Problem(where, f"number is {number}; items must be numbered 1, 2, 3... in order")
        items.append(
            Item(number=number, text=_text(row, "text", where), code=_code(row.get("code"), where))
        )
    return tuple(items)


def _keys(table: Any, answer_values: frozenset[int]) -> dict[str, Key]:
    if not isinstance(table, Mapping):
        raise _Problem("[keys]", "must be a table of named keys")
    keys: dict[str, Key] = {}
    for key_id, entry in table.items():
        where = f"[keys.{key_id}]"
        if not isinstance(entry, Mapping):
            raise _Problem(where, "must be a table with 'map' and 'description'")
        raw_map = entry["map"]
        if not isinstance(raw_map, Mapping):
            raise _Problem(f"{where} map", "must be an inline table such as { 1 = 3, 2 = 2 }")
        mapping: dict[int, float] = {}
        for answer, scored in raw_map.items():
            try:
                value = int(answer)
            except ValueError:
                raise _Problem(f"{where} map", f"'{answer}' is not an answer value") from None
            if not _is_number(scored):
                raise _Problem(f"{where} map", f"answer {value} must map to a number")
            mapping[value] = scored
        if set(mapping) != answer_values:
            missing = sorted(answer_values - set(mapping))
            extra = sorted(set(mapping) - answer_values)
            detail = []
            if missing:
                detail.append(f"missing answers {missing}")
            if extra:
                detail.append(f"answers {extra} are not response options")
            raise _Problem(f"{where} map", "; ".join(detail))
        keys[key_id] = Key(
            id=key_id,
            map=MappingProxyType(dict(sorted(mapping.items()))),
            description=_text(entry, "description", where),
        )
    return keys


def _scales(
    rows: list[Any],
    items: tuple[Item, ...],
    keys: Mapping[str, Key],
    options: tuple[ResponseOption, ...],
) -> tuple[Scale, ...]:
    if not rows:
        raise _Problem("[[scales]]", "define at least one scale")
    scales: list[Scale] = []
    numbers = {i.number for i in items}
    for n, row in enumerate(rows, start=1):
        where = f"[[scales]] #{n}"
        scale_id = _text(row, "id", where)
        where = f"[[scales]] '{scale_id}'"
        if not re.match(r"^[a-z][a-z0-9_]*$", scale_id):
            raise _Problem(where, "id must be lower-case letters, digits and _")
        if any(s.id == scale_id for s in scales):
            raise _Problem(where, "duplicate scale id")
        method = _text(row, "method", where)
        if method not in SCALE_METHODS:
            raise _Problem(f"{where} method", f"must be one of {', '.join(SCALE_METHODS)}")
        scale_items = tuple(_int_list(row, "items", where))
        if not scale_items:
            raise _Problem(f"{where} items", "list at least one item")
        if len(set(scale_items)) != len(scale_items):
            raise _Problem(f"{where} items", "an item is listed twice")
        unknown = [i for i in scale_items if i not in numbers]
        if unknown:
            raise _Problem(f"{where} items", f"no such item(s) {unknown}")
        item_keys: dict[int, Key] = {}
        default_key = row.get("key")
        if default_key is not None:
            key = _key_ref(keys, default_key, f"{where} key")
            item_keys = dict.fromkeys(scale_items, key)
        overrides = row.get("item_keys", {})
        if not isinstance(overrides, Mapping):
            raise _Problem(f"{where} item_keys", "must be an inline table such as { 7 = 'rev' }")
        for item_text, key_ref in overrides.items():
            try:
                item_number = int(item_text)
            except ValueError:
                raise _Problem(f"{where} item_keys", f"'{item_text}' is not an item") from None
            if item_number not in scale_items:
                raise _Problem(f"{where} item_keys", f"item {item_number} is not on this scale")
            item_keys[item_number] = _key_ref(keys, key_ref, f"{where} item_keys")
        lows, highs = [], []
        for i in scale_items:
            item_key = item_keys.get(i)
            scored = list(item_key.map.values()) if item_key else [o.value for o in options]
            lows.append(min(scored))
            highs.append(max(scored))
        if method == "sum":
            minimum, maximum = float(sum(lows)), float(sum(highs))
        else:
            minimum, maximum = sum(lows) / len(lows), sum(highs) / len(highs)
        decimals = row.get("decimals", 0 if method == "sum" else 2)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            raise _Problem(f"{where} decimals", "must be a whole number from 0 to 6")
        scales.append(
            Scale(
                id=scale_id,
                label=_text(row, "label", where),
                method=method,
                items=scale_items,
                keys=MappingProxyType(item_keys),
                minimum=minimum,
                maximum=maximum,
                decimals=decimals,
                description=_text(row, "description", where),
                higher=_text(row, "higher", where),
                lower=_text(row, "lower", where),
                code=_code(row.get("code"), f"{where} code"),
            )
        )
    return tuple(scales)


def _bands(rows: Any, scales: Mapping[str, Scale]) -> tuple[Band, ...]:
    if not isinstance(rows, list):
        raise _Problem("[[bands]]", "must be an array of tables")
    bands: list[Band] = []
    for n, row in enumerate(rows, start=1):
        where = f"[[bands]] #{n}"
        scale_id = _text(row, "scale", where)
        if scale_id not in scales:
            raise _Problem(f"{where} scale", f"no scale '{scale_id}'")
        low, high = row["min"], row["max"]
        if not (_is_number(low) and _is_number(high)) or low > high:
            raise _Problem(where, "min and max must be numbers with min <= max")
        bands.append(
            Band(
                scale=scale_id,
                id=_text(row, "id", where),
                label=_text(row, "label", where),
                minimum=float(low),
                maximum=float(high),
                meaning=_text(row, "meaning", where),
            )
        )
    for scale_id, scale in scales.items():
        own = sorted((b for b in bands if b.scale == scale_id), key=lambda b: b.minimum)
        if not own:
            continue
        where = f"[[bands]] of scale '{scale_id}'"
        if not scale.integer_valued:
            raise _Problem(where, "bands are supported on whole-number (sum) scales only")
        if own[0].minimum != scale.minimum or own[-1].maximum != scale.maximum:
            raise _Problem(
                where,
                f"must cover the whole scale {_fmt(scale.minimum)}-{_fmt(scale.maximum)}",
            )
        for before, after in pairwise(own):
            if after.minimum != before.maximum + 1:
                raise _Problem(
                    where,
                    f"'{before.id}' ends at {_fmt(before.maximum)} but '{after.id}' starts at "
                    f"{_fmt(after.minimum)}: bands must not overlap or leave gaps",
                )
        ids = [b.id for b in own]
        if len(set(ids)) != len(ids):
            raise _Problem(where, "duplicate band id")
    return tuple(bands)


def _critical(
    rows: Any, items: tuple[Item, ...], answer_values: frozenset[int]
) -> tuple[CriticalItem, ...]:
    if not isinstance(rows, list):
        raise _Problem("[[critical]]", "must be an array of tables")
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"[[critical]] #{n}"
        item = _int(row, "item", where)
        if not 1 <= item <= len(items):
            raise _Problem(f"{where} item", f"no item {item}")
        min_answer = _int(row, "min_answer", where)
        if min_answer not in answer_values:
            raise _Problem(f"{where} min_answer", f"{min_answer} is not a response option")
        severity = _text(row, "severity", where)
        if severity not in SEVERITIES:
            raise _Problem(f"{where} severity", f"must be one of {', '.join(SEVERITIES)}")
        out.append(
            CriticalItem(
                item=item,
                min_answer=min_answer,
                flag=_text(row, "flag", where),
                severity=severity,
                message=_text(row, "message", where),
            )
        )
    return tuple(out)


def _reliability(
    rows: Any, scales: Mapping[str, Scale], sources: Mapping[str, Source]
) -> tuple[Reliability, ...]:
    if not isinstance(rows, list):
        raise _Problem("[[reliability]]", "must be an array of tables")
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"[[reliability]] #{n}"
        scale_id = _text(row, "scale", where)
        if scale_id not in scales:
            raise _Problem(f"{where} scale", f"no scale '{scale_id}'")
        value = row["value"]
        if not _is_number(value) or not 0 < value < 1:
            raise _Problem(f"{where} value", "a reliability coefficient lies between 0 and 1")
        out.append(
            Reliability(
                scale=scale_id,
                kind=_text(row, "kind", where),
                value=float(value),
                sample=_text(row, "sample", where),
                source=_source_ref(sources, row["source"], f"{where} source"),
            )
        )
    return tuple(out)


def _norms(
    rows: Any, scales: Mapping[str, Scale], sources: Mapping[str, Source]
) -> tuple[Norm, ...]:
    if not isinstance(rows, list):
        raise _Problem("[[norms]]", "must be an array of tables")
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"[[norms]] #{n}"
        scale_id = _text(row, "scale", where)
        if scale_id not in scales:
            raise _Problem(f"{where} scale", f"no scale '{scale_id}'")
        if not _is_number(row["mean"]) or not _is_number(row["sd"]) or row["sd"] <= 0:
            raise _Problem(where, "mean must be a number and sd a positive number")
        size = row.get("n")
        if size is not None and (not isinstance(size, int) or size <= 0):
            raise _Problem(f"{where} n", "must be a positive whole number")
        out.append(
            Norm(
                scale=scale_id,
                population=_text(row, "population", where),
                mean=float(row["mean"]),
                sd=float(row["sd"]),
                n=size,
                source=_source_ref(sources, row["source"], f"{where} source"),
            )
        )
    return tuple(out)


def _change(
    row: Any, scales: Mapping[str, Scale], sources: Mapping[str, Source]
) -> ChangeParameters | None:
    if row is None:
        return None
    where = "[change]"
    if not isinstance(row, Mapping):
        raise _Problem(where, "must be a table")
    scale_id = _text(row, "scale", where)
    if scale_id not in scales:
        raise _Problem(f"{where} scale", f"no scale '{scale_id}'")
    scale = scales[scale_id]
    direction = _text(row, "direction", where)
    if direction not in DIRECTIONS:
        raise _Problem(f"{where} direction", f"must be one of {', '.join(DIRECTIONS)}")
    method = _text(row, "method", where)
    if method not in CHANGE_METHODS:
        raise _Problem(f"{where} method", f"must be one of {', '.join(CHANGE_METHODS)}")
    source = _source_ref(sources, row["source"], f"{where} source")

    def positive(name: str) -> float | None:
        value = row.get(name)
        if value is None:
            return None
        if not _is_number(value) or value <= 0:
            raise _Problem(f"{where} {name}", "must be a positive number")
        return float(value)

    reliable_change = positive("reliable_change")
    sd = positive("sd")
    reliability = row.get("reliability")
    reliability_kind = _optional_text(row, "reliability_kind", where)
    if method == "threshold":
        if reliable_change is None:
            raise _Problem(where, "method 'threshold' needs reliable_change (points)")
        if sd is not None or reliability is not None:
            raise _Problem(where, "method 'threshold' takes no sd or reliability")
    else:
        if reliable_change is not None:
            raise _Problem(where, "method 'jacobson_truax' computes reliable_change; remove it")
        if sd is None:
            raise _Problem(where, "method 'jacobson_truax' needs sd (the clinical/pre-test SD)")
        if reliability is None or not _is_number(reliability) or not 0 < reliability < 1:
            raise _Problem(f"{where} reliability", "needs a coefficient between 0 and 1")
        if not reliability_kind:
            raise _Problem(where, "say which reliability was used in reliability_kind")

    cutoff = row.get("cutoff")
    means = [
        row.get(k) for k in ("functional_mean", "functional_sd", "clinical_mean", "clinical_sd")
    ]
    if cutoff is not None and any(m is not None for m in means):
        raise _Problem(where, "give either cutoff or the four means/SDs, not both")
    if cutoff is None and any(m is not None for m in means):
        if not all(_is_number(m) for m in means):
            raise _Problem(
                where, "functional_mean, functional_sd, clinical_mean, clinical_sd: give all four"
            )
        numbers = [float(m) for m in means if m is not None]  # all four, checked just above
        try:
            cutoff = clinical_cutoff(*numbers)
        except ValueError as exc:
            raise _Problem(where, str(exc)) from None
    if cutoff is not None:
        if not _is_number(cutoff) or not scale.minimum <= cutoff <= scale.maximum:
            raise _Problem(
                f"{where} cutoff",
                f"must lie within the scale {_fmt(scale.minimum)}-{_fmt(scale.maximum)}",
            )
        cutoff = float(cutoff)
    return ChangeParameters(
        scale=scale_id,
        direction=direction,
        method=method,
        source=source,
        reliable_change=reliable_change,
        sd=sd,
        reliability=None if reliability is None else float(reliability),
        reliability_kind=reliability_kind,
        cutoff=cutoff,
        cutoff_label=_optional_text(row, "cutoff_label", where),
        note=_note(row, "note"),
    )


# -- small checks --------------------------------------------------------------------------------


def _table(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = data.get(name)
    if not isinstance(value, Mapping):
        raise _Problem(f"[{name}]", "missing or not a table")
    return value


def _list(data: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise _Problem(f"{where} {name}", "missing or not a list")
    return value


def _text(row: Mapping[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"{where} {name}", "must be non-empty text")
    return " ".join(value.split())


def _note(row: Mapping[str, Any], name: str) -> str:
    """Optional free text, whitespace collapsed ('' when absent)."""
    value = row.get(name, "")
    if not isinstance(value, str):
        raise _Problem(name, "must be text")
    return " ".join(value.split())


def _optional_text(row: Mapping[str, Any], name: str, where: str) -> str | None:
    if row.get(name) is None:
        return None
    return _text(row, name, where)


def _int(row: Mapping[str, Any], name: str, where: str) -> int:
    value = row.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Problem(f"{where} {name}", "must be a whole number")
    return value


def _int_list(row: Mapping[str, Any], name: str, where: str) -> list[int]:
    value = row.get(name)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise _Problem(f"{where} {name}", "must be a list of whole numbers")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _code(value: Any, where: str) -> Code | None:
    if value is None:
        return None
    return Code(
        system=_text(value, "system", where),
        code=_text(value, "code", where),
        display=_optional_text(value, "display", where),
    )


def _key_ref(keys: Mapping[str, Key], ref: Any, where: str) -> Key:
    if not isinstance(ref, str) or ref not in keys:
        raise _Problem(where, f"no key '{ref}' in [keys]")
    return keys[ref]


def _source_ref(sources: Mapping[str, Source], ref: Any, where: str) -> Source:
    if not isinstance(ref, str) or ref not in sources:
        raise _Problem(where, f"no source '{ref}' in [sources]")
    return sources[ref]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
