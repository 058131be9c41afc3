"""The JSON output matches the published schema, for every example and edge case."""

from __future__ import annotations

import json

import jsonschema
import pytest

import mentalize
from mentalize.outputs.schema import SCHEMA_ID, json_schema, to_dict, write_json


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("fixture", ["attuned", "misattuned", "group"])
def test_examples_validate(request, validator, fixture):
    data = to_dict(request.getfixturevalue(fixture))
    validator.validate(data)
    assert data["schema"] == SCHEMA_ID


@pytest.mark.parametrize(
    "text",
    ["P: Just me, writing.", "T: Hello?\nP: Hi.", "Therapist: Mm.\nClient: Yeah."],
)
def test_edge_cases_validate(validator, text):
    validator.validate(to_dict(mentalize.analyze_text(text)))


def test_schema_rejects_a_wrong_value(validator, attuned):
    data = to_dict(attuned)
    data["turns"][0]["mode"] = "anxious"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)


def test_evidence_offsets_point_at_the_words(attuned):
    data = to_dict(attuned)
    for turn in data["turns"]:
        for e in turn["evidence"]:
            assert turn["text"][e["start"] : e["end"]].strip()


def test_write_json_is_atomic_and_round_trips(tmp_path, attuned):
    path = tmp_path / "a.json"
    write_json(attuned, path)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(to_dict(attuned)))
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_schema_documentation_names_every_turn_field():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text()
    for field in json_schema()["properties"]["turns"]["items"]["required"]:
        assert f"`{field}`" in doc, field


def test_schema_enums_match_the_typed_results():
    from mentalize.analysis.results import INTERVENTIONS, MODES, RISKS
    from mentalize.transcript import ROLES

    defs = json_schema()["$defs"]
    assert tuple(defs["mode"]["enum"]) == MODES
    assert tuple(defs["intervention"]["enum"]) == INTERVENTIONS
    assert tuple(defs["risk"]["enum"]) == RISKS
    assert tuple(defs["role"]["enum"]) == ROLES


def test_reader_fields_of_a_learned_analysis_validate_and_round_trip(validator):
    """The trained reader's per-turn ``reading`` and per-patient ``profiles`` are in the schema,
    and a stored document reads back as the same typed result."""
    from mentalize import models

    if not models.models_available():
        pytest.skip("the models extra is not installed")
    import mentalize
    from mentalize.outputs.schema import from_dict, reading_dict, to_dict

    from ..conftest import EXAMPLES

    analysis = mentalize.analyze(EXAMPLES / "group_session.csv", model="learned")
    document = to_dict(analysis)
    validator.validate(document)
    read = [t for t in analysis.turns if t.reading is not None]
    assert read and all(t.role in ("patient", "therapist") for t in read)
    assert {p.speaker for p in analysis.session.profiles} <= {
        s for s, role in analysis.speakers.items() if role == "patient"
    }
    assert len(analysis.session.profiles) >= 2  # a group names its members
    assert from_dict(document) == analysis
    assert reading_dict(None) is None


def test_schema_reading_lists_every_reader_field():
    from mentalize.outputs.schema import READING_FIELDS

    properties = json_schema()["$defs"]["reading"]["oneOf"][1]["properties"]
    assert set(properties) == {*READING_FIELDS, "evidence"}


# Issue 19: people read "turn 1"; JSON carried only the 0-based index.
def test_each_turn_carries_the_number_people_read_beside_its_index(validator, misattuned):
    from mentalize.outputs.schema import from_json
    from mentalize.report.text import turn_range

    data = to_dict(misattuned)
    assert [t["number"] for t in data["turns"]] == [t["index"] + 1 for t in data["turns"]]
    assert data["turns"][0] == {**data["turns"][0], "index": 0, "number": 1}
    # the report's "turn N" for an episode is the JSON number of the turn at its start_turn
    by_index = {t["index"]: t for t in data["turns"]}
    episode = data["episodes"][0]
    assert turn_range(episode["start_turn"], episode["start_turn"]) == (
        f"turn {by_index[episode['start_turn']]['number']}"
    )
    # additive within /1: documented, optional, and older files without it still read back
    assert "number" in json_schema()["properties"]["turns"]["items"]["properties"]
    assert "number" not in json_schema()["properties"]["turns"]["items"]["required"]
    assert (
        "`number`"
        in (
            __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "schema.md"
        ).read_text()
    )
    older = json.loads(json.dumps(data))
    for turn in older["turns"]:
        del turn["number"]
    validator.validate(older)
    assert from_json(json.dumps(older)) == from_json(json.dumps(data)) == misattuned


def test_summary_says_the_same_turn_number_as_the_json(misattuned, tmp_path):
    from typer.testing import CliRunner

    from mentalize.cli import app

    from ..conftest import EXAMPLES

    out = tmp_path / "m.json"
    result = CliRunner().invoke(
        app, ["analyze", str(EXAMPLES / "misattuned_session.vtt"), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    first = data["episodes"][0]
    numbers = {t["index"]: t["number"] for t in data["turns"]}
    shown = f"{numbers[first['start_turn']]}-{numbers[first['end_turn']]}"
    assert shown in " ".join(result.output.split())
