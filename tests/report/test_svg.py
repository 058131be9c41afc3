"""The SVG primitives every chart shares: placement, escaping, and marks readable without colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from mentalize.report import svg


def test_values_are_placed_top_down_and_clamped_to_their_panel() -> None:
    assert svg.value_y(1.0, top=10, height=100) == 10
    assert svg.value_y(0.0, top=10, height=100) == 110
    assert svg.value_y(7.0, top=10, height=100) == 10  # out of range: the panel's edge
    assert svg.value_y(5, top=0, height=50, lo=0, hi=10) == 25


def test_text_and_tips_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & more'
    drawn = svg.document(
        100,
        50,
        hostile,
        [svg.text(1, 2, hostile, class_="lg"), svg.rect(0, 0, 5, 5, tip=hostile, fill="#000")],
    )
    root = ET.fromstring(drawn)  # well-formed: nothing from the data became markup
    assert not list(root.iter("script"))
    assert root.get("aria-label") == hostile
    assert "<script>" not in drawn


@pytest.mark.parametrize("shape", svg.MARK_SHAPES)
def test_every_mark_shape_is_a_titled_element(shape: str) -> None:
    element = ET.fromstring(svg.mark(shape, 10, 10, "#123456", "PHQ-9: 14"))
    assert element.find("title") is not None and element.find("title").text == "PHQ-9: 14"
    filled = element.get("fill")
    assert filled == ("#fff" if shape == "ring" else "#123456")


def test_numbers_are_compact_and_steps_are_1_2_5() -> None:
    assert svg.num(12.0) == "12" and svg.num(12.25) == "12.2" and svg.num(0.05) == "0.1"
    assert [svg.nice_step(n) for n in (5, 40, 120, 900)] == [1, 5, 20, 100]
