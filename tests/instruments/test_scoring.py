"""Scoring keys against hand-computed cases: every item, both extremes, every reverse-keyed item.

Expected values below are worked out by hand from the published keys (stated next to each case),
not computed from the data files, so a wrong key in a data file fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mentalize import instruments
from mentalize.errors import InputError

# --- the bundled instruments -------------------------------------------------------------------


def test_bundled_instruments_load_and_validate():
    assert instruments.available() == ("gad7", "phq9", "rfq8")
    for name in instruments.available():
        inst = instruments.load(name)
        assert inst.id == name
        assert inst.cites and all(s.citation for s in inst.cites)
        assert inst.licence and inst.attribution and inst.limits


@pytest.mark.parametrize("alias", ["PHQ-9", "phq_9", " phq9 ", "Phq9"])
def test_instrument_names_are_forgiving(alias):
    assert instruments.load(alias).id == "phq9"


def test_importing_reads_no_instrument_file():
    code = (
        "import mentalize, mentalize.instruments, mentalize.cli\n"
        "from mentalize.instruments import loader\n"
        "assert loader.available.cache_info().currsize == 0\n"
        "assert loader._load_bundled.cache_info().currsize == 0\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- PHQ-9 (Kroenke, Spitzer & Williams 2001): sum of 9 items 0-3; bands 0-4/5-9/10-14/15-19/20-27


def phq9(*answers):
    return instruments.score("phq9", list(answers))


def test_phq9_all_minimum_and_all_maximum():
    low = phq9(0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert low.scores == {"total": 0}
    assert low.band.id == "minimal"
    assert low.flags == ()
    high = phq9(3, 3, 3, 3, 3, 3, 3, 3, 3)
    assert high.scores == {"total": 27}
    assert high.band.id == "severe"
    assert [f.item for f in high.flags] == [9]


def test_phq9_hand_computed_mixed_case():
    # 0+1+2+3+0+1+2+3+0 = 12 -> moderate (10-14); item 9 = 0 -> no flag
    result = phq9(0, 1, 2, 3, 0, 1, 2, 3, 0)
    assert result.scores["total"] == 12
    assert result.band.id == "moderate"
    assert result.flags == ()
    assert result.answers == (0, 1, 2, 3, 0, 1, 2, 3, 0)


@pytest.mark.parametrize("item", range(1, 10))
def test_phq9_each_item_adds_its_answer_unrecoded(item):
    for answer in range(4):
        answers = [0] * 9
        answers[item - 1] = answer
        assert phq9(*answers).scores["total"] == answer


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total, band):
    answers = []
    left = total
    for _ in range(8):  # keep item 9 at 0 so the band is not confounded with the flag
        answers.append(min(3, left))
        left -= answers[-1]
    answers.append(left)
    assert sum(answers) == total and all(0 <= a <= 3 for a in answers)
    assert phq9(*answers).band.id == band


@pytest.mark.parametrize("answer", [1, 2, 3])
def test_phq9_item9_above_zero_raises_a_risk_flag_whatever_the_total(answer):
    result = phq9(0, 0, 0, 0, 0, 0, 0, 0, answer)
    assert result.band.id == "minimal"
    (flag,) = result.flags
    assert (flag.item, flag.answer, flag.severity) == (9, answer, "risk")
    assert "risk protocol" in flag.message
    assert result.interpretation.startswith("FLAG (item 9")
    assert result.to_dict()["flags"][0]["id"] == "phq9_item9_self_harm_thoughts"


def test_phq9_item9_zero_raises_no_flag():
    assert phq9(3, 3, 3, 3, 3, 3, 3, 3, 0).flags == ()


# --- GAD-7 (Spitzer et al. 2006): sum of 7 items 0-3; bands 0-4/5-9/10-14/15-21 -----------------


def gad7(*answers):
    return instruments.score("gad7", list(answers))


def test_gad7_all_minimum_all_maximum_and_mixed():
    assert gad7(0, 0, 0, 0, 0, 0, 0).scores["total"] == 0
    assert gad7(0, 0, 0, 0, 0, 0, 0).band.id == "minimal"
    assert gad7(3, 3, 3, 3, 3, 3, 3).scores["total"] == 21
    assert gad7(3, 3, 3, 3, 3, 3, 3).band.id == "severe"
    # 2+1+2+1+0+1+2 = 9 -> mild
    assert gad7(2, 1, 2, 1, 0, 1, 2).scores["total"] == 9
    assert gad7(2, 1, 2, 1, 0, 1, 2).band.id == "mild"
    assert gad7(3, 3, 3, 3, 3, 3, 3).flags == ()


@pytest.mark.parametrize("item", range(1, 8))
def test_gad7_each_item_adds_its_answer_unrecoded(item):
    for answer in range(4):
        answers = [0] * 7
        answers[item - 1] = answer
        assert gad7(*answers).scores["total"] == answer


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ((3, 1, 0, 0, 0, 0, 0), "minimal"),  # 4
        ((3, 2, 0, 0, 0, 0, 0), "mild"),  # 5
        ((3, 3, 3, 0, 0, 0, 0), "mild"),  # 9
        ((3, 3, 3, 1, 0, 0, 0), "moderate"),  # 10
        ((3, 3, 3, 3, 2, 0, 0), "moderate"),  # 14
        ((3, 3, 3, 3, 3, 0, 0), "severe"),  # 15
    ],
)
def test_gad7_band_boundaries(answers, band):
    assert gad7(*answers).band.id == band


# --- RFQ-8 (Fonagy et al. 2016; key from docs/mbt-constructs.md section 5) -----------------------
# RFQ_c = mean of items 1-6 recoded 1->3, 2->2, 3->1, 4-7->0.
# RFQ_u = mean of items 2,4,5,6,8 recoded 1-4->0, 5->1, 6->2, 7->3 and item 7 recoded 1->3, 2->2,
#         3->1, 4-7->0.


def rfq(*answers):
    return instruments.score("rfq8", list(answers)).scores


def test_rfq8_all_minimum():
    # c: six items at 1 -> 3 each -> 3.0; u: items 2,4,5,6,8 at 1 -> 0, item 7 at 1 -> 3 -> 3/6
    assert rfq(1, 1, 1, 1, 1, 1, 1, 1) == {"rfq_c": 3.0, "rfq_u": 0.5}


def test_rfq8_all_maximum():
    # c: 7 -> 0 each -> 0.0; u: items 2,4,5,6,8 at 7 -> 3 each = 15, item 7 at 7 -> 0 -> 15/6
    assert rfq(7, 7, 7, 7, 7, 7, 7, 7) == {"rfq_c": 0.0, "rfq_u": 2.5}


def test_rfq8_all_neutral_scores_zero_on_both_scales():
    assert rfq(4, 4, 4, 4, 4, 4, 4, 4) == {"rfq_c": 0.0, "rfq_u": 0.0}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # c: 3+2+1+0+0+0 = 6 -> 1.00; u: i2 2->0, i4 4->0, i5 5->1, i6 6->2, i8 1->0, i7 7->0 = 3
        ((1, 2, 3, 4, 5, 6, 7, 1), {"rfq_c": 1.0, "rfq_u": 0.5}),
        # c: 0+0+0+0+1+2 = 3 -> 0.50; u: i2 6->2, i4 4->0, i5 3->0, i6 2->0, i8 7->3, i7 1->3 = 8
        ((7, 6, 5, 4, 3, 2, 1, 7), {"rfq_c": 0.5, "rfq_u": 1.33}),
        # c: 2+0+3+0+0+1 = 6 -> 1.00; u: i2 5->1, i4 7->3, i5 4->0, i6 3->0, i8 1->0, i7 6->0 = 4
        ((2, 5, 1, 7, 4, 3, 6, 1), {"rfq_c": 1.0, "rfq_u": 0.67}),
    ],
)
def test_rfq8_hand_computed_cases(answers, expected):
    assert rfq(*answers) == expected


# Every item alone at each extreme, all others neutral (4 scores 0 everywhere): the item's recoded
# value divided by 6 shows up on exactly the scales it belongs to.
RFQ_SINGLE_ITEM = {
    # item: ((c, u) when answered 1, (c, u) when answered 7)
    1: ((0.5, 0.0), (0.0, 0.0)),
    2: ((0.5, 0.0), (0.0, 0.5)),
    3: ((0.5, 0.0), (0.0, 0.0)),
    4: ((0.5, 0.0), (0.0, 0.5)),
    5: ((0.5, 0.0), (0.0, 0.5)),
    6: ((0.5, 0.0), (0.0, 0.5)),
    7: ((0.0, 0.5), (0.0, 0.0)),  # reverse-keyed on RFQ_u: disagreeing scores uncertainty
    8: ((0.0, 0.0), (0.0, 0.5)),
}


@pytest.mark.parametrize("item", sorted(RFQ_SINGLE_ITEM))
def test_rfq8_each_item_at_each_extreme(item):
    for answer, (c, u) in zip((1, 7), RFQ_SINGLE_ITEM[item], strict=True):
        answers = [4] * 8
        answers[item - 1] = answer
        assert rfq(*answers) == {"rfq_c": c, "rfq_u": u}, (item, answer)


@pytest.mark.parametrize(
    ("answer", "c_item1", "u_item7"),
    [(1, 3, 3), (2, 2, 2), (3, 1, 1), (4, 0, 0), (5, 0, 0), (6, 0, 0), (7, 0, 0)],
)
def test_rfq8_disagreement_key_every_value(answer, c_item1, u_item7):
    # item 1 on RFQ_c and item 7 on RFQ_u both use 1->3, 2->2, 3->1, 4-7->0
    answers = [4] * 8
    answers[0] = answer
    assert rfq(*answers)["rfq_c"] == round(c_item1 / 6, 2)
    answers = [4] * 8
    answers[6] = answer
    assert rfq(*answers)["rfq_u"] == round(u_item7 / 6, 2)


@pytest.mark.parametrize(
    ("answer", "u_item8"), [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (6, 2), (7, 3)]
)
def test_rfq8_agreement_key_every_value(answer, u_item8):
    answers = [4] * 8
    answers[7] = answer
    assert rfq(*answers) == {"rfq_c": 0.0, "rfq_u": round(u_item8 / 6, 2)}


def test_rfq8_reverse_keyed_items_are_declared():
    inst = instruments.load("rfq8")
    assert inst.scale("rfq_u").reverse_keyed() == (7,)
    assert inst.scale("rfq_c").reverse_keyed() == ()
    assert inst.scale("rfq_c").items == (1, 2, 3, 4, 5, 6)
    assert inst.scale("rfq_u").items == (2, 4, 5, 6, 7, 8)


def test_rfq8_has_no_band_no_flag_and_an_honest_interpretation():
    result = instruments.score("rfq8", [1, 2, 3, 4, 5, 6, 7, 1])
    assert result.band is None and result.flags == ()
    text = result.interpretation
    assert "hypermentalizing" in text and "hypomentalizing" in text
    assert "not a diagnosis" in text
    assert "No published cut-offs" in text
    assert "RFQ_c (certainty about mental states) = 1.00" in text


# --- output contract ---------------------------------------------------------------------------


def test_result_dict_has_the_documented_keys_and_is_json():
    data = instruments.score("phq9", "1,1,2,1,0,1,1,0,1").to_dict()
    assert list(data) == [
        "instrument",
        "version",
        "answers",
        "scores",
        "band",
        "flags",
        "interpretation",
    ]
    assert data["scores"] == {"total": 8}
    assert data["band"] == {"id": "mild", "label": "mild", "scale": "total", "min": 5, "max": 9}
    assert json.loads(instruments.to_json(instruments.score("rfq8", [4] * 8)))["scores"] == {
        "rfq_c": 0,
        "rfq_u": 0,
    }


def test_results_are_frozen():
    result = instruments.score("gad7", [0] * 7)
    with pytest.raises(AttributeError):
        result.instrument = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.scores["total"] = 5  # type: ignore[index]


def test_interpretation_states_limits_and_published_meaning():
    text = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0).interpretation
    assert "moderate range (10-14)" in text
    assert "88% sensitivity and 88% specificity" in text
    assert "not a diagnosis" in text


# --- bad answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "where", "fragment"),
    [
        ("1,2,3", "phq9", "expected 9 answers"),
        ("", "phq9", "got 0"),
        ("0,0,0,0,0,0,0,0,0,0", "phq9", "got 10"),
        ("0,0,x,0,0,0,0,0,0", "phq9 item 3", "'x' is not a whole number"),
        ("0,0,0,0,0,0,0,0,4", "phq9 item 9", "4 is out of range"),
        ("0,0,0,0,-1,0,0,0,0", "phq9 item 5", "-1 is out of range"),
        ("0,0,0,0,1.5,0,0,0,0", "phq9 item 5", "not a whole number"),
        ("0,0,,0,0,0,0,0,0", "phq9 item 3", "no answer given"),
    ],
)
def test_bad_answers_name_the_item_and_the_valid_range(answers, where, fragment):
    with pytest.raises(InputError) as caught:
        instruments.score("phq9", answers)
    message = str(caught.value)
    assert message.startswith(f"{where}:")
    assert fragment in message
    assert "0-3" in message
    assert "\n" not in message


def test_rfq_range_is_one_to_seven():
    with pytest.raises(InputError, match=r"rfq8 item 1: 0 is out of range; valid answers are 1-7"):
        instruments.score("rfq8", [0, 4, 4, 4, 4, 4, 4, 4])


def test_booleans_and_floats_are_not_answers():
    with pytest.raises(InputError, match="item 1"):
        instruments.score("gad7", [True, 0, 0, 0, 0, 0, 0])
    with pytest.raises(InputError, match="item 2"):
        instruments.score("gad7", [0, 1.0, 0, 0, 0, 0, 0])


def test_unknown_instrument_lists_the_known_ones():
    with pytest.raises(InputError, match=r"bdi: unknown instrument; available: gad7, phq9, rfq8"):
        instruments.score("bdi", [0])
