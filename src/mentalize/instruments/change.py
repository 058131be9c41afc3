"""Change over time: reliable change (Jacobson & Truax 1991) and clinically significant change.

Two ways of deciding whether a change is reliable, chosen per instrument by its data file:

* ``jacobson_truax``: RCI = (post - pre) / S_diff, with S_E = SD * sqrt(1 - r) and
  S_diff = sqrt(2 * S_E**2) = sqrt(2) * SD * sqrt(1 - r); reliable when |RCI| > 1.96.
* ``threshold``: a published point criterion applied as published (the UK IAPT / NHS Talking
  Therapies programme counts a PHQ-9 change of 6 or more points, a GAD-7 change of 4 or more,
  as reliable). No reliability coefficient is applied by this tool in that case, and the output
  says so.

Clinically significant change: the score crosses the instrument's clinical cut-off (published
caseness threshold, or Jacobson & Truax's *c*) from the clinical into the functional range.

Classification (Jacobson & Truax 1991): **recovered** = reliable improvement and crossed the
cut-off; **improved** = reliable improvement only; **deteriorated** = reliable worsening;
**unchanged** = no reliable change. Instruments without published parameters get
``available = False`` and a sentence saying why, never a guessed classification.
"""

from __future__ import annotations

import math

from mentalize.errors import InputError
from mentalize.instruments.model import (
    RCI_CRITICAL,
    ChangeParameters,
    ChangeResult,
    Classification,
    Direction,
    Instrument,
    Scale,
)

__all__ = [
    "classify",
    "compare",
    "reliable_change_index",
    "s_diff",
    "s_diff_from_sem",
    "standard_error_of_measurement",
]


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """S_E = SD * sqrt(1 - r)."""
    if sd <= 0:
        raise ValueError("sd must be positive")
    if not 0 <= reliability < 1:
        raise ValueError("reliability must be in [0, 1)")
    return sd * math.sqrt(1 - reliability)


def s_diff_from_sem(sem: float) -> float:
    """S_diff = sqrt(2 * S_E**2): the standard error of the difference of two scores."""
    if sem <= 0:
        raise ValueError("sem must be positive")
    return math.sqrt(2 * sem**2)


def s_diff(sd: float, reliability: float) -> float:
    """S_diff = sqrt(2) * SD * sqrt(1 - r) (Jacobson & Truax 1991)."""
    return s_diff_from_sem(standard_error_of_measurement(sd, reliability))


def reliable_change_index(pre: float, post: float, sd: float, reliability: float) -> float:
    """RCI = (post - pre) / S_diff. |RCI| > 1.96 is reliable change at p < .05."""
    return (post - pre) / s_diff(sd, reliability)


def classify(
    pre: float,
    post: float,
    *,
    reliable: bool,
    direction: Direction,
    cutoff: float | None,
) -> tuple[Classification, bool | None]:
    """Jacobson & Truax's four categories, and whether the cut-off was crossed into the
    functional range (None when no cut-off is published)."""
    better = post < pre if direction == "lower_is_better" else post > pre
    crossed = None
    if cutoff is not None:
        crossed = _is_case(pre, cutoff, direction) and not _is_case(post, cutoff, direction)
    if not reliable or pre == post:
        return "unchanged", crossed
    if not better:
        return "deteriorated", crossed
    return ("recovered" if crossed else "improved"), crossed


def _is_case(score: float, cutoff: float, direction: Direction) -> bool:
    """In the clinical range: at or above the cut-off when lower is better, else at or below."""
    return score >= cutoff if direction == "lower_is_better" else score <= cutoff


def _finite(value: float) -> bool:
    """``math.isfinite`` that says False, not OverflowError, for an int too large for a float."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _checked_score(instrument: Instrument, scale: Scale, value: float, option: str) -> float:
    where = f"{instrument.id} {option}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise InputError(where, "must be a number")
    if scale.integer_valued and not float(value).is_integer():
        raise InputError(
            where,
            f"{value:g} is not a whole number; {scale.id} scores are whole numbers "
            f"{_fmt(scale.minimum)}-{_fmt(scale.maximum)}",
        )
    if not scale.minimum <= value <= scale.maximum:
        raise InputError(
            where,
            f"{value:g} is out of range; valid {scale.id} scores are "
            f"{_fmt(scale.minimum)}-{_fmt(scale.maximum)}",
        )
    return value


def compare(
    instrument: Instrument | str,
    pre: float,
    post: float,
    scale: str | None = None,
) -> ChangeResult:
    """Reliable and clinically significant change from ``pre`` to ``post`` on one scale.

    ``scale`` defaults to the scale the instrument's change parameters describe (its first scale
    when it has none). Out-of-range scores raise :class:`InputError`.
    """
    if not isinstance(instrument, Instrument):
        from mentalize.instruments.loader import load

        instrument = load(instrument)
    params = instrument.change
    scale_id = scale or (params.scale if params is not None else instrument.scales[0].id)
    try:
        target = instrument.scale(scale_id)
    except KeyError:
        known = ", ".join(s.id for s in instrument.scales)
        raise InputError(
            f"{instrument.id} --scale", f"no scale '{scale_id}'; scales: {known}"
        ) from None
    pre = _checked_score(instrument, target, pre, "--pre")
    post = _checked_score(instrument, target, post, "--post")

    if params is None or params.scale != target.id:
        reason = (
            instrument.change_unavailable
            if params is None
            else f"published change parameters exist only for the '{params.scale}' scale"
        )
        return ChangeResult(
            instrument=instrument.id,
            version=instrument.version,
            scale=target.id,
            pre=pre,
            post=post,
            available=False,
            method=None,
            direction=None,
            rci=None,
            s_diff=None,
            reliable_change=None,
            reliability=None,
            reliability_kind=None,
            cutoff=None,
            reliable=None,
            clinically_significant=None,
            classification=None,
            explanation=(
                f"Change classification unavailable for {instrument.short_title} "
                f"{target.id}: {reason} The raw change is {_signed(post - pre)}."
            ),
            source=None,
        )
    return _with_parameters(instrument, params, pre, post)


def _with_parameters(
    instrument: Instrument, params: ChangeParameters, pre: float, post: float
) -> ChangeResult:
    delta = post - pre
    rci = sdiff = None
    if params.method == "jacobson_truax":
        assert params.sd is not None and params.reliability is not None
        sdiff = s_diff(params.sd, params.reliability)
        rci = delta / sdiff
        reliable = abs(rci) > RCI_CRITICAL
        criterion = RCI_CRITICAL * sdiff
        sd, r = params.sd, params.reliability
        how = (
            f"RCI = {rci:.2f} (S_diff = sqrt(2) x SD {sd:g} x sqrt(1 - r {r:g}) = {sdiff:.2f}); "
            f"|RCI| > 1.96, i.e. a change of more than {criterion:.2f} points, is reliable. "
            f"Reliability used: r = {r:g} ({params.reliability_kind})."
        )
    else:
        assert params.reliable_change is not None
        criterion = params.reliable_change
        reliable = abs(delta) >= criterion
        how = (
            f"Reliable change criterion: a change of {_fmt(criterion)} or more points, applied as "
            "published; no reliability coefficient is applied by this tool for this instrument."
        )
    classification, crossed = classify(
        pre, post, reliable=reliable, direction=params.direction, cutoff=params.cutoff
    )
    if params.cutoff is None:
        significance = "No clinical cut-off is published, so recovery cannot be judged."
    else:
        label = params.cutoff_label or "clinical cut-off"
        side = "more" if params.direction == "lower_is_better" else "less"
        rule = f"{label}: {_fmt(params.cutoff)} or {side} is in the clinical range"
        if not _is_case(pre, params.cutoff, params.direction):
            if _is_case(post, params.cutoff, params.direction):
                significance = f"The score moved into the clinical range ({rule})."
            else:
                significance = (
                    f"Neither score is in the clinical range ({rule}), so recovery does not "
                    "apply; only reliable improvement or deterioration can be judged."
                )
        elif crossed:
            significance = f"The score moved out of the clinical range ({rule})."
        else:
            significance = f"The score stayed in the clinical range ({rule})."
    verdict = {
        "recovered": "Recovered: reliable improvement and crossed the cut-off.",
        "improved": "Improved: reliable improvement without crossing the cut-off.",
        "unchanged": "Unchanged: the change is within measurement error.",
        "deteriorated": "Deteriorated: reliable worsening.",
    }[classification]
    explanation = (
        f"{instrument.short_title} {params.scale}: {_fmt(pre)} -> {_fmt(post)} "
        f"(change {_signed(delta)}; {params.direction.replace('_', ' ')}). {verdict} "
        f"{how} {significance} {params.note} Source: {params.source.citation}"
    )
    return ChangeResult(
        instrument=instrument.id,
        version=instrument.version,
        scale=params.scale,
        pre=pre,
        post=post,
        available=True,
        method=params.method,
        direction=params.direction,
        rci=rci,
        s_diff=sdiff,
        reliable_change=criterion,
        reliability=params.reliability,
        reliability_kind=params.reliability_kind
        or "none applied: published point criterion used as published",
        cutoff=params.cutoff,
        reliable=reliable,
        clinically_significant=crossed,
        classification=classification,
        explanation=" ".join(explanation.split()),
        source=params.source.citation,
    )


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _fmt(value)
