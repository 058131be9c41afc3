"""Risk language: surfaced when affirmed, not when negated or figurative."""

from __future__ import annotations

import pytest

from mentalize.language import read_markers
from mentalize.language.risk import classify_risk


def risk_of(text: str) -> str:
    return classify_risk(read_markers(text).spans)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sometimes I want to die.", "ideation"),
        ("I've been thinking about killing myself.", "ideation"),
        ("I can't stop thinking about killing myself.", "ideation"),
        ("Everyone would be better off without me.", "ideation"),
        ("I wished I could just disappear and not wake up.", "ideation"),
        ("I don't want to be alive anymore.", "ideation"),
        ("I've been having suicidal thoughts.", "ideation"),
        ("I cut myself again last night.", "self_harm"),
        ("I've been self-harming.", "self_harm"),
        ("I'm going to kill him.", "harm_to_others"),
        ("I wanted to hurt her so badly.", "harm_to_others"),
    ],
)
def test_affirmed_risk_is_flagged(text, expected):
    assert risk_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt myself.",
        "I'm not going to kill myself, I promise.",
        "I don't want to die.",
        "I'm not suicidal.",
        "No thoughts of suicide at all.",
        "I've never had thoughts of killing myself.",
        "This job is killing me.",
        "I'm dying to see the new film.",
        "That would be career suicide.",
        "I didn't mean to hurt her feelings.",
        "You asked about suicide and moved on.",
    ],
)
def test_negated_or_figurative_language_is_not_risk(text):
    assert risk_of(text) == "none"


def test_negated_risk_is_kept_as_visible_evidence():
    found = read_markers("I would never hurt myself.")
    assert [found.text[s.start : s.end] for s in found.of("risk_negated")] == ["hurt myself"]


def test_negation_does_not_reach_across_a_clause():
    assert risk_of("I'm not sure, but I want to die.") == "ideation"
