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
    assert lead.words(turn.text) == (" Nobody would find me till morning.",)


@needs_models
@pytest.mark.parametrize(
    "text",
    [
        "I've been sleeping badly since the move and I'm tired all the time.",
        "We finally replaced the rotten beam in the garage roof, so I'm ready for winter.",
        "I could murder a curry after that shift, honestly.",
        "I gave my old bike away to my nephew, he'll get more use out of it.",
    ],
)
def test_everyday_talk_stays_unflagged(text):
    assert _patient(text).risk == "none"


@needs_models
def test_the_rules_keep_the_final_say_and_therapist_turns_are_not_read():
    reader = _reader()
    denied = read_markers("I would never hurt myself, I promise you that.")
    assert denied.risk, "the rules found words (a denial)"
    assert not reader.may_read(denied)
    risky = read_markers(PLAN)
    assert reader.read([risky], skip=[True]) == [("none", 0.0, None)]
    assert reader.read([risky], skip=[False])[0][0] == "ideation"


@needs_models
def test_someone_elses_words_are_left_to_the_rules():
    assert not _reader().may_read(read_markers("He's worked out which beam would hold him. Ready."))


@needs_models
def test_risk_late_in_a_long_turn_is_read_by_its_sentences():
    """The reader reads 128 tokens; a longer turn is read sentence by sentence, so what comes
    after the cut still counts."""
    preamble = " ".join(
        f"On day {n} we drove to the coast and back, and the traffic was the usual mess."
        for n in range(1, 12)
    )
    text = f"{preamble} {PLAN}"
    reader = _reader()
    assert reader.encoder.cut([text]) == [True]
    kind, p, span = reader.read([read_markers(text)], skip=[False])[0]
    assert kind == "ideation" and span is not None and p >= reader.threshold
    assert span[0] >= len(preamble), "the evidence is a sentence after the cut"


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
