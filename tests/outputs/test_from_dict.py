"""``from_dict`` inverts ``to_dict``: stored analyses come back as the same typed result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mentalize
from mentalize.errors import InputError
from mentalize.outputs.schema import SCHEMA_ID, from_dict, from_json, to_dict, to_json

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = sorted(
    [
        *(p for p in (ROOT / "examples").iterdir() if p.suffix in {".txt", ".vtt", ".csv"}),
        *(ROOT / "tests" / "data" / "heldout").glob("*.txt"),
    ]
)


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_round_trip_on_every_example_and_written_session(path: Path) -> None:
    analysis = mentalize.analyze(path, model="markers")
    again = from_dict(to_dict(analysis))
    assert again == analysis
    assert from_json(to_json(analysis)) == analysis


def test_round_trip_keeps_risk_readings_denials_and_evidence() -> None:
    text = (
        "T: Are you having any thoughts of ending your life?\n"
        "P: Yes. I have been thinking about taking all my pills tonight.\n"
        "T: Thank you for telling me. Is anyone with you?\n"
        "P: No, I would never hurt anyone else.\n"
    )
    analysis = mentalize.analyze_text(text, model="markers")
    assert analysis.session.risk_flags, "the probe needs a flag to be a test of flags"
    assert any(t.risk_detail for t in analysis.turns)
    assert from_dict(json.loads(to_json(analysis))) == analysis


def test_a_document_written_before_the_risk_reader_still_reads() -> None:
    analysis = mentalize.analyze_text(
        "T: How are things?\nP: I want to die, honestly.\n", model="markers"
    )
    old = to_dict(analysis)
    del old["model"]
    for turn in old["turns"]:
        for added in ("risk_detail", "moves", "minimal"):
            del turn[added]
    del old["session"]["risk_denials"]
    for flag in old["session"]["risk_flags"]:
        for added in ("severity", "temporal", "asserted", "reason", "context_turn"):
            del flag[added]
    read = from_dict(old)
    assert read.session.risk_flags[0].risk == analysis.session.risk_flags[0].risk
    assert read.session.risk_flags[0].asserted == "asserted"
    assert read.session.risk_flags[0].severity == "unspecified"
    assert all(t.risk_detail == () for t in read.turns)
    assert read.model is None


@pytest.mark.parametrize(
    ("mangle", "named"),
    [
        (lambda d: d.update(schema="mentalize.session/2"), "schema"),
        (lambda d: d.pop("turns"), "document.turns is missing"),
        (lambda d: d["turns"][1].pop("arousal"), "document.turns[1].arousal is missing"),
        (lambda d: d.update(session=[]), "session must be an object"),
        (lambda d: d["session"].update(ruptures=3), "session.ruptures must be a list"),
    ],
)
def test_a_malformed_document_is_one_line_naming_the_field(mangle, named: str) -> None:
    secret = "P: my private words about my mother\n"
    data = to_dict(mentalize.analyze_text("T: Hello.\n" + secret, model="markers"))
    mangle(data)
    with pytest.raises(InputError) as caught:
        from_dict(data, source="stored.json")
    message = str(caught.value)
    assert "stored.json" in message and named in message and SCHEMA_ID in message
    assert "mother" not in message and "\n" not in message


def test_not_json_names_the_place_not_the_text() -> None:
    with pytest.raises(InputError, match=r"stored\.json.*line 1"):
        from_json("{private words", source="stored.json")


@pytest.mark.parametrize("polarities", [[[1, 2]], [["ab", "cd", "e"]], "x", {"self_other": [1]}])
def test_a_malformed_polarity_profile_is_one_input_error_naming_the_field(polarities):
    document = to_dict(mentalize.analyze_text("T: Hi.\nP: Hello."))
    document["session"]["profiles"] = [
        {
            "speaker": "P",
            "turns": 1,
            "polarities": polarities,
            "hyper": 0,
            "hypo": 0,
            "rf_level": None,
            "valence": None,
        }
    ]
    with pytest.raises(InputError, match=r"session\.profiles\[0\]\.polarities"):
        from_dict(document, "stored.json")
