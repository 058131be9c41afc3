"""Ruptures incl. sarcasm, and repairs found on their own (issue 17, point 3; codebook 3.5)."""

from __future__ import annotations

import json

import jsonschema
import pytest

import mentalize
from mentalize import models
from mentalize.language import read_markers
from mentalize.outputs.schema import from_dict, json_schema, to_dict
from mentalize.report import render_html

needs_models = pytest.mark.skipif(
    not models.models_available(), reason="the models extra is not installed"
)

CLUMSY = """\
T: How was the week?
P: Fine. I went to my mum's on Sunday and she said I looked tired.
T: I think underneath you were absolutely furious with her.
P: I... maybe. I don't know.
T: I think I dropped that in very clumsily. I'm sorry. Can we go back a step?
P: Yeah. It was more that I felt small, like I was twelve again.
T: Small. Can you say more about that?
P: Like nothing I do is ever quite right for her.
"""


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Oh, great. Thanks.", "sarcasm"),
        ("Right. Course you are. Perfect timing.", "sarcasm"),
        ("Helpful? Seriously? Are you on her side now?", "sarcasm"),
        ("Whatever.", "rupture_withdrawal"),
        ("Yeah, whatever, you know. No one cares.", "rupture_withdrawal"),
        ("I don't know. You know these things better than me.", "rupture_withdrawal"),
        ("Is this the bit where you tell me it's all in my head?", "rupture_confrontation"),
    ],
)
def test_strain_words_fire(text: str, marker: str) -> None:
    assert read_markers(text).counts[marker] >= 1


@pytest.mark.parametrize(
    "text",
    [
        "I just wanna get whatever I need to get done, done.",
        "Lying in bed or whatever, scrolling.",
        "And whatever else you can do to help me stop smoking.",
    ],
)
def test_whatever_as_a_pronoun_or_filler_is_not_withdrawal(text: str) -> None:
    assert read_markers(text).counts["rupture_withdrawal"] == 0


def test_sarcastic_reply_to_the_therapist_is_a_rupture() -> None:
    analysis = mentalize.analyze_text(
        "T: Have you thought about just telling her how you feel?\n"
        "P: Oh, great. Thanks. Why didn't I think of that.\n"
        "T: It sounds like that landed badly.\n"
    )
    assert [(r.turn, r.kind) for r in analysis.session.ruptures] == [(1, "confrontation")]


def test_sarcastic_looking_words_that_answer_no_therapist_are_not_a_rupture() -> None:
    """The same words, said first in the session about good news, are meant."""
    assert read_markers("Oh great, I got the job!").counts["sarcasm"] == 1
    analysis = mentalize.analyze_text(
        "P: Oh great, I got the job!\nT: Congratulations. How does it feel?\n"
    )
    assert analysis.session.ruptures == ()


def test_without_the_reader_an_apology_is_not_a_repair_on_its_own() -> None:
    analysis = mentalize.analyze_text(CLUMSY, model="markers")
    assert all(r.rupture_turn is not None for r in analysis.session.repairs)


@needs_models
def test_owning_a_clumsy_remark_is_a_repair_on_its_own() -> None:
    analysis = mentalize.analyze_text(CLUMSY, model="learned")
    assert analysis.session.ruptures == ()
    standalone = [r for r in analysis.session.repairs if r.rupture_turn is None]
    assert [r.turn for r in standalone] == [4]
    # "I'm sorry to hear that" style sympathy and ordinary questions are not repairs.
    assert all(r.turn == 4 for r in analysis.session.repairs)


@needs_models
def test_a_repair_on_its_own_is_stored_shown_and_read_back() -> None:
    analysis = mentalize.analyze_text(CLUMSY, model="learned")
    data = to_dict(analysis)
    jsonschema.Draft202012Validator(json_schema()).validate(data)
    assert {"turn": 4, "rupture_turn": None} in data["session"]["repairs"]
    assert from_dict(json.loads(json.dumps(data))) == analysis
    assert "owned a misstep" in render_html(analysis)


@needs_models
def test_the_terminal_summary_names_a_repair_on_its_own() -> None:
    from io import StringIO

    from rich.console import Console

    from mentalize.outputs.summary import print_summary

    out = StringIO()
    print_summary(
        mentalize.analyze_text(CLUMSY, model="learned"), console=Console(file=out, width=120)
    )
    assert "Repairs on their own (the therapist owned a misstep): turn 5" in out.getvalue()
