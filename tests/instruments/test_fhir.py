"""FHIR R4 Questionnaire / QuestionnaireResponse structure, and CSV for a series.

No FHIR validator runs offline here, so the rules a validator applies to these resources are
checked directly: resource types, required elements, id and name formats, unique linkIds,
response items that follow the questionnaire's items in order, and answer value types that
match item types (choice -> valueCoding from the answer options, integer -> valueInteger,
decimal -> valueDecimal). FHIR JSON forbids null and empty values; that is checked too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mentalize import instruments
from mentalize.errors import InputError
from mentalize.instruments import fhir

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
NAME = re.compile(r"^[A-Z]([A-Za-z0-9_]){0,254}$")
DATETIME = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]"
    r"|14:00)))?)?)?$"
)
ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "choice",
    "open-choice",
    "attachment",
    "reference",
    "quantity",
}
VALUE_FOR_TYPE = {"choice": "valueCoding", "integer": "valueInteger", "decimal": "valueDecimal"}
NAMES = instruments.available()  # every bundled instrument, including new ones


def _no_empty_values(node, path="$"):
    if isinstance(node, dict):
        assert node, f"{path}: empty object"
        for key, value in node.items():
            _no_empty_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        assert node, f"{path}: empty array"
        for n, value in enumerate(node):
            _no_empty_values(value, f"{path}[{n}]")
    else:
        assert node is not None, f"{path}: null"
        if isinstance(node, str):
            assert node.strip(), f"{path}: empty string"


def check_questionnaire(q: dict) -> dict[str, dict]:
    """Structural checks a FHIR R4 validator applies; returns linkId -> item."""
    assert q["resourceType"] == "Questionnaire"
    assert ID.match(q["id"])
    assert NAME.match(q["name"])  # cnl-0
    assert q["status"] in {"draft", "active", "retired", "unknown"}
    assert re.match(r"^[a-z][a-z0-9+.\-]*:", q["url"]), "url must be an absolute URI"
    assert "|" not in q["url"]
    assert isinstance(q["version"], str)
    assert q["subjectType"] == ["Patient"]
    _no_empty_values(q)
    items: dict[str, dict] = {}
    for item in q["item"]:
        assert item["type"] in ITEM_TYPES
        assert isinstance(item["linkId"], str) and 0 < len(item["linkId"]) <= 255
        assert item["linkId"] not in items, "linkIds must be unique"
        items[item["linkId"]] = item
        if item["type"] == "display":  # que-6, que-9, que-11
            assert "required" not in item and "answerOption" not in item
            assert "readOnly" not in item
            continue
        if item["type"] == "choice":
            options = item["answerOption"]
            assert "answerValueSet" not in item  # que-4
            for option in options:
                values = [k for k in option if k.startswith("value")]
                assert values == ["valueCoding"]
                coding = option["valueCoding"]
                assert set(coding) <= {"system", "code", "display"}
                assert coding["system"] and coding["code"]
                (ext,) = option["extension"]
                assert ext["url"] == fhir.ORDINAL_VALUE
                assert isinstance(ext["valueDecimal"], int | float)
            codes = [(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in options]
            assert len(set(codes)) == len(codes)
        else:
            assert "answerOption" not in item  # que-5: options only on choice items
            assert item["readOnly"] is True
        for code in item.get("code", []):
            assert code["system"] and code["code"]
    return items


def check_response(qr: dict, q: dict) -> None:
    items = check_questionnaire(q)
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert qr["status"] in {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
    assert qr["questionnaire"] == f"{q['url']}|{q['version']}"
    if "authored" in qr:
        assert DATETIME.match(qr["authored"]), qr["authored"]
    _no_empty_values(qr)
    order = [i["linkId"] for i in q["item"]]
    seen = [i["linkId"] for i in qr["item"]]
    assert seen == [link for link in order if link in seen], "same order as the Questionnaire"
    answered = set(seen)
    for item in q["item"]:
        if item.get("required"):
            assert item["linkId"] in answered
    for entry in qr["item"]:
        qitem = items[entry["linkId"]]
        assert qitem["type"] != "display"
        if "text" in entry:
            assert entry["text"] == qitem["text"]
        (answer,) = entry["answer"]
        (key,) = answer.keys()
        assert key == VALUE_FOR_TYPE[qitem["type"]]
        value = answer[key]
        if key == "valueCoding":
            allowed = [o["valueCoding"] for o in qitem["answerOption"]]
            assert value in allowed
        elif key == "valueInteger":
            assert isinstance(value, int) and not isinstance(value, bool)
        else:
            assert isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize("name", NAMES)
def test_questionnaire_structure(name):
    inst = instruments.load(name)
    q = instruments.questionnaire(inst)
    items = check_questionnaire(q)
    assert json.loads(json.dumps(q)) == q
    choice = [i for i in q["item"] if i["type"] == "choice"]
    assert [i["linkId"] for i in choice] == [f"{name}-{n}" for n in range(1, len(inst.items) + 1)]
    assert [i["text"] for i in choice] == [i.text for i in inst.items]
    assert all(i["required"] is True for i in choice)
    for scale in inst.scales:
        assert items[f"{name}-score-{scale.id}"]["type"] in {"integer", "decimal"}
    assert inst.licence.split()[0] in q["copyright"]


def test_questionnaire_answer_options_and_codes():
    phq = instruments.questionnaire(instruments.load("phq9"))
    item9 = next(i for i in phq["item"] if i["linkId"] == "phq9-9")
    assert item9["code"] == [{"system": "http://loinc.org", "code": "44260-8"}]
    assert [o["valueCoding"]["code"] for o in item9["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    assert [o["extension"][0]["valueDecimal"] for o in item9["answerOption"]] == [0, 1, 2, 3]
    assert phq["code"][0]["code"] == "44249-1"
    rfq = instruments.questionnaire(instruments.load("rfq8"))
    item1 = next(i for i in rfq["item"] if i["linkId"] == "rfq8-1")
    codings = [o["valueCoding"] for o in item1["answerOption"]]
    assert [c["code"] for c in codings] == ["1", "2", "3", "4", "5", "6", "7"]
    assert codings[0]["display"] == "Strongly disagree"
    assert len({c["system"] for c in codings}) == 1
    assert codings[0]["system"].startswith("urn:uuid:")
    score_types = {i["linkId"]: i["type"] for i in rfq["item"] if i.get("readOnly")}
    assert score_types == {"rfq8-score-rfq_c": "decimal", "rfq8-score-rfq_u": "decimal"}


def test_canonical_url_is_stable_and_base_url_is_honoured():
    inst = instruments.load("gad7")
    assert instruments.questionnaire(inst)["url"] == instruments.questionnaire(inst)["url"]
    assert fhir.canonical_url(inst) != fhir.canonical_url(instruments.load("phq9"))
    q = instruments.questionnaire(inst, base_url="https://clinic.example/fhir/")
    assert q["url"] == "https://clinic.example/fhir/Questionnaire/mentalize-gad7"
    with pytest.raises(ValueError):
        fhir.canonical_url(inst, base_url="clinic.example")


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("phq9", [0, 1, 2, 3, 0, 1, 2, 3, 1]),
        ("gad7", [3, 3, 3, 3, 3, 3, 3]),
        ("rfq8", [1, 2, 3, 4, 5, 6, 7, 1]),
    ],
)
def test_questionnaire_response_structure(name, answers):
    inst = instruments.load(name)
    result = instruments.score(inst, answers)
    authored = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
    qr = instruments.questionnaire_response(
        result, authored=authored, subject="Patient/example", response_id="qr-1"
    )
    check_response(qr, instruments.questionnaire(inst))
    assert qr["authored"] == "2025-03-04T10:30:00+00:00"
    assert qr["subject"] == {"reference": "Patient/example"}
    assert qr["id"] == "qr-1"
    assert json.loads(json.dumps(qr)) == qr
    answers_by_link = {i["linkId"]: i["answer"][0] for i in qr["item"]}
    for n, answer in enumerate(answers, start=1):
        assert inst.option(answer).label == answers_by_link[f"{name}-{n}"]["valueCoding"]["display"]
    for scale in inst.scales:
        (value,) = answers_by_link[f"{name}-score-{scale.id}"].values()
        assert value == result.scores[scale.id]


def test_questionnaire_response_value_types():
    phq = instruments.questionnaire_response(instruments.score("phq9", [1] * 9))
    total = next(i for i in phq["item"] if i["linkId"] == "phq9-score-total")
    assert total["answer"] == [{"valueInteger": 9}]
    rfq = instruments.questionnaire_response(instruments.score("rfq8", [1] * 8))
    c = next(i for i in rfq["item"] if i["linkId"] == "rfq8-score-rfq_c")
    assert c["answer"] == [{"valueDecimal": 3.0}]
    assert "authored" not in phq and "subject" not in phq and "id" not in phq


def test_authored_needs_a_time_zone_and_accepts_dates():
    result = instruments.score("gad7", [0] * 7)
    with pytest.raises(ValueError, match="time zone"):
        instruments.questionnaire_response(result, authored=datetime(2025, 1, 1, 9, 0))
    qr = instruments.questionnaire_response(result, authored=date(2025, 1, 1))
    assert qr["authored"] == "2025-01-01"
    plus2 = timezone(timedelta(hours=2))
    qr = instruments.questionnaire_response(result, authored=datetime(2025, 1, 1, 9, tzinfo=plus2))
    assert qr["authored"] == "2025-01-01T09:00:00+02:00"


def test_response_and_questionnaire_share_the_base_url():
    inst = instruments.load("rfq8")
    base = "https://clinic.example/fhir"
    qr = instruments.questionnaire_response(instruments.score(inst, [4] * 8), base_url=base)
    q = instruments.questionnaire(inst, base_url=base)
    check_response(qr, q)
    coding = qr["item"][0]["answer"][0]["valueCoding"]
    assert coding["system"] == f"{base}/CodeSystem/mentalize-rfq8-answers"


# --- CSV for a series --------------------------------------------------------------------------


def test_series_csv_for_a_treatment():
    results = [
        instruments.score("phq9", [2, 2, 2, 2, 2, 2, 2, 2, 1]),  # 17, flag
        instruments.score("phq9", [1, 1, 1, 1, 1, 2, 2, 2, 0]),  # 11
        instruments.score("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0]),  # 8
    ]
    text = instruments.series_csv(results, dates=["2025-01-06", date(2025, 4, 7), None])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["total"] for r in rows] == ["17", "11", "8"]
    assert [r["date"] for r in rows] == ["2025-01-06", "2025-04-07", ""]
    assert [r["band"] for r in rows] == ["moderately_severe", "moderate", "mild"]
    assert rows[0]["flags"] == "phq9_item9_self_harm_thoughts" and rows[1]["flags"] == ""
    assert [r["total_change_from_first"] for r in rows] == ["", "-6", "-9"]
    assert [r["classification_vs_first"] for r in rows] == ["", "improved", "recovered"]
    assert rows[0]["item_9"] == "1"
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["administration", "date", "instrument", "version", "item_1", "item_2"]


def test_series_csv_rfq_has_no_classification():
    results = [instruments.score("rfq8", [1] * 8), instruments.score("rfq8", [4] * 8)]
    rows = list(csv.DictReader(io.StringIO(instruments.series_csv(results))))
    assert rows[1]["rfq_c_change_from_first"] == "-3"
    assert rows[1]["classification_vs_first"] == ""
    assert rows[0]["rfq_u"] == "0.5"


def test_series_csv_refuses_mixed_or_empty_series_and_keeps_dates_inert():
    with pytest.raises(InputError, match="mixes instruments"):
        instruments.series_csv(
            [instruments.score("phq9", [0] * 9), instruments.score("gad7", [0] * 7)]
        )
    with pytest.raises(InputError, match="no administrations"):
        instruments.series_csv([])
    with pytest.raises(InputError, match="2 dates for 1"):
        instruments.series_csv([instruments.score("gad7", [0] * 7)], dates=["a", "b"])
    text = instruments.series_csv([instruments.score("gad7", [0] * 7)], dates=["=HYPERLINK()"])
    assert "'=HYPERLINK()" in text


@pytest.mark.parametrize("date_text", ["\tTab", "\r=1+1", "@SUM(A1)", "-2", "+3", "=1"])
def test_series_csv_quotes_every_formula_start(date_text):
    """One rule with the clinic's exports (mentalize.csv_safe): a tab or carriage return starts
    a formula too, and such a cell comes back with a leading quote."""
    text = instruments.series_csv([instruments.score("gad7", [0] * 7)], dates=[date_text])
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["date"] == "'" + date_text


def test_series_csv_leaves_negative_numbers_as_numbers():
    results = [instruments.score("phq9", [2] * 9), instruments.score("phq9", [0] * 9)]
    text = instruments.series_csv(results, dates=["2025-01-06", "2025-04-07"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["total_change_from_first"] == "-18"  # a number, not "'-18"
    assert "'-" not in text


@pytest.mark.parametrize("name", NAMES)
def test_resources_parse_with_fhir_resources_models_when_installed(name):
    """Optional cross-check with the ``fhir.resources`` package (pydantic models of FHIR R4B,
    whose Questionnaire and QuestionnaireResponse match R4). Not a dependency: skipped unless
    installed."""
    models = pytest.importorskip("fhir.resources.R4B.questionnaire")
    responses = pytest.importorskip("fhir.resources.R4B.questionnaireresponse")
    inst = instruments.load(name)
    low = [inst.min_answer] * len(inst.items)
    q = instruments.questionnaire(inst)
    qr = instruments.questionnaire_response(
        instruments.score(inst, low), authored=date(2025, 1, 1), subject="Patient/1"
    )
    models.Questionnaire.model_validate(q)
    responses.QuestionnaireResponse.model_validate(qr)
