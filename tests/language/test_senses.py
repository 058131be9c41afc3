"""Lexicon words read in their feeling sense only (issue 17, point 4; codebook 1.3 sense fixes)."""

from __future__ import annotations

import pytest

from mentalize.language import read_markers


@pytest.mark.parametrize(
    "text",
    [
        "I've been feeling really down lately.",
        "I was so low last week I didn't get up.",
        "She let me down again.",
        "I broke down in the car.",
        "I don't care anymore.",
        "She really cares about me, I think.",
        "If he cared he'd have rung.",
    ],
)
def test_feeling_words_in_their_feeling_sense_are_affective(text: str) -> None:
    assert read_markers(text).counts["affective"] >= 1


@pytest.mark.parametrize(
    "text",
    [
        "I need to cut down on the drinking.",
        "Write it down and bring it next week.",
        "It's just down the road from the shop.",
        "I'm on a low-fat diet and a low income.",
        "The bills got taken care of.",
        "Mum went into a care home in May.",
        "Health care round here is a nightmare.",
    ],
)
def test_the_same_words_in_an_everyday_sense_are_not(text: str) -> None:
    assert read_markers(text).counts["affective"] == 0
