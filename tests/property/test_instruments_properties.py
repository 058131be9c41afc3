"""Property tests for the instrument scorer (``mentalize.instruments``) and ``mentalize assess``.

Valid answers always give scores inside each scale's stated range, the band that contains the
headline score and exactly the flags the critical items call for; anything else (out of range,
missing, wrong type, wrong count, junk strings) is the scorer's one-line InputError and never
another exception.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mentalize import instruments
from mentalize.cli import app
from mentalize.errors import InputError
from mentalize.instruments.model import CLASSIFICATIONS, Instrument
from tests.property.budget import budget

NAMES = instruments.available()
runner = CliRunner()


def load(name: str) -> Instrument:
    return instruments.load(name)


@st.composite
def valid_answers(draw: st.DrawFn, name: str) -> list[int]:
    inst = load(name)
    return draw(
        st.lists(
            st.integers(inst.min_answer, inst.max_answer),
            min_size=len(inst.items),
            max_size=len(inst.items),
        )
    )


def check_clean_error(error: InputError, name: str) -> None:
    message = str(error)
    assert message.startswith(name), message
    assert "\n" not in message
    assert "Traceback" not in message


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
@budget(60)
def test_valid_answers_give_in_range_scores_band_and_flags(name: str, data: st.DataObject) -> None:
    inst = load(name)
    answers = data.draw(valid_answers(name))
    result = instruments.score(name, answers)
    assert result.answers == tuple(answers)
    for scale in inst.scales:
        value = result.scores[scale.id]
        assert math.isfinite(value)
        assert scale.minimum <= value <= scale.maximum, (scale.id, value)
    headline = next((s for s in inst.scales if inst.bands_for(s.id)), None)
    if headline is not None:
        assert result.band is not None and result.band.contains(result.scores[headline.id])
    expected_flags = [c.item for c in inst.critical if answers[c.item - 1] >= c.min_answer]
    assert [flag.item for flag in result.flags] == expected_flags
    # the same answers as strings, and as the CLI's comma list, score the same
    assert instruments.score(name, [f" {a} " for a in answers]).scores == result.scores
    assert instruments.score(name, ",".join(map(str, answers))).scores == result.scores
    json.dumps(result.to_dict())  # JSON-ready, no NaN-only types


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
@budget(40)
def test_one_bad_answer_is_named_by_item(name: str, data: st.DataObject) -> None:
    inst = load(name)
    answers: list[object] = list(data.draw(valid_answers(name)))
    item = data.draw(st.integers(1, len(answers)))
    bad = data.draw(
        st.one_of(
            st.integers().filter(lambda v: not inst.min_answer <= v <= inst.max_answer),
            st.floats(allow_nan=True, allow_infinity=True),
            st.none(),
            st.booleans(),
            st.text(max_size=20).filter(lambda s: not s.strip().lstrip("+-").isdigit()),
            st.from_regex(r"\A[+-]?[1-9][0-9]{9,6000}\Z"),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        )
    )
    answers[item - 1] = bad
    with pytest.raises(InputError) as info:
        instruments.score(name, answers)
    check_clean_error(info.value, f"{name} item {item}")


@pytest.mark.parametrize("name", NAMES)
@given(count=st.integers(0, 40))
@budget(20)
def test_the_wrong_number_of_answers_says_how_many(name: str, count: int) -> None:
    inst = load(name)
    assume(count != len(inst.items))
    with pytest.raises(InputError) as info:
        instruments.score(name, [inst.min_answer] * count)
    check_clean_error(info.value, name)
    assert f"expected {len(inst.items)} answers" in str(info.value)


@given(
    name=st.sampled_from(NAMES),
    answers=st.one_of(
        st.text(max_size=80),
        st.lists(
            st.one_of(st.integers(-5, 10), st.text(max_size=4), st.none(), st.floats()),
            max_size=12,
        ),
    ),
)
@budget(100)
def test_any_answers_score_or_fail_with_input_error(name: str, answers: object) -> None:
    try:
        result = instruments.score(name, answers)  # type: ignore[arg-type]
    except InputError as error:
        check_clean_error(error, name)
        return
    inst = load(name)
    assert len(result.answers) == len(inst.items)
    assert all(inst.min_answer <= a <= inst.max_answer for a in result.answers)


@given(
    name=st.sampled_from(NAMES),
    pre=st.one_of(st.floats(allow_nan=True), st.integers(-(10**400), 10**400)),
    post=st.one_of(st.floats(allow_nan=True), st.integers(-(10**400), 10**400)),
)
@budget(100)
def test_compare_classifies_in_range_scores_and_refuses_others(
    name: str, pre: float, post: float
) -> None:
    inst = load(name)
    scale = inst.scale(inst.change.scale) if inst.change is not None else inst.scales[0]
    try:
        result = instruments.compare(name, pre, post)
    except InputError as error:
        check_clean_error(error, name)
        in_range = all(
            isinstance(v, int | float)
            and scale.minimum <= v <= scale.maximum  # False for NaN; no float() of a huge int
            and (not scale.integer_valued or float(v).is_integer())
            for v in (pre, post)
        )
        assert not in_range, "a valid pair of scores was refused"
        return
    assert scale.minimum <= result.pre <= scale.maximum
    assert scale.minimum <= result.post <= scale.maximum
    assert result.classification is None or result.classification in CLASSIFICATIONS


@given(
    name=st.sampled_from(NAMES),
    answers=st.one_of(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
        st.lists(st.integers(-2, 9).map(str), min_size=1, max_size=12).map(",".join),
    ),
)
@budget(40)
def test_assess_cli_scores_or_prints_one_error_line(name: str, answers: str) -> None:
    assume(not answers.startswith("-") and "\x00" not in answers)
    result = runner.invoke(app, ["assess", name, "--answers", answers])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 0:
        assert name.upper()[:3] in result.output.upper()
        return
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mentalize: error: "), result.stderr
