"""One generic scorer for every instrument: validate answers, recode, sum or average, band, flag.

Pure functions: no printing, no files. Every bad answer raises :class:`InputError` naming the
instrument, the item and the valid range, e.g. ``phq9 item 3: 4 is out of range; valid answers
are 0-3 (0 = Not at all, ...)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from types import MappingProxyType

from mentalize.errors import InputError
from mentalize.instruments.model import Band, Flag, Instrument, Scale, ScoreResult

__all__ = ["interpret", "parse_answer", "parse_answers", "scale_score", "score"]

_WHOLE = re.compile(r"^[+-]?\d+$")
# More digits than any answer scale needs; int() refuses strings over 4300 digits with a bare
# ValueError, so a long run of digits is reported as out of range before converting it.
_MAX_DIGITS = 9


def _instrument(instrument: Instrument | str) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    from mentalize.instruments.loader import load

    return load(instrument)


def _range(instrument: Instrument) -> str:
    return (
        f"valid answers are {instrument.min_answer}-{instrument.max_answer} "
        f"({instrument.options_text()})"
    )


def parse_answer(instrument: Instrument, item: int, raw: object) -> int:
    """One answer as a whole number within the response options, or an InputError saying why."""
    where = f"{instrument.id} item {item}"
    if isinstance(raw, bool):
        raise InputError(where, f"not a whole number; {_range(instrument)}")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise InputError(where, f"no answer given; {_range(instrument)}")
        shown = text if len(text) <= 12 else text[:12] + "..."
        if not _WHOLE.match(text):
            raise InputError(where, f"'{shown}' is not a whole number; {_range(instrument)}")
        if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            raise InputError(where, f"'{shown}' is out of range; {_range(instrument)}")
        value = int(text)
    else:
        raise InputError(where, f"not a whole number; {_range(instrument)}")
    if not instrument.min_answer <= value <= instrument.max_answer:
        raise InputError(where, f"{value} is out of range; {_range(instrument)}")
    return value


def parse_answers(instrument: Instrument | str, answers: str | Iterable[object]) -> tuple[int, ...]:
    """All answers, in item order: a comma-separated string (``"1,2,0"``) or a sequence."""
    inst = _instrument(instrument)
    tokens = answers.split(",") if isinstance(answers, str) else list(answers)
    n = len(inst.items)
    if isinstance(answers, str) and not answers.strip():
        tokens = []
    if len(tokens) != n:
        raise InputError(
            inst.id,
            f"expected {n} answers (items 1-{n}, each {inst.min_answer}-{inst.max_answer}), "
            f"got {len(tokens)}",
        )
    return tuple(parse_answer(inst, i, raw) for i, raw in enumerate(tokens, start=1))


def scale_score(scale: Scale, answers: Sequence[int]) -> float:
    """The scale's value from already-validated answers (index 0 = item 1)."""
    values = []
    for item in scale.items:
        raw = answers[item - 1]
        key = scale.keys.get(item)
        values.append(key(raw) if key is not None else raw)
    total = sum(values)
    if scale.method == "sum":
        return total
    return round(total / len(values), scale.decimals)


def score(instrument: Instrument | str, answers: str | Iterable[object]) -> ScoreResult:
    """Score one administration: answers in item order, validated against the instrument."""
    inst = _instrument(instrument)
    parsed = parse_answers(inst, answers)
    scores = {scale.id: scale_score(scale, parsed) for scale in inst.scales}
    band = _band(inst, scores)
    flags = tuple(
        Flag(
            id=c.flag,
            item=c.item,
            answer=parsed[c.item - 1],
            severity=c.severity,
            message=c.message,
        )
        for c in inst.critical
        if parsed[c.item - 1] >= c.min_answer
    )
    return ScoreResult(
        instrument=inst.id,
        version=inst.version,
        answers=parsed,
        scores=MappingProxyType(scores),
        band=band,
        flags=flags,
        interpretation=interpret(inst, scores, band, flags),
    )


def _band(instrument: Instrument, scores: dict[str, float]) -> Band | None:
    """The band of the first scale that has published bands (the instrument's headline score)."""
    for scale in instrument.scales:
        for band in instrument.bands_for(scale.id):
            if band.contains(scores[scale.id]):
                return band
    return None


def _fmt(value: float, decimals: int = 0) -> str:
    if decimals == 0 and float(value).is_integer():
        return str(int(value))
    return f"{value:.{max(decimals, 1)}f}"


def interpret(
    instrument: Instrument,
    scores: dict[str, float],
    band: Band | None,
    flags: Sequence[Flag],
) -> str:
    """Plain text: each score, its range and what higher and lower mean; the band and its
    published meaning; any flag; then the instrument's stated limits. No invented norms."""
    parts: list[str] = []
    for flag in flags:
        parts.append(f"FLAG (item {flag.item} answered {flag.answer}): {flag.message}")
    for scale in instrument.scales:
        value = scores[scale.id]
        text = (
            f"{scale.label} = {_fmt(value, scale.decimals)} (possible range "
            f"{_fmt(scale.minimum, scale.decimals)}-{_fmt(scale.maximum, scale.decimals)})"
        )
        scale_band = band if band is not None and band.scale == scale.id else None
        if scale_band is not None:
            text += (
                f": {scale_band.label} range ({_fmt(scale_band.minimum)}-"
                f"{_fmt(scale_band.maximum)}). {scale_band.meaning}"
            )
        else:
            text += "."
        text += f" {scale.description} Higher scores: {scale.higher} Lower scores: {scale.lower}"
        parts.append(text)
    if not instrument.bands:
        parts.append(
            "No published cut-offs or severity bands exist for this instrument, so none are shown."
        )
    parts.append(instrument.limits)
    return " ".join(" ".join(p.split()) for p in parts)
