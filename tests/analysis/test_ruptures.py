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


def _head(weights: dict[str, float], threshold: float = 0.5, features=None):
    """A rupture head whose log-odds are ``weights`` over the named features (no scaling)."""
    import numpy as np

    from mentalize.analysis.rupture_features import RUPTURE_FEATURES
    from mentalize.learned.heads import LinearHead

    names = list(features or RUPTURE_FEATURES)
    coef = np.asarray([[weights.get(n, 0.0) for n in names]])
    return LinearHead(
        name="rupture",
        kind="classifier",
        classes=("none", "rupture"),
        mean=np.zeros(len(names)),
        scale=np.ones(len(names)),
        coef=coef,
        intercept=np.asarray([-5.0]),
        meta={"threshold": threshold, "features": names},
    )


def _read_with(text: str, strain: dict[int, tuple[str, float]]):
    """Turns of ``text`` read by markers, with the reader's strain set on the given turns."""
    from dataclasses import replace

    from mentalize.learned.reading import MBTReading

    analysis = mentalize.analyze_text(text, model="markers")
    turns = [
        replace(
            t,
            reading=MBTReading(
                strain=strain.get(t.index, ("none", 0.9))[0],
                strain_p=strain.get(t.index, ("none", 0.9))[1],
                valence=3.0,
                arousal=2.0,
                rf_level=2.0,
            ),
        )
        for t in analysis.turns
    ]
    return turns, [read_markers(t.text) for t in turns]


FLAT = (
    "T: What happened after you left her flat?\n"
    "P: I walked for ages, I kept thinking about what she said about me being selfish.\n"
    "T: I wonder whether part of you agreed with her.\n"
    "P: S'pose.\n"
    "T: Say a bit more?\n"
    "P: Not much to say.\n"
)


def test_the_rupture_head_decides_where_it_ships() -> None:
    """With the head, a flat reply the reader reads as withdrawal at P 0.7 is a rupture (the
    threshold rules want 0.95 and miss it); the same head below its threshold finds none."""
    from mentalize.analysis.relational import find_ruptures

    turns, markers = _read_with(FLAT, {3: ("withdrawal", 0.7)})
    assert find_ruptures(turns, markers) == ()
    head = _head({"p_withdrawal_in_reply": 10.0})
    assert [(r.turn, r.kind) for r in find_ruptures(turns, markers, head)] == [(3, "withdrawal")]
    assert find_ruptures(turns, markers, _head({"p_withdrawal_in_reply": 1.0})) == ()


def test_the_rupture_head_names_confrontation_from_the_reader() -> None:
    from mentalize.analysis.relational import find_ruptures

    turns, markers = _read_with(FLAT, {5: ("confrontation", 0.8)})
    head = _head({"p_confrontation_in_reply": 10.0})
    assert [(r.turn, r.kind) for r in find_ruptures(turns, markers, head)] == [(5, "confrontation")]


def test_a_head_for_other_features_is_never_fed_these() -> None:
    from mentalize.analysis.relational import rupture_head_fits

    assert rupture_head_fits(_head({})) is not None
    assert rupture_head_fits(_head({}, features=["p_withdrawal", "log_words"])) is None
    assert rupture_head_fits(None) is None


@needs_models
def test_the_shipped_rupture_head_reads_this_version_s_features() -> None:
    from mentalize.analysis.relational import rupture_head_fits
    from mentalize.learned.layer import learned_layer

    head = rupture_head_fits(learned_layer().rupture)
    assert head is not None
    assert 0.0 < float(head.meta["threshold"]) < 1.0


def test_one_members_strain_carried_on_counts_once_in_a_group() -> None:
    """Another member's turn between two strained turns of Ann does not split Ann's rupture."""
    analysis = mentalize.analyze_text(
        "Therapist: How has the week been for you both?\n"
        "Ann: Whatever.\nBob: Whatever.\nAnn: Whatever.\n"
        "Therapist: It sounds like nobody wants to be here today.\n",
        model="markers",
    )
    assert [(r.turn, r.speaker) for r in analysis.session.ruptures] == [(1, "Ann"), (2, "Bob")]


def test_a_head_read_rupture_moves_to_the_words_unless_a_repair_came_between() -> None:
    """The head reads strain at turn 1; the words say it at turn 3. With no repair between,
    the rupture is put at turn 3; after "I got that wrong" at turn 2 it stays at turn 1, so the
    repair keeps its rupture."""
    from mentalize.analysis.relational import find_repairs, find_ruptures

    text = "T: What did you make of what she said?\nP: Not much.\nT: {middle}\nP: Whatever.\n"
    head = _head({"p_withdrawal_in_reply": 10.0})
    turns, markers = _read_with(text.format(middle="Go on."), {1: ("withdrawal", 0.7)})
    assert [r.turn for r in find_ruptures(turns, markers, head)] == [3]
    turns, markers = _read_with(
        text.format(middle="I got that wrong, I'm sorry."), {1: ("withdrawal", 0.7)}
    )
    ruptures = find_ruptures(turns, markers, head)
    assert [r.turn for r in ruptures] == [1]
    assert [(r.turn, r.rupture_turn) for r in find_repairs(ruptures, turns, markers)] == [(2, 1)]


def test_a_rupture_head_trained_on_other_reader_heads_is_refused() -> None:
    from mentalize.learned.heads import manifest_checksums
    from mentalize.learned.layer import _on_these_readers

    shipped = manifest_checksums()
    trained_on = {"mbt_strain": shipped["mbt_strain"]}
    ok = _head({})
    ok = type(ok)(**{**ok.__dict__, "meta": {**ok.meta, "reader_heads": trained_on}})
    stale = type(ok)(**{**ok.__dict__, "meta": {**ok.meta, "reader_heads": {"mbt_strain": "0"}}})
    assert _on_these_readers(ok) is ok
    assert _on_these_readers(stale) is None
    assert _on_these_readers(_head({})) is None  # no record of what it was trained on
