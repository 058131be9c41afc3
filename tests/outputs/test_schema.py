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
