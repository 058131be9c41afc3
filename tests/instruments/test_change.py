"""Reliable change (Jacobson & Truax 1991) and clinically significant change."""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import pytest

from mentalize import instruments
from mentalize.errors import InputError
from mentalize.instruments.loader import parse

# --- the formula against a published worked example ---------------------------------------------


def test_rci_matches_a_published_worked_example():
    """Wodrich, open textbook (University of Arizona Libraries), Appendix E "How to Calculate
    Reliable Change Indexes (RCIs)",
    https://opentextbooks.library.arizona.edu/wodrichseas/back-matter/how-to-calculate-a-reliable-change-index-rci
    Piers-Harris-2 Total Score SEM = 3.07 (Piers & Herzberg 2002):
    SEM^2 = 9.42; x 2 = 18.84; sqrt = 4.34 (S_diff); x 1.96 = 8.51 (criterion);
    pre 24, post 35: change 11 > 8.51, "reliable change was detected"."""
    sdiff = instruments.s_diff_from_sem(3.07)
    assert round(3.07**2, 2) == 9.42
    assert round(round(3.07**2, 2) * 2, 2) == 18.84  # the textbook rounds at each step
    assert round(sdiff, 2) == 4.34
    assert round(1.96 * sdiff, 2) == 8.51
    rci = (35 - 24) / sdiff
    assert rci > 1.96
    assert round(rci, 2) == 2.53  # 11 / 4.3417


def test_s_diff_is_sqrt2_sd_sqrt_one_minus_r():
    # Jacobson & Truax (1991): S_E = s1 * sqrt(1 - rxx); S_diff = sqrt(2 * S_E^2).
    # Hand-computed: SD 10, r .75 -> S_E = 10 * 0.5 = 5; S_diff = sqrt(50) = 7.0711.
    assert instruments.standard_error_of_measurement(10, 0.75) == pytest.approx(5.0)
    assert instruments.s_diff(10, 0.75) == pytest.approx(math.sqrt(50))
    assert instruments.s_diff(10, 0.75) == pytest.approx(math.sqrt(2) * 10 * math.sqrt(0.25))
    # RCI = (post - pre) / S_diff: (30 - 45) / 7.0711 = -2.1213
    assert instruments.reliable_change_index(45, 30, 10, 0.75) == pytest.approx(-2.12132, 1e-5)


@pytest.mark.parametrize(("sd", "r"), [(0, 0.8), (-1, 0.8), (5, 1.0), (5, -0.1)])
def test_s_diff_refuses_impossible_parameters(sd, r):
    with pytest.raises(ValueError):
        instruments.s_diff(sd, r)


def test_clinical_cutoff_c():
    # c = (SD1 * M0 + SD0 * M1) / (SD0 + SD1); hand-computed: M0 5, SD0 4, M1 20, SD1 6
    # -> (6 * 5 + 4 * 20) / 10 = 11.0
    assert instruments.clinical_cutoff(5, 4, 20, 6) == pytest.approx(11.0)
    # equal SDs -> midpoint
    assert instruments.clinical_cutoff(10, 5, 30, 5) == pytest.approx(20.0)


# --- classification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pre", "post", "reliable", "cutoff", "expected"),
    [
        (20, 8, True, 10, ("recovered", True)),
        (20, 12, True, 10, ("improved", False)),
        (20, 18, False, 10, ("unchanged", False)),
        (12, 20, True, 10, ("deteriorated", False)),
        (8, 2, True, 10, ("improved", False)),  # not a case at pre: cannot "recover"
        (20, 8, True, None, ("improved", None)),  # no cut-off published
        (20, 8, False, 10, ("unchanged", True)),  # crossed, but within measurement error
    ],
)
def test_classify_lower_is_better(pre, post, reliable, cutoff, expected):
    assert (
        instruments.classify(
            pre, post, reliable=reliable, direction="lower_is_better", cutoff=cutoff
        )
        == expected
    )


def test_classify_higher_is_better():
    kw = {"reliable": True, "direction": "higher_is_better", "cutoff": 10}
    assert instruments.classify(5, 15, **kw) == ("recovered", True)
    assert instruments.classify(2, 8, **kw) == ("improved", False)
    assert instruments.classify(15, 5, **kw) == ("deteriorated", False)


# --- PHQ-9 and GAD-7 with the IAPT criteria ------------------------------------------------------


@pytest.mark.parametrize(
    ("pre", "post", "classification"),
    [
        (18, 8, "recovered"),  # -10, from caseness (>=10) to below 10
        (16, 10, "improved"),  # -6 exactly: reliable; 10 is still caseness
        (15, 9, "recovered"),  # -6 and below 10
        (15, 10, "unchanged"),  # -5: below the 6-point criterion
        (12, 7, "unchanged"),  # -5: crossed 10 but not reliably
        (8, 14, "deteriorated"),  # +6
        (8, 13, "unchanged"),  # +5
        (9, 2, "improved"),  # below caseness at pre: reliable improvement only
        (0, 0, "unchanged"),
        (27, 0, "recovered"),
    ],
)
def test_phq9_iapt_change(pre, post, classification):
    result = instruments.compare("phq9", pre, post)
    assert result.classification == classification
    assert result.method == "threshold"
    assert result.reliable_change == 6
    assert result.cutoff == 10


@pytest.mark.parametrize(
    ("pre", "post", "classification"),
    [
        (12, 7, "recovered"),  # -5: reliable (>=4), 8+ caseness -> 7
        (12, 8, "improved"),  # -4 exactly: reliable; 8 is still caseness
        (11, 8, "unchanged"),  # -3
        (5, 9, "deteriorated"),  # +4
        (8, 4, "recovered"),  # -4, 8 -> 4
    ],
)
def test_gad7_iapt_change(pre, post, classification):
    result = instruments.compare("gad7", pre, post)
    assert result.classification == classification
    assert result.reliable_change == 4
    assert result.cutoff == 8


def test_change_output_states_method_reliability_and_source():
    data = instruments.compare("phq9", 18, 8).to_dict()
    assert data["available"] is True
    assert data["change"] == -10
    assert data["reliable"] is True and data["clinically_significant"] is True
    assert data["rci"] is None  # a point criterion, not an RCI, for this instrument
    assert data["reliability"] == {
        "value": None,
        "kind": "none applied: published point criterion used as published",
    }
    assert "IAPT" in data["source"]
    assert "6 or more points" in data["explanation"]


def test_rfq8_change_is_unavailable_and_says_why():
    result = instruments.compare("rfq8", 1.5, 0.5)
    assert result.available is False
    assert result.classification is None and result.reliable is None
    assert "unavailable" in result.explanation
    assert "no published reliable-change parameters" in result.explanation
    assert result.to_dict()["change"] == -1
    assert instruments.compare("rfq8", 1, 2, scale="rfq_u").scale == "rfq_u"


@pytest.mark.parametrize(
    ("name", "pre", "post", "fragment"),
    [
        ("phq9", 30, 8, "phq9 --pre: 30 is out of range; valid total scores are 0-27"),
        ("phq9", 10, -1, "phq9 --post: -1 is out of range"),
        ("phq9", 10.5, 8, "not a whole number"),
        ("gad7", 22, 8, "0-21"),
        ("rfq8", 3.5, 1, "0-3"),
    ],
)
def test_out_of_range_scores_are_refused(name, pre, post, fragment):
    with pytest.raises(InputError) as caught:
        instruments.compare(name, pre, post)
    assert fragment in str(caught.value)


def test_unknown_scale_is_refused():
    with pytest.raises(InputError, match="no scale 'rfq_x'; scales: rfq_c, rfq_u"):
        instruments.compare("rfq8", 1, 1, scale="rfq_x")


# --- Jacobson & Truax method through the generic engine ------------------------------------------


def _toy_jacobson_truax():
    """RFQ-8's file with a hypothetical J&T [change] table for RFQ_u. The numbers are made up to
    exercise the engine; they are NOT published RFQ parameters (none are shipped)."""
    text = resources.files("mentalize.instruments").joinpath("data/rfq8.toml").read_text()
    data = tomllib.loads(text)
    data["instrument"].pop("change_unavailable")
    data["change"] = {
        "scale": "rfq_u",
        "direction": "lower_is_better",
        "method": "jacobson_truax",
        "sd": 0.5,
        "reliability": 0.8,
        "reliability_kind": "hypothetical test-retest",
        "functional_mean": 0.5,
        "functional_sd": 0.4,
        "clinical_mean": 2.0,
        "clinical_sd": 0.6,
        "source": "fonagy2016",
    }
    return parse(data, expected_id="rfq8")


def test_jacobson_truax_engine_hand_computed():
    inst = _toy_jacobson_truax()
    # S_diff = sqrt(2) * 0.5 * sqrt(0.2) = 0.31623; criterion 1.96 * S_diff = 0.61981
    # c = (0.6 * 0.5 + 0.4 * 2.0) / 1.0 = 1.1
    assert inst.change.cutoff == pytest.approx(1.1)
    recovered = instruments.compare(inst, 2.0, 1.0)
    assert recovered.s_diff == pytest.approx(0.316228, 1e-5)
    assert recovered.rci == pytest.approx(-3.16228, 1e-5)  # (1.0 - 2.0) / 0.31623
    assert recovered.reliable_change == pytest.approx(0.619806, 1e-5)
    assert recovered.classification == "recovered"
    assert recovered.reliability == 0.8
    assert recovered.reliability_kind == "hypothetical test-retest"
    assert "Reliability used: r = 0.8 (hypothetical test-retest)" in recovered.explanation
    improved = instruments.compare(inst, 2.5, 1.5)  # RCI -3.16 but 1.5 >= c 1.1
    assert improved.classification == "improved"
    unchanged = instruments.compare(inst, 2.0, 1.5)  # RCI -1.58
    assert unchanged.classification == "unchanged"
    assert unchanged.rci == pytest.approx(-1.58114, 1e-5)
    assert instruments.compare(inst, 1.0, 2.0).classification == "deteriorated"
    # the other scale has no parameters
    other = instruments.compare(inst, 1.0, 2.0, scale="rfq_c")
    assert other.available is False
    assert "only for the 'rfq_u' scale" in other.explanation
