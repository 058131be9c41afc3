"""The fine-tuned risk reader (issue 14): its gates, its checks at load, long turns."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

import mentalize
from mentalize.errors import ModelError
from mentalize.language import read_markers
from mentalize.models import models_available

needs_models = pytest.mark.skipif(
    not models_available(), reason="the models extra is not installed (mentalize[models])"
)


def _reader():
    from mentalize.learned.layer import learned_layer

    reader = learned_layer().risk_reader
    assert reader is not None, "the fine-tuned risk reader ships with the heads"
    return reader


def _patient(text: str):
    return mentalize.analyze_text(f"P: {text}", model="learned").turns[0]


PLAN = (
    "I've worked out which beam in the garage would take my weight. "
    "Nobody would find me till morning."
)
"""No risk words the rules know; "nobody" is a word near risk (the reader's gate)."""


@needs_models
def test_it_reads_risk_the_words_miss_and_says_so():
    turn = _patient(PLAN)
    assert turn.risk == "ideation"
    lead = turn.risk_lead
    assert lead is not None and "learned risk reader" in lead.reason
    assert lead.words(turn.text) == ("Nobody would find me till morning.",)


ORDINARY = (
    "I've been sleeping badly since the move and I'm tired all the time.",
    "I'm so tired after work that I just sit in the car for ten minutes.",
    "I'm done with the overtime, I told my manager today.",
    "I can't sleep before exams, my head won't switch off.",
    "I feel empty when the kids go back to their dad's.",
    "Honestly I've had enough of my sister's drama this week.",
    "I'm exhausted, the baby was up four times last night.",
    "I just want this week to be over so I can rest.",
    "I felt numb at the funeral, I didn't cry at all.",
    "I'm worthless at maths, always have been.",
    "I gave my old bike away to my nephew, he'll get more use out of it.",
    "I've been writing letters to my gran since she moved into the home.",
    "There's no point me going to the party if Sam isn't there.",
    "I'm tired of arguing with him about the dishes.",
    "I hurt my back lifting boxes at the warehouse.",
    "I don't see the point of the new rota at work.",
    "I wake up at 4am and can't get back to sleep, it's awful.",
    "I'm useless in the mornings until I've had coffee.",
    "I'm ready for the holidays, this term has been long.",
    "I feel like nobody listens to me at home.",
    "I've been picking at my food since the diagnosis, not hungry.",
    "I've stopped going to the gym, I'm just tired.",
    "I'm sick of being the one who sorts everything out.",
    "I keep thinking about my dad since he died last spring.",
    "I just want to disappear under the duvet on Sundays.",
    "We finally replaced the rotten beam in the garage roof, so I'm ready for winter.",
    "I could murder a curry after that shift, honestly.",
)
"""Ordinary talk with words near risk, written by us to probe the first fine-tuned reader, which
flagged six of the first 25 (sleep, a bike given away, letters to a gran); the shipped reader,
trained with the H1-H3 authors' ordinary talk, flags none. Two ("no point me going to the
party", "disappear under the duvet") are still flagged by the rules, which the reader never
overrides."""


@needs_models
@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_talk_with_words_near_risk_is_not_read_as_risk(text):
    assert _reader().read([read_markers(text)], skip=[False])[0][0] == "none"


@needs_models
def test_the_rules_keep_the_final_say_and_therapist_turns_are_not_read():
    reader = _reader()
    denied = read_markers("I would never hurt myself, I promise you that.")
    assert denied.risk, "the rules found words (a denial)"
    assert reader.read([denied], skip=[False])[0][0] == "none", "no flag rests on a denial"
    flagged = read_markers("I want to kill myself.")
    assert not reader.may_read(flagged), "the rules flagged it: the reader stays closed"
    risky = read_markers(PLAN)
    assert reader.read([risky], skip=[True]) == [("none", 0.0, None)]
    assert reader.read([risky], skip=[False])[0][0] == "ideation"


@needs_models
@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (
            "I pick at my arms. Every night now. Till they bleed. Mum thinks it's eczema.",
            "I pick at my arms. Every night now.",
        ),
        (
            "Gave my guitar to my cousin and the dog to next door. Won't be needing them.",
            "Gave my guitar to my cousin and the dog to next door.",
        ),
    ],
    ids=["told-across-sentences", "no-subject-I"],
)
def test_a_flag_rests_on_the_shortest_run_of_the_speakers_sentences(text, evidence):
    """Risk told across sentences rests on the run that tells it; a speaker who drops the "I"
    ("Gave my guitar...") still speaks of themselves."""
    turn = _patient(text)
    assert turn.risk != "none"
    lead = turn.risk_lead
    assert lead is not None and "learned risk reader" in lead.reason
    assert lead.words(turn.text) == (evidence,)


@needs_models
def test_a_turn_with_no_first_person_is_left_to_the_rules():
    text = "What's the point of the tube. Keeping something alive that doesn't want to be kept."
    assert not _reader().may_read(read_markers(text))


@needs_models
def test_someone_elses_words_are_left_to_the_rules():
    assert not _reader().may_read(read_markers("He's worked out which beam would hold him. Ready."))


PREAMBLE = " ".join(
    f"On day {n} we drove to the coast and back, and the traffic was the usual mess."
    for n in range(1, 12)
)
BRIDGE = "I drove past the bridge again and slowed down. I thought about how quick it would be."


@needs_models
@pytest.mark.parametrize(
    "text",
    [f"{PREAMBLE} {PLAN}", f"{PREAMBLE} {BRIDGE}", f"{BRIDGE} {PREAMBLE}"],
    ids=["plan-late", "bridge-late", "bridge-early"],
)
def test_risk_anywhere_in_a_long_turn_is_read(text):
    """The reader reads 128 tokens; a longer turn is read in windows of consecutive sentences,
    one starting at each, so risk after the cut, or after a long story, still counts."""
    reader = _reader()
    assert reader.encoder.cut([text]) == [True]
    kind, p, span = reader.read([read_markers(text)], skip=[False])[0]
    assert kind == "ideation" and span is not None and p >= reader.threshold
    assert text[span[0] : span[1]] in PLAN + " " + BRIDGE


@needs_models
def test_a_long_ordinary_turn_stays_unflagged():
    text = f"{PREAMBLE} I'm so tired of this traffic, honestly I'm done with driving."
    assert _reader().read([read_markers(text)], skip=[False])[0][0] == "none"


@needs_models
def test_a_tampered_model_file_is_refused(tmp_path, monkeypatch):
    from mentalize.learned import heads, risk_reader

    copy = tmp_path / "heads"
    shutil.copytree(heads.heads_folder(), copy)
    with (copy / risk_reader.ONNX_FILE).open("ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(risk_reader, "heads_folder", lambda: copy)
    with pytest.raises(ModelError, match="checksum mismatch"):
        risk_reader.RiskReader(_reader().head)


@needs_models
def test_a_head_with_an_unknown_gate_is_refused():
    from mentalize.learned.risk_reader import RiskReader

    head = _reader().head
    with pytest.raises(ModelError, match="unknown gate"):
        RiskReader(replace(head, meta={**head.meta, "gate": "maybe"}))
    with pytest.raises(ModelError, match="bad metadata"):
        RiskReader(replace(head, meta={k: v for k, v in head.meta.items() if k != "threshold"}))
