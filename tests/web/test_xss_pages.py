"""HTML and script stay text on every clinic page that shows stored words.

A patient's record is filled with hostile payloads: transcript turns and speaker names (through the
same analysis and report renderer an upload uses), the patient's name, clinician and
psychotherapy notes, and every crisis-plan field. Each page that shows them is parsed with
``html.parser`` (``assert_inert`` from tests/report/test_xss_report.py): no element, event
handler or ``javascript:`` URL may come from a payload, and pages carry a
Content-Security-Policy that forbids inline script anyway. API answers and exports are JSON or
attachments, never HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.report.test_xss_report import MARK, PAYLOADS, assert_inert, hostile_jsonl

ALL = " ".join(PAYLOADS)


@pytest.fixture
def hostile(people: dict[str, Any]) -> dict[str, Any]:
    from mentalize.web.records import services
    from mentalize.web.records.models import Patient, Treatment

    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0666", name=ALL[:200], clinician=owner)
    treatment = services.create(
        owner,
        Treatment,
        patient=patient,
        modality="individual",
        frequency="weekly",
        start=dt.date(2026, 1, 5),
        status="active",
    )
    label = f"<img src=x onerror=alert('{MARK}-label')> session"  # the report's source line
    analysed = services.analyse(hostile_jsonl(), "jsonl", label=label)
    session = services.add_session(owner, patient, treatment, dt.date(2026, 2, 2), analysed)
    services.add_note(owner, session, ALL, restricted=False)
    services.add_note(owner, session, ALL, restricted=True)
    for _ in range(2):  # two versions, so the page shows an earlier one as well
        services.add_crisis_plan_version(
            owner,
            treatment,
            patient_can_do=ALL,
            professionals_do=ALL,
            information_for_others=ALL,
        )
    services.add_questionnaire(
        owner, patient, treatment, "phq9", [3, 3, 3, 3, 3, 3, 3, 3, 3], dt.date(2026, 2, 2)
    )
    return {"patient": patient, "treatment": treatment, "session": session}


def pages(hostile: dict[str, Any]) -> list[str]:
    patient, treatment, session = hostile["patient"], hostile["treatment"], hostile["session"]
    return [
        "/patients/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/overview/",
        f"/patients/{patient.pk}/export/",
        f"/patients/{patient.pk}/questionnaire-links/",
        f"/sessions/{session.pk}/",
        f"/treatments/{treatment.pk}/crisis-plan/",
    ]


def check_csp(response: Any, *, script_hash: bool = False) -> None:
    """A policy that runs no inline script (the report's one script is allowed by its hash)."""
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    assert script, policy
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "object-src" in directives or directives.get("default-src") == ["'none'"]
    if script_hash:
        assert "'sha256-" in policy and "sandbox" in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_page_showing_stored_words_renders_them_inert(
    client: Any, people: dict[str, Any], hostile: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    for url in pages(hostile):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode("utf-8")
        assert_inert(page)
        check_csp(response)
    # the words are on the pages that show them, as text (so the checks above were not vacuous)
    for url in (
        f"/patients/{hostile['patient'].pk}/",
        f"/sessions/{hostile['session'].pk}/",
        f"/treatments/{hostile['treatment'].pk}/crisis-plan/",
    ):
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page, url
    notes = client.get(f"/sessions/{hostile['session'].pk}/").content.decode()
    assert notes.count("&lt;img src=x onerror=") >= 2  # clinician and psychotherapy note


def test_the_supervisor_sees_the_same_pages_inert(
    client: Any, people: dict[str, Any], hostile: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    for url in pages(hostile):
        response = client.get(url)
        if response.status_code == 200:
            assert_inert(response.content.decode("utf-8"))


def test_the_stored_report_is_inert_sandboxed_and_runs_only_its_own_script(
    client: Any, people: dict[str, Any], hostile: dict[str, Any]
) -> None:
    from mentalize.report.html import _SCRIPT

    client.force_login(people["owner"])
    response = client.get(f"/sessions/{hostile['session'].pk}/report/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode("utf-8")
    assert_inert(page, allowed_scripts=(_SCRIPT,))
    assert "&lt;script&gt;alert(" in page and f"alert(&#x27;{MARK}-label&#x27;)&gt; session" in page
    check_csp(response, script_hash=True)


def test_the_self_report_page_is_inert(
    client: Any, people: dict[str, Any], hostile: dict[str, Any]
) -> None:
    from mentalize.web.questionnaire_links.services import create_link

    _link, token = create_link(people["owner"], hostile["patient"], "phq9", hostile["treatment"])
    response = client.get(f"/q/{token}/")
    assert response.status_code == 200
    page = response.content.decode("utf-8")
    assert_inert(page)
    assert MARK not in page, "the patient's own page shows no record data"
    check_csp(response)


def test_api_answers_and_exports_are_never_html(
    client: Any, people: dict[str, Any], hostile: dict[str, Any]
) -> None:
    from mentalize.web.accounts.services import new_token

    auth = {"HTTP_AUTHORIZATION": f"Bearer {new_token('owner')}"}
    patient, session = hostile["patient"].pk, hostile["session"].pk
    for url in (
        f"/api/v1/patients/{patient}/",
        f"/api/v1/patients/{patient}/overview/",
        f"/api/v1/sessions/{session}/analysis/",
    ):
        response = client.get(url, **auth)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        # JSON does not escape "<": the payload is inert because the body is a JSON string
        # under a JSON content type with nosniff, which no browser renders as a page
        response.json()
    analysis = client.get(f"/api/v1/sessions/{session}/analysis/", **auth).json()
    assert any(PAYLOADS[0] in turn["text"] for turn in analysis["turns"])
    for fmt, kind in (("fhir", "application/fhir+json"), ("csv", "application/zip")):
        response = client.get(f"/api/v1/patients/{patient}/export/", {"format": fmt}, **auth)
        assert response.status_code == 200
        assert response["Content-Type"] == kind
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
