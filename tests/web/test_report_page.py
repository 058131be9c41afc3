"""What clinicians see of a session's report and a questionnaire's result (issue 19).

The session page lists the session's risk flags above the report frame and links to the report
on a full page, as a print copy and as a download (same access and audit as the frame, same
sandboxing policy). The questionnaire page says each flag once, marks the flagged answer, and
shows change from the previous and the first administration by the engine's reliable-change rule.
New questionnaires and sessions preselect a patient's only active episode.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import services
from mentalize.web.records.models import Patient, Treatment

RISK_TRANSCRIPT = (
    "T: How have things been since last week?\n"
    "P: Honestly, I want to kill myself. I keep thinking about it at night.\n"
    "T: Thank you for telling me. Can you say more about those thoughts?\n"
    "P: They come when I am alone and I feel nobody would notice.\n"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def risky() -> Any:
    return services.analyse(RISK_TRANSCRIPT, None)


@pytest.fixture
def risk_session(chart: dict[str, Any], people: dict[str, Any], risky: Any) -> Any:
    return services.add_session(
        people["owner"], chart["patient"], chart["treatment"], dt.date(2026, 2, 9), risky
    )


def test_session_page_lists_risk_turns_above_the_frame(
    client: Any, people: dict[str, Any], risk_session: Any
) -> None:
    client.force_login(people["owner"])
    body = client.get(f"/sessions/{risk_session.pk}/").content.decode()
    assert "Risk language in this session" in body
    assert "Suicidal ideation language</span>2 flags, up to active thoughts of suicide" in body
    assert f'href="/sessions/{risk_session.pk}/report/#risk" target="report"' in body
    assert body.index("Suicidal ideation language") < body.index('<iframe class="report"')
    assert 'name="report"' in body and 'sandbox="allow-scripts"' in body


def test_session_without_risk_shows_no_list(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    calm = services.analyse("T: How was the week?\nP: Calm. I saw my sister and we talked.\n", None)
    session = services.add_session(
        people["owner"], chart["patient"], chart["treatment"], dt.date(2026, 2, 16), calm
    )
    client.force_login(people["owner"])
    body = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "risk-turns" not in body
    for link in ("Open full page", "Print", "Download HTML"):
        assert link in body


def test_download_is_an_attachment_with_the_reports_policy_and_is_audited(
    client: Any, people: dict[str, Any], risk_session: Any
) -> None:
    client.force_login(people["owner"])
    before = AuditEntry.objects.count()
    response = client.get(f"/sessions/{risk_session.pk}/report/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="mentalize-session-2026-02-09-{risk_session.pk}.html"'
    )
    assert response["Content-Type"].startswith("text/html")
    csp = response["Content-Security-Policy"]
    assert csp.endswith("sandbox allow-scripts") and "default-src 'none'" in csp
    assert "kill myself" in response.content.decode()
    assert AuditEntry.objects.count() == before + 1


def test_print_copy_opens_the_dialog_and_keeps_the_sandbox(
    client: Any, people: dict[str, Any], risk_session: Any
) -> None:
    client.force_login(people["owner"])
    response = client.get(f"/sessions/{risk_session.pk}/report/print/")
    body = response.content.decode()
    assert "print();" in body and body.rstrip().endswith("</html>")
    csp = response["Content-Security-Policy"]
    assert "sandbox allow-scripts allow-modals" in csp
    assert "allow-same-origin" not in csp and "default-src 'none'" in csp
    assert len(re.findall(r"'sha256-", csp)) == 2
    assert "Content-Disposition" not in response


def test_copies_follow_the_frames_access_rules(
    client: Any, people: dict[str, Any], risk_session: Any
) -> None:
    client.force_login(people["other"])
    assert client.get(f"/sessions/{risk_session.pk}/report/download/").status_code == 404
    client.force_login(people["sup"])
    assert client.get(f"/sessions/{risk_session.pk}/report/download/").status_code == 200
    assert client.get(f"/sessions/{risk_session.pk}/report/other/").status_code == 404


def test_no_copy_before_the_analysis_is_done(
    client: Any, people: dict[str, Any], risk_session: Any
) -> None:
    risk_session.analysis_status = "pending"
    risk_session.save(update_fields=["analysis_status"])
    client.force_login(people["owner"])
    assert client.get(f"/sessions/{risk_session.pk}/report/download/").status_code == 404
    assert "Download HTML" not in client.get(f"/sessions/{risk_session.pk}/").content.decode()


def _phq(owner: Any, chart: dict[str, Any], answers: list[int], day: int) -> Any:
    return services.add_questionnaire(
        owner, chart["patient"], chart["treatment"], "phq9", answers, dt.date(2026, 3, day)
    )


def test_phq9_flag_is_said_once_and_its_row_marked(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    entry = _phq(people["owner"], chart, [1, 0, 0, 0, 0, 0, 0, 0, 1], 2)
    client.force_login(people["owner"])
    body = client.get(f"/questionnaires/{entry.pk}/").content.decode()
    assert "Item 9: Item 9" not in body
    assert "FLAG (item 9 answered 1)" not in body
    assert body.count("Item 9 (thoughts of being better off dead") == 1
    flagged = re.findall(r'<tr class="flagged"><td>(\d+)</td>', body)
    assert flagged == ["9"]
    assert "critical item" in body


def test_phq9_shows_change_from_previous_and_first(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    # The chart's PHQ-9 of 2026-02-02 totals 7; then 16 (+9: reliably worse), then 14 (-2).
    _phq(people["owner"], chart, [2, 2, 2, 2, 2, 2, 2, 2, 0], 2)
    latest = _phq(people["owner"], chart, [2, 2, 2, 2, 2, 2, 1, 1, 0], 9)
    client.force_login(people["owner"])
    before = AuditEntry.objects.count()
    body = client.get(f"/questionnaires/{latest.pk}/").content.decode()
    assert AuditEntry.objects.count() == before + 3  # the entry and both it is compared with
    text = re.sub(r"<[^>]+>", " ", body)
    text = " ".join(text.split())
    assert "previous, 2026-03-02 PHQ-9 total 16 -2 no reliable change" in text
    assert "first, 2026-02-02 PHQ-9 total 7 +7 reliable deterioration" in text
    assert "a change of 6 or more points" in text


def test_first_phq9_says_there_is_nothing_to_compare(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    body = client.get(f"/questionnaires/{chart['questionnaire'].pk}/").content.decode()
    assert "nothing to compare with yet" in body


def test_forms_preselect_the_only_active_episode(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    pk = chart["patient"].pk
    selected = f'<option value="{chart["treatment"].pk}" selected>'
    for url in (
        f"/patients/{pk}/questionnaires/phq9/new/",
        f"/patients/{pk}/sessions/new/",
    ):
        assert selected in client.get(url).content.decode(), url
    services.create(
        people["owner"],
        Treatment,
        patient=chart["patient"],
        modality="group",
        frequency="weekly",
        start=dt.date(2026, 3, 1),
        status="active",
    )
    body = client.get(f"/patients/{pk}/questionnaires/phq9/new/").content.decode()
    assert '<option value="" selected>(no episode)</option>' in body


def test_no_episode_stays_the_default_without_an_active_one(
    client: Any, people: dict[str, Any]
) -> None:
    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0002", name="B", clinician=owner)
    services.create(
        owner,
        Treatment,
        patient=patient,
        modality="individual",
        frequency="weekly",
        start=dt.date(2025, 1, 5),
        status="completed",
    )
    client.force_login(owner)
    body = client.get(f"/patients/{patient.pk}/questionnaires/phq9/new/").content.decode()
    assert '<option value="" selected>(no episode)</option>' in body
