"""Alert reviews and supervision comments in a patient's export (issue 19).

The CSV zip holds both as tables (text cells formula-safe); the FHIR bundle holds each supervision
comment as a Communication from the supervisor to the treating clinician about the patient (and
the session's Encounter), and leaves alert reviews out (no R4 resource records a review of a
computed alert; see exports/fhir_bundle.py). Every exported row is audited as an export.
"""

from __future__ import annotations

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
from mentalize.web.records import services
from mentalize.web.records.models import AlertReview

NOTE = '=HYPERLINK("http://x";"called her back")'  # a note a spreadsheet would run
PLAIN_NOTE = "Called her back the same day; plan gone through."
FIRST = "Notice how quickly you reassured her after the break."
LATER = "-Worth bringing to the group: the pretend mode at minute 20."


@pytest.fixture
def reviewed(people: dict[str, Any], chart: dict[str, Any]) -> dict[str, Any]:
    owner, sup, patient = people["owner"], people["sup"], chart["patient"]

    def review(kind: str, source: Any, note: str) -> AlertReview:
        return services.create(
            owner,
            AlertReview,
            patient=patient,
            kind=kind,
            source_id=source.pk,
            alert_date=source.date,
            note=note,
            reviewed_by=owner,
        )

    return {
        **chart,
        "reviews": [
            review(AlertReview.Kind.OUTCOME, chart["outcome"], NOTE),
            review(AlertReview.Kind.RISK_FLAGS, chart["session"], PLAIN_NOTE),
        ],
        "first": services.add_supervision_comment(sup, patient, FIRST, chart["session"]),
        "later": services.add_supervision_comment(sup, patient, LATER),
    }


def _export(client: Any, role: str, pk: int, fmt: str) -> Any:
    response = client.get(
        f"/api/v1/patients/{pk}/export/",
        {"format": fmt},
        HTTP_AUTHORIZATION=f"Bearer {new_token(role)}",
    )
    assert response.status_code == 200
    return response


def _tables(response: Any) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        out = {}
        for name in archive.namelist():
            reader = csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"), newline=""))
            assert tuple(reader.fieldnames or ()) == COLUMNS[name]
            out[name] = list(reader)
        return out


@pytest.mark.parametrize("role", ["owner", "sup"])
def test_csv_tables_hold_reviews_and_comments(
    client: Any, reviewed: dict[str, Any], role: str
) -> None:
    files = _tables(_export(client, role, reviewed["patient"].pk, "csv"))
    outcome_review, risk_review = reviewed["reviews"]
    assert files["alert_reviews.csv"] == [
        {
            "review_id": str(r.pk),
            "kind": r.kind,
            "alert_date": r.alert_date.isoformat(),
            "source_id": str(r.source_id),
            "reviewed_by": "owner",
            "reviewed_at": r.reviewed_at.isoformat(timespec="seconds"),
            "note": note,
        }
        for r, note in ((outcome_review, "'" + NOTE), (risk_review, PLAIN_NOTE))
    ]
    comments = files["supervision_comments.csv"]
    assert [c["comment_id"] for c in comments] == [
        str(reviewed["first"].pk),
        str(reviewed["later"].pk),
    ]  # oldest first, as every table of the export
    assert [c["session_id"] for c in comments] == [str(reviewed["session"].pk), ""]
    assert [c["author"] for c in comments] == ["sup", "sup"]
    # Formula-safe: a cell starting with "-" or "=" gets a leading quote, the rest is unchanged.
    assert [c["text"] for c in comments] == [FIRST, "'" + LATER]


def test_csv_tables_are_there_but_empty_without_any(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    files = _tables(_export(client, "owner", chart["patient"].pk, "csv"))
    assert files["alert_reviews.csv"] == [] and files["supervision_comments.csv"] == []


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_fhir_comments_are_communications_and_reviews_are_left_out(
    client: Any, reviewed: dict[str, Any]
) -> None:
    response = _export(client, "sup", reviewed["patient"].pk, "fhir")
    bundle = json.loads(response.content)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    (patient_url,) = [u for u, r in by_url.items() if r["resourceType"] == "Patient"]
    (encounter_url,) = [u for u, r in by_url.items() if r["resourceType"] == "Encounter"]
    found = _resources(bundle, "Communication")
    assert [c["payload"] for c in found] == [[{"contentString": FIRST}], [{"contentString": LATER}]]
    for comment, row in zip(found, (reviewed["first"], reviewed["later"]), strict=True):
        assert comment["status"] == "completed"
        assert comment["subject"] == {"reference": patient_url}
        assert comment["sender"] == {"display": "sup"}
        assert comment["recipient"] == [{"display": "owner"}]
        assert comment["sent"] == row.created_at.isoformat(timespec="seconds")
        assert comment["identifier"][0]["value"] == str(row.pk)
        assert comment["category"][0]["coding"][0]["code"] == "supervision-comment"
    assert found[0]["about"] == [{"reference": encounter_url}]
    assert "about" not in found[1]
    text = response.content.decode("utf-8")
    assert PLAIN_NOTE not in text and "called her back" not in text


def test_fhir_bundle_with_comments_parses_with_fhir_resources(
    client: Any, reviewed: dict[str, Any]
) -> None:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(_export(client, "owner", reviewed["patient"].pk, "fhir").content)
    parsed = Bundle.model_validate(bundle)
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds.count("Communication") == 2


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_each_review_and_comment_exported_is_audited(
    client: Any, reviewed: dict[str, Any], fmt: str
) -> None:
    """Exactly what is in the file: the bundle leaves alert reviews out, so its audit does too."""
    pk = reviewed["patient"].pk
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    _export(client, "sup", pk, fmt)
    exported = set(
        AuditEntry.objects.filter(seq__gt=last, action="export")
        .exclude(object_type__in=("records.alertreview", "records.supervisioncomment"))
        .values_list("object_type", flat=True)
    )
    assert "records.patient" in exported and "records.session" in exported
    found = set(
        AuditEntry.objects.filter(
            seq__gt=last,
            action="export",
            object_type__in=("records.alertreview", "records.supervisioncomment"),
        ).values_list("actor", "object_type", "object_id")
    )
    reviews = {("sup", "records.alertreview", str(r.pk)) for r in reviewed["reviews"]}
    comments = {
        ("sup", "records.supervisioncomment", str(reviewed[k].pk)) for k in ("first", "later")
    }
    assert found == (reviews | comments if fmt == "csv" else comments)
    assert verify().ok
