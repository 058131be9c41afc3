"""Export of a patient's record: FHIR R4 bundle and CSV zip, pages and API, as a role matrix.

owner      exports (200), with psychotherapy notes only when asked
sup        exports read-only (200) without psychotherapy notes; asking for them: 403
other, other_sup, admin   404: the patient does not exist for them
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from typing import Any

import pytest

from mentalize.web.accounts.services import new_token
from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.exports.tables import COLUMNS

ROLES = ("owner", "sup", "other", "other_sup", "admin")
API_ROLES = ROLES[:-1]  # admins get no API token at all (accounts.services.new_token)
READ = {"owner": 200, "sup": 200, "other": 404, "other_sup": 404, "admin": 404}
RESTRICTED = {"owner": 200, "sup": 403, "other": 404, "other_sup": 404, "admin": 404}


@pytest.fixture
def tokens(people: dict[str, Any]) -> dict[str, str]:
    return {role: new_token(role) for role in API_ROLES}


def _api(client: Any, token: str, pk: int, **params: str) -> Any:
    return client.get(
        f"/api/v1/patients/{pk}/export/", params, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _texts(bundle: dict[str, Any]) -> list[str]:
    """Every plain-text attachment in the bundle, decoded."""
    out = []
    for doc in _resources(bundle, "DocumentReference"):
        attachment = doc["content"][0]["attachment"]
        if attachment["contentType"].startswith("text/plain"):
            out.append(base64.b64decode(attachment["data"]).decode("utf-8"))
    return out


def _exports(patient_id: int) -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.filter(patient_id=patient_id, action__startswith="export")
        .order_by("seq")
        .values_list("actor", "action", "object_type")
    )


# -- who may export --------------------------------------------------------------------------


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("fmt", ["fhir", "csv"])
def test_api_export_matrix(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], role: str, fmt: str
) -> None:
    pk = chart["patient"].pk
    response = _api(client, tokens[role], pk, format=fmt)
    assert response.status_code == READ[role]
    if READ[role] == 200:
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert "MBT-0001" not in response["Content-Disposition"]  # ids only, never the code
        assert response["Cache-Control"] == "no-store, private"
        assert _exports(pk)[0] == (role, "export", "records.patient")
    else:
        assert response.json() == {"error": "not found"} and _exports(pk) == []


@pytest.mark.parametrize("role", API_ROLES)
def test_api_psychotherapy_notes_only_for_the_owner(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], role: str
) -> None:
    pk = chart["patient"].pk
    response = _api(client, tokens[role], pk, format="fhir", psychotherapy_notes="true")
    assert response.status_code == RESTRICTED[role]
    if role != "owner":
        assert _exports(pk) == []  # a refused export leaves no export entry


@pytest.mark.parametrize("role", ROLES)
def test_page_export_matrix(
    client: Any, people: dict[str, Any], chart: dict[str, Any], role: str
) -> None:
    client.force_login(people[role])
    url = f"/patients/{chart['patient'].pk}/export/"
    page = client.get(url)
    assert page.status_code == READ[role]
    if READ[role] != 200:
        assert client.post(url, {"format": "fhir"}).status_code == 404
        return
    assert ("psychotherapy_notes" in page.content.decode()) == (role == "owner")
    # A supervisor's forged tick is ignored: the field does not exist for them.
    response = client.post(url, {"format": "fhir", "psychotherapy_notes": "on"})
    assert response.status_code == 200
    texts = _texts(json.loads(response.content))
    assert ("Process note: my own irritation." in texts) == (role == "owner")


def test_patient_page_links_to_the_export(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    page = client.get(f"/patients/{chart['patient'].pk}/").content.decode()
    assert f"/patients/{chart['patient'].pk}/export/" in page


def test_bad_format_is_a_400(client: Any, tokens: dict[str, str], chart: dict[str, Any]) -> None:
    response = _api(client, tokens["owner"], chart["patient"].pk, format="xml")
    assert response.status_code == 400 and "fhir or csv" in response.json()["error"]


# -- FHIR ------------------------------------------------------------------------------------


def test_fhir_bundle_holds_the_record(
    client: Any, tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    response = _api(client, tokens["owner"], chart["patient"].pk, format="fhir")
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)

    (patient,) = _resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == "MBT-0001"
    assert patient["name"] == [{"text": "Ada Example"}]
    subject = {"reference": urls[0]}
    (episode,) = _resources(bundle, "EpisodeOfCare")
    assert episode["status"] == "active" and episode["patient"] == subject
    (encounter,) = _resources(bundle, "Encounter")
    episode_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare"
    )
    assert encounter["episodeOfCare"] == [{"reference": episode_url}]

    analysis = next(
        d
        for d in _resources(bundle, "DocumentReference")
        if d["content"][0]["attachment"]["contentType"] == "application/json"
    )
    attached = json.loads(base64.b64decode(analysis["content"][0]["attachment"]["data"]))
    assert attached["schema"] == "mentalize.session/1"
    assert attached == json.loads(chart["session"].analysis_json)

    texts = _texts(bundle)
    assert "Clinician note: steady alliance." in texts
    assert "Process note: my own irritation." not in texts  # not chosen

    (response_resource,) = _resources(bundle, "QuestionnaireResponse")
    assert response_resource["subject"] == subject and response_resource["authored"] == "2026-02-02"
    (questionnaire,) = _resources(bundle, "Questionnaire")
    assert response_resource["questionnaire"].startswith(questionnaire["url"])
    scores = [o for o in _resources(bundle, "Observation") if "valueInteger" in o]
    assert [(o["code"]["coding"][0]["code"], o["valueInteger"]) for o in scores] == [
        ("44261-6", 7)  # PHQ-9 total, LOINC
    ]
    assert scores[0]["interpretation"] == [{"text": "mild"}]
    outcome = [o for o in _resources(bundle, "Observation") if "valueInteger" not in o]
    assert [(o["code"]["coding"][0]["code"], o["effectiveDateTime"]) for o in outcome] == [
        ("crisis_contact", "2026-02-09")
    ]
    (plan,) = _resources(bundle, "CarePlan")
    assert plan["status"] == "active" and "Call a friend." in plan["note"][0]["text"]


def test_one_code_in_two_caseloads_exports_two_identifiers(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], people: dict[str, Any]
) -> None:
    """Codes are unique per caseload (issue 18, finding 7), so ``other`` may have an MBT-0001
    too; the Patient identifiers' systems name the caseload, so a receiver matching on system
    and value keeps the two patients apart."""
    from mentalize.web.exports.fhir_bundle import PATIENT_CODE_SYSTEM, patient_code_system
    from mentalize.web.records import services
    from mentalize.web.records.models import Patient

    other = people["other"]
    twin = services.create(other, Patient, code="MBT-0001", clinician=other)
    identifiers = []
    for role, pk in (("owner", chart["patient"].pk), ("other", twin.pk)):
        response = _api(client, tokens[role], pk, format="fhir")
        assert response.status_code == 200
        (patient,) = _resources(json.loads(response.content), "Patient")
        identifiers.append(patient["identifier"][0])
    owners = (people["owner"].pk, other.pk)
    assert [i["value"] for i in identifiers] == ["MBT-0001", "MBT-0001"]
    assert [i["system"] for i in identifiers] == [patient_code_system(pk) for pk in owners]
    assert all(i["system"].startswith(f"{PATIENT_CODE_SYSTEM}/clinician/") for i in identifiers)
    assert identifiers[0]["system"] != identifiers[1]["system"]


def test_psychotherapy_notes_when_chosen_are_labelled_and_audited_apart(
    client: Any, tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    pk = chart["patient"].pk
    response = _api(client, tokens["owner"], pk, format="fhir", psychotherapy_notes="true")
    bundle = json.loads(response.content)
    restricted = [d for d in _resources(bundle, "DocumentReference") if "meta" in d]
    assert len(restricted) == 1
    assert restricted[0]["meta"]["security"][0]["code"] == "PSYTHPN"
    assert "Process note: my own irritation." in _texts(bundle)
    entries = _exports(pk)
    assert ("owner", "export_psychotherapy_notes", "records.patient") in entries
    assert ("owner", "export_psychotherapy_notes", "records.psychotherapynote") in entries
    assert ("owner", "export", "records.session") in entries
    assert ("owner", "export", "records.psychotherapynote") not in entries
    assert verify().ok


def test_without_psychotherapy_notes_the_audit_says_so(
    client: Any, tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    pk = chart["patient"].pk
    _api(client, tokens["owner"], pk, format="csv")
    actions = {action for _, action, _ in _exports(pk)}
    assert actions == {"export"}


@pytest.fixture
def bundle_json(client: Any, tokens: dict[str, str], chart: dict[str, Any]) -> dict[str, Any]:
    response = _api(
        client, tokens["owner"], chart["patient"].pk, format="fhir", psychotherapy_notes="1"
    )
    return json.loads(response.content)


def test_every_resource_parses_with_fhir_resources(bundle_json: dict[str, Any]) -> None:
    """Structure check with the fhir.resources models (a test-only dependency). Its R4B models
    are R4 plus additions; every element the export uses is the same in both."""
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.bundle import Bundle

    parsed = Bundle.model_validate(bundle_json)
    kinds = {entry.resource.get_resource_type() for entry in parsed.entry}
    assert kinds == {
        "Patient",
        "EpisodeOfCare",
        "Encounter",
        "DocumentReference",
        "CarePlan",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
    }


def test_a_broken_bundle_is_refused_by_the_validator(bundle_json: dict[str, Any]) -> None:
    """The validation above can fail: an Encounter without its required class does."""
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    for entry in bundle_json["entry"]:
        if entry["resource"]["resourceType"] == "Encounter":
            del entry["resource"]["status"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle_json)


# -- CSV -------------------------------------------------------------------------------------


def _zip(response: Any) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        out = {}
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            assert tuple(reader.fieldnames or ()) == COLUMNS[name]
            out[name] = list(reader)
        return out


def test_csv_zip_holds_tidy_tables(
    client: Any, tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    response = _api(client, tokens["sup"], chart["patient"].pk, format="csv")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.csv.zip"')
    files = _zip(response)
    assert "psychotherapy_notes.csv" not in files
    assert files["patient.csv"][0]["code"] == "MBT-0001"
    assert files["patient.csv"][0]["exported_by"] == "sup"
    (session,) = files["sessions.csv"]
    assert session["session_id"] == str(chart["session"].pk)
    assert session["treatment_id"] == str(chart["treatment"].pk)
    assert 0 <= float(session["patient_mentalizing_mean"]) <= 1
    assert int(session["risk_flags"]) >= 1
    # The export and the overview read one session the same way (issue 15: they once said
    # 0.25 and 0.58 for one session, the export counting backchannels).
    from mentalize.web.records.overview import summarise_session

    shown = summarise_session(chart["session"])
    assert float(session["patient_mentalizing_mean"]) == round(shown.mentalizing, 4)
    assert float(session["patient_arousal_mean"]) == round(shown.arousal, 4)
    (score,) = files["questionnaire_scores.csv"]
    assert (score["instrument"], score["scale"], score["score"], score["band"]) == (
        "phq9",
        "total",
        "7",
        "mild",
    )
    answers = files["questionnaire_answers.csv"]
    assert [a["answer"] for a in answers] == ["1", "1", "2", "1", "0", "1", "1", "0", "0"]
    assert files["outcome_events.csv"] == [
        {
            "event_id": str(chart["outcome"].pk),
            "treatment_id": str(chart["treatment"].pk),
            "date": "2026-02-09",
            "kind": "crisis_contact",
            "severity": "",
            "session_id": "",
            "note": "",
        }
    ]
    assert files["clinician_notes.csv"][0]["text"] == "Clinician note: steady alliance."
    assert files["crisis_plans.csv"][0]["patient_can_do"] == "Call a friend."


def test_csv_with_psychotherapy_notes(
    client: Any, tokens: dict[str, str], chart: dict[str, Any]
) -> None:
    response = _api(
        client, tokens["owner"], chart["patient"].pk, format="csv", psychotherapy_notes="yes"
    )
    files = _zip(response)
    assert files["psychotherapy_notes.csv"][0]["text"] == "Process note: my own irritation."


def test_export_writes_nothing_to_disk(
    client: Any, tokens: dict[str, str], chart: dict[str, Any], tmp_path: Any, monkeypatch: Any
) -> None:
    """No temporary file is made on the way (the zip and the JSON are built in memory)."""
    import tempfile

    made: list[str] = []
    real = tempfile.mkstemp

    def spy(*args: Any, **kwargs: Any) -> Any:
        made.append("mkstemp")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    for fmt in ("fhir", "csv"):
        assert _api(client, tokens["owner"], chart["patient"].pk, format=fmt).status_code == 200
    assert made == []
