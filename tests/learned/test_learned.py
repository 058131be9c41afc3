"""The learned layer: shipped heads, how they combine with markers, and analyses that use them."""

from __future__ import annotations

import shutil

import pytest

import mentalize
from mentalize.analysis import session as session_module
from mentalize.analysis.combine import (
    combined_arousal,
    combined_certainty,
    combined_intervention,
)
from mentalize.errors import MissingExtra, ModelError
from mentalize.language import read_markers
from mentalize.learned.affect_scale import AffectScale

from ..conftest import EXAMPLES

# --- combination rules (numpy only, no encoder) ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "behaviour", "expected"),
    [
        (
            "You're angry with me because I remind you of your father.",
            "interpretation",
            "reflection",
            "interpretation",
        ),
        (
            "Something happened between us just now, what was it like?",
            "relationship",
            "question",
            "relationship",
        ),
        ("You should just tell him.", "advice", "other", "advice"),
        (
            "So you felt let down when she didn't come.",
            "other",
            "reflection",
            "empathic_validation",
        ),
        ("What was going through your mind?", "other", "question", "curious_question"),
        ("And that was on the Tuesday?", "other", "question", "clarification"),
        (
            "Drinking on most days raises the risk for the liver.",
            "other",
            "therapist_input",
            "advice",
        ),
        ("That sounds really painful.", "empathic_validation", "other", "empathic_validation"),
        ("Okay, see you next week.", "other", "other", "other"),
    ],
)
def test_combined_intervention_rules(text, rule, behaviour, expected):
    assert combined_intervention(rule, behaviour, read_markers(text)) == expected


def test_affect_scale_maps_the_training_median_to_zero_and_clips():
    scale = AffectScale(low=3.0, high=3.5)
    assert scale(2.0) == 0.0 and scale(3.0) == 0.0
    assert scale(3.25) == pytest.approx(0.4)
    assert scale(9.0) == 1.0


def test_marker_arousal_is_never_lowered_and_certainty_is_averaged():
    assert combined_arousal(0.7, 0.1) == 0.7
    assert combined_arousal(0.1, 0.5) == 0.5
    assert combined_certainty(0.9, 0.5) == pytest.approx(0.7)


def test_learned_requested_without_the_extra_is_a_clear_error(monkeypatch):
    import mentalize.learned.layer as layer

    monkeypatch.setattr(layer, "learned_available", lambda: False)
    with pytest.raises(MissingExtra, match=r"mentalize\[models\]"):
        mentalize.analyze_text("T: Hello.\nP: Hi.", model="learned")
    assert mentalize.analyze_text("T: Hello.\nP: Hi.", model="auto").model is None


# --- with the models extra -----------------------------------------------------------------------

models = pytest.importorskip("mentalize.models")
needs_models = pytest.mark.skipif(
    not models.models_available(), reason="the models extra is not installed"
)


@needs_models
def test_shipped_heads_verify_and_a_tampered_head_is_refused(tmp_path, monkeypatch):
    from mentalize.learned import heads
    from mentalize.models.encoder import MODEL_ID
    from mentalize.research.training.reader import SPECS

    assert set(heads.load_heads(MODEL_ID)) == {
        "therapist_behaviour",
        "arousal",
        "certainty",
        "risk_reader",
        "rupture",
        "collapse",
        *(spec.name for spec in SPECS),
    }
    copy = tmp_path / "heads"
    shutil.copytree(heads.heads_folder(), copy)
    with (copy / "arousal.npz").open("ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(heads, "heads_folder", lambda: copy)
    heads.load_heads.cache_clear()
    try:
        with pytest.raises(ModelError, match="checksum"):
            heads.load_heads(MODEL_ID)
        with pytest.raises(ModelError, match="trained on encoder"):
            heads.load_heads("another-encoder")
    finally:
        heads.load_heads.cache_clear()


@needs_models
def test_learned_analysis_records_its_model_and_keeps_the_schema():
    from jsonschema import validate

    from mentalize.outputs.schema import json_schema, to_dict

    learned = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="learned")
    markers = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="markers")
    assert learned.model and learned.model.startswith("all-MiniLM-L6-v2")
    assert markers.model is None
    validate(to_dict(learned), json_schema())
    assert all(0 <= t.arousal <= 1 and 0 <= t.certainty <= 1 for t in learned.turns)
    # the learned layer may raise arousal but never lowers what the markers saw
    for a, b in zip(learned.turns, markers.turns, strict=True):
        assert a.arousal >= b.arousal
        assert a.evidence == b.evidence


@needs_models
def test_learned_reading_still_tells_attuned_from_misattuned_therapists():
    attuned = mentalize.analyze(EXAMPLES / "attuned_session.txt", model="learned")
    misattuned = mentalize.analyze(EXAMPLES / "misattuned_session.vtt", model="learned")
    assert attuned.session.stance > misattuned.session.stance
    assert attuned.session.calibration > misattuned.session.calibration
    assert any(e.therapist_response == "stepped_down" for e in attuned.episodes)
    assert any(e.therapist_response == "pushed_on" for e in misattuned.episodes)


@needs_models
def test_a_reflection_without_stock_phrases_is_read_as_validation_by_the_head():
    turns = mentalize.analyze_utterances(
        [
            "So the drinking helps you unwind after a long shift, and you're not ready to give"
            " that up."
        ],
        role="therapist",
        model="learned",
    )
    assert turns[0].intervention == "empathic_validation"


def test_environment_forces_markers(monkeypatch):
    monkeypatch.setenv(session_module.MODEL_ENV, "markers")
    assert session_module.use_learned("auto") is False


# --- the risk head (issue 14) --------------------------------------------------------------


def _one_turn(text: str):
    from mentalize.analysis.session import analyze_transcript
    from mentalize.transcript import Transcript, Turn

    return analyze_transcript(
        Transcript("<t>", (Turn("P", text),), "text", {"P": "patient"}), model="learned"
    ).turns[0]


@needs_models
def test_the_risk_head_flags_what_the_words_missed_and_says_so():
    turn = _one_turn(
        "I had the scissors out and I was like... no. Put them back. But god I wanted to."
    )
    assert turn.risk == "self_harm"
    lead = turn.risk_lead
    assert lead is not None and lead.severity == "unspecified"
    assert "learned risk reader" in lead.reason
    assert lead.words(turn.text), "the sentence that read most as risk is its evidence"
    markers_only = mentalize.analyze_text(
        "P: I had the scissors out and I was like... no. Put them back. But god I wanted to.",
        model="markers",
    )
    assert markers_only.turns[0].risk == "none", "the head, not the rules, found this one"


@needs_models
@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt myself, I promise you that.",  # the rules' denial stands
        "My best mate has been cutting again and I'm scared for her.",  # someone else's risk
        "My chest. It's really tight. And my hands are all shaking.",  # distress, no risk word
    ],
)
def test_the_risk_head_never_overrides_the_rules_or_flags_plain_distress(text):
    assert _one_turn(text).risk == "none"


@needs_models
def test_a_rule_flag_stands_whatever_the_head_says():
    assert _one_turn("I want to kill myself.").risk == "ideation"


@needs_models
def test_the_risk_head_reading_does_not_depend_on_the_other_turns():
    text = "I've kind of checked out. I'm just waiting for it to be over. My life, I mean."
    alone = _one_turn(text)
    analysis = mentalize.analyze_text(f"P: Hello.\nT: Hi.\nP: {text}\nT: Go on.", model="learned")
    assert analysis.turns[2].risk == alone.risk
    assert analysis.turns[2].risk_detail == alone.risk_detail
