"""The patient overview: per-session numbers, questionnaire series with reliable change from the
instrument engine, alerts that appear and clear, an SVG without clinical text, and who may see it.

The sessions here carry hand-written ``mentalize.session/1`` analyses, so every expected mean is
known exactly rather than read back from the analyser.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from typing import Any

import pytest

from mentalize.analysis.results import (
    Recommendation,
    RiskFlag,
    Series,
    SessionAnalysis,
    SessionSummary,
)
from mentalize.outputs.schema import to_json
from mentalize.web.accounts.services import new_token
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import overview, services
from mentalize.web.records.figures import figures_json
from mentalize.web.records.models import Patient

TODAY = dt.date(2026, 6, 1)
RISK_WORDS = "wished I could vanish"
NAME = "Bea Confidential"
TRANSCRIPT = "P: A sentence that must never reach the chart.\n"
NOTE = "Note text that stays out of the overview."

# PHQ-9 totals 9, 16, 14: +7 (reliable deterioration, criterion 6), then +5 (not reliable).
PHQ_9 = [1, 1, 1, 1, 1, 1, 1, 2, 0]
PHQ_16 = [2, 2, 2, 2, 2, 2, 2, 2, 0]
PHQ_14 = [2, 2, 2, 2, 2, 2, 1, 1, 0]
PHQ_14_ITEM9 = [2, 2, 2, 2, 2, 2, 1, 0, 1]  # same total, item 9 answered: a critical flag
GAD_15 = [2, 2, 2, 2, 2, 2, 3]
GAD_10 = [2, 2, 2, 1, 1, 1, 1]  # -5: reliable improvement (4), still above the cut-off (8)
RFQ_A = [1, 2, 3, 4, 5, 6, 7, 1]
RFQ_B = [7, 7, 7, 7, 7, 7, 7, 7]


def _analysis(
    series: list[tuple[list[float], list[float]]],
    calibration: float | None,
    stance: float | None,
    risks: list[str],
) -> str:
    """A typed analysis with only the parts the overview reads, written as stored."""
    analysis = SessionAnalysis(
        source="session",
        format="text",
        turns=(),
        series=tuple(
            Series(
                speaker=f"P{n}",
                turns=tuple(range(len(m))),
                arousal=tuple(a),
                mentalizing=tuple(m),
                arousal_smoothed=tuple(a),
                mentalizing_smoothed=tuple(m),
            )
            for n, (m, a) in enumerate(series)
        ),
        episodes=(),
        session=SessionSummary(
            calibration=calibration,
            stance=stance,
            intervention_counts={},
            ruptures=(),
            repairs=(),
            risk_flags=tuple(
                RiskFlag(
                    turn=i,
                    speaker="P0",
                    risk=r,
                    words=(RISK_WORDS,),
                    severity="plan" if r == "ideation" else "act",
                )
                for i, r in enumerate(risks)
            ),
        ),
        recommendation=Recommendation(level=1, label="Supportive", reason="hand-written"),
    )
    return to_json(analysis)


def _session(owner: Any, patient: Patient, on: dt.date, analysis_json: str) -> Any:
    analysed = services.Analysed(
        transcript=TRANSCRIPT,
        fmt="text",
        turns=4,
        analysis_json=analysis_json,
        report_html="<p>",
        figures_json=figures_json(analysis_json),
    )
    return services.add_session(owner, patient, None, on, analysed)


@pytest.fixture
def course(people: dict[str, Any]) -> dict[str, Any]:
    """Three sessions, PHQ-9 ×2, GAD-7 ×2, RFQ-8 ×2 and two outcome events."""
    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0100", name=NAME, clinician=owner)
    s1 = _session(
        owner, patient, dt.date(2026, 3, 2), _analysis([([0.2, 0.4], [0.8, 0.6])], 0.5, 0.7, [])
    )
    # Two patients in a group session: their turns are pooled (0.1+0.2+0.9)/3, (0.3+0.3+0.6)/3.
    s2 = _session(
        owner,
        patient,
        dt.date(2026, 3, 9),
        _analysis(
            [([0.1, 0.2], [0.3, 0.3]), ([0.9], [0.6])], 0.25, None, ["ideation", "self_harm"]
        ),
    )
    s3 = _session(owner, patient, dt.date(2026, 3, 16), _analysis([], None, 0.9, []))
    services.add_note(owner, s2, NOTE, restricted=False)
    add = services.add_questionnaire
    q = {
        "phq_a": add(owner, patient, None, "phq9", PHQ_9, dt.date(2026, 3, 1)),
        "phq_b": add(owner, patient, None, "phq9", PHQ_16, dt.date(2026, 4, 1)),
        "gad_a": add(owner, patient, None, "gad7", GAD_15, dt.date(2026, 3, 1)),
        "gad_b": add(owner, patient, None, "gad7", GAD_10, dt.date(2026, 4, 1)),
        "rfq_a": add(owner, patient, None, "rfq8", RFQ_A, dt.date(2026, 3, 1)),
        "rfq_b": add(owner, patient, None, "rfq8", RFQ_B, dt.date(2026, 4, 1)),
    }
    recent = services.add_outcome(owner, patient, None, "suicide_attempt", TODAY - dt.timedelta(10))
    old = services.add_outcome(owner, patient, None, "crisis_contact", dt.date(2026, 3, 20))
    return {"patient": patient, "sessions": [s1, s2, s3], "recent": recent, "old": old, **q}


def _build(people: dict[str, Any], course: dict[str, Any], today: dt.date = TODAY) -> Any:
    return overview.build(people["owner"], course["patient"].pk, today=today)[1]


def test_session_summaries(people: dict[str, Any], course: dict[str, Any]) -> None:
    found = _build(people, course)
    s1, s2, s3 = found.sessions
    assert [s.id for s in found.sessions] == [s.pk for s in course["sessions"]]
    assert (s1.mentalizing, s1.arousal) == (pytest.approx(0.3), pytest.approx(0.7))
    assert (s1.calibration, s1.stance, s1.risk_flags) == (0.5, 0.7, 0)
    assert s2.mentalizing == pytest.approx(0.4)
    assert s2.arousal == pytest.approx(0.4)
    assert (s2.calibration, s2.stance, s2.patient_turns) == (0.25, None, 3)
    assert s2.risk_flags == 2 and dict(s2.risk_kinds) == {"ideation": 1, "self_harm": 1}
    # No patient turns: no mean (None, not 0); the therapist's stance is still read.
    assert (s3.mentalizing, s3.arousal, s3.calibration, s3.stance) == (None, None, None, 0.9)


def test_figures_are_stored_with_the_analysis_and_drawn_again_when_missing(
    people: dict[str, Any], course: dict[str, Any]
) -> None:
    """The overview reads the figures stored beside each analysis; a session stored before
    they existed (figures empty) gets the same readings from its full analysis."""
    from mentalize.web.records.models import Session

    stored = _build(people, course).sessions
    s2 = course["sessions"][1]
    assert json.loads(Session.objects.get(pk=s2.pk).figures_json)["risk_kinds"] == {
        "ideation": 1,
        "self_harm": 1,
    }
    Session.objects.filter(pk__in=[s.pk for s in course["sessions"]]).update(figures_json="")
    assert _build(people, course).sessions == stored
    # A stored figure is what is read: change it and the overview follows.
    Session.objects.filter(pk=s2.pk).update(
        figures_json=json.dumps({**json.loads(figures_json(s2.analysis_json)), "stance": 0.125})
    )
    assert _build(people, course).sessions[1].stance == 0.125


def test_the_migration_draws_figures_for_sessions_analysed_before_it(
    people: dict[str, Any], course: dict[str, Any]
) -> None:
    from django.apps import apps as current_apps

    from mentalize.web.records.models import Session

    migration = importlib.import_module("mentalize.web.records.migrations.0003_session_figures")
    Session.objects.update(figures_json="")
    waiting = Session.objects.create(
        patient=course["patient"],
        date=TODAY,
        source_format="text",
        turns=1,
        transcript="T: a",
        analysis_status=Session.AnalysisStatus.PENDING,
        created_by=people["owner"],
    )
    migration.draw_figures_of_analysed_sessions(current_apps, None)
    for session in course["sessions"]:
        assert Session.objects.get(pk=session.pk).figures_json == figures_json(
            session.analysis_json
        )
    assert Session.objects.get(pk=waiting.pk).figures_json == ""


def test_listings_and_the_overview_decrypt_no_session_text(
    client: Any, people: dict[str, Any], course: dict[str, Any], monkeypatch: Any
) -> None:
    """The caseload, patient page, overview, session page and API listings read the stored
    figures and metadata only: no transcript, analysis or report is decrypted for them (that
    was most of the caseload's time over a long treatment; bench/clinic_caseload.py)."""
    from mentalize.web.fields import EncryptedTextField

    decrypted: list[str] = []
    real = EncryptedTextField.from_db_value

    def spy(self: Any, value: Any, expression: Any, connection: Any) -> Any:
        decrypted.append(self._context())
        return real(self, value, expression, connection)

    monkeypatch.setattr(EncryptedTextField, "from_db_value", spy)
    client.force_login(people["owner"])
    pk, session = course["patient"].pk, course["sessions"][1].pk
    for url in (
        "/patients/",
        f"/patients/{pk}/",
        f"/patients/{pk}/overview/",
        f"/sessions/{session}/",
    ):
        assert client.get(url).status_code == 200, url
    assert decrypted and not {c for c in decrypted if c.startswith("records.session.")} - {
        "records.session.figures_json"
    }
    # The report frame decrypts the report, and only that.
    decrypted.clear()
    assert client.get(f"/sessions/{session}/report/").status_code == 200
    assert {c for c in decrypted if c.startswith("records.session.")} == {
        "records.session.report_html"
    }


def test_questionnaire_series_use_the_engines_reliable_change(
    people: dict[str, Any], course: dict[str, Any]
) -> None:
    from mentalize.instruments import compare

    series = {(x.instrument, x.scale): x for x in _build(people, course).series}
    assert list(series) == [
        ("phq9", "total"),
        ("gad7", "total"),
        ("rfq8", "rfq_c"),
        ("rfq8", "rfq_u"),
    ]
    phq = series["phq9", "total"]
    assert [p.value for p in phq.points] == [9, 16]
    assert [p.change for p in phq.points] == [None, 7]
    assert [p.classification for p in phq.points] == [None, "deteriorated"]
    assert phq.criterion == 6 and phq.cutoff == 10 and phq.change_available
    assert compare("phq9", 9, 16).classification == phq.latest.classification
    gad = series["gad7", "total"]
    assert [p.change for p in gad.points] == [None, -5]
    assert gad.latest.classification == "improved" and gad.criterion == 4
    rfq_c, rfq_u = series["rfq8", "rfq_c"], series["rfq8", "rfq_u"]
    assert not rfq_c.change_available and rfq_c.criterion is None
    assert [p.classification for p in rfq_c.points] == [None, None]
    assert rfq_c.points[1].change == pytest.approx(rfq_c.points[1].value - rfq_c.points[0].value)
    assert "no published reliable-change parameters" in rfq_c.change_note
    assert [p.value for p in rfq_u.points] == [pytest.approx(0.5), pytest.approx(2.5)]


def _kinds(found: Any) -> list[str]:
    return [a.kind for a in found.alerts]


def test_alerts_appear_and_clear(people: dict[str, Any], course: dict[str, Any]) -> None:
    owner, patient = people["owner"], course["patient"]
    found = _build(people, course)
    assert _kinds(found) == ["outcome", "risk_flags", "deterioration"]
    outcome, risk, worse = found.alerts
    assert "Suicide attempt" in outcome.message and "10 days ago" in outcome.message
    assert "2 flags" in risk.message and risk.url == f"/sessions/{course['sessions'][1].pk}/"
    # The highest rung of each kind is named, from the stored figures (no words).
    assert "up to plan or preparation" in risk.message and "up to act" in risk.message
    assert "PHQ-9 total 9 on 2026-03-01 (first) → 16 on 2026-04-01, +7" in worse.message
    assert worse.url == f"/questionnaires/{course['phq_b'].pk}/"
    assert RISK_WORDS not in " ".join(a.message for a in found.alerts)

    # The event ages out of the 30-day window.
    assert "outcome" not in _kinds(_build(people, course, TODAY + dt.timedelta(days=21)))
    # A later PHQ-9 only 5 above the first is no longer reliably worse, but item 9 now flags.
    services.add_questionnaire(owner, patient, None, "phq9", PHQ_14_ITEM9, dt.date(2026, 5, 1))
    assert _kinds(_build(people, course)) == ["outcome", "questionnaire_flag", "risk_flags"]
    services.add_questionnaire(owner, patient, None, "phq9", PHQ_14, dt.date(2026, 5, 2))
    assert _kinds(_build(people, course)) == ["outcome", "risk_flags"]


def _svg(body: str) -> str:
    match = re.search(r"<svg.*?</svg>", body, re.S)
    assert match, "no chart on the page"
    return match.group(0)


def test_page_draws_an_svg_without_clinical_text(
    client: Any, people: dict[str, Any], course: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    body = client.get(f"/patients/{course['patient'].pk}/overview/").content.decode()
    svg = _svg(body)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for secret in (RISK_WORDS, NAME, TRANSCRIPT.strip(), NOTE, "must never"):
        assert secret not in body
    assert (
        "<script" not in svg
        and "href" not in svg
        and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    # Reliable change drawn with letters, events with codes, all on one date axis.
    assert ">D</text>" in svg and ">B</text>" in svg and ">SA</text>" in svg and ">C</text>" in svg
    assert "Mar" in svg and "Apr" in svg
    assert "For review" in body and "Reliable deterioration" in body


def test_empty_record_says_nothing_to_chart(client: Any, people: dict[str, Any]) -> None:
    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0200", clinician=owner)
    client.force_login(owner)
    body = client.get(f"/patients/{patient.pk}/overview/").content.decode()
    assert "Nothing to chart yet" in body and "<svg" not in body and "For review" not in body


def test_only_events_still_get_a_time_axis(people: dict[str, Any]) -> None:
    from mentalize.web.records.overview_chart import overview_svg

    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0300", clinician=owner)
    services.add_outcome(owner, patient, None, "hospitalisation", dt.date(2026, 2, 3))
    found = overview.build(owner, patient.pk, today=TODAY)[1]
    svg = overview_svg(found)
    assert svg is not None and ">H</text>" in svg and "No sessions yet" in svg


def test_patient_page_and_caseload_show_alerts(
    client: Any, people: dict[str, Any], course: dict[str, Any]
) -> None:
    services.add_outcome(people["owner"], course["patient"], None, "self_harm", dt.date.today())
    client.force_login(people["sup"])
    page = client.get(f"/patients/{course['patient'].pk}/").content.decode()
    assert "For review" in page and f"/patients/{course['patient'].pk}/overview/" in page
    before = AuditEntry.objects.filter(object_type=overview.OVERVIEW_AUDIT_TYPE).count()
    caseload = client.get("/patients/").content.decode()
    assert re.search(r"\d+ alerts", caseload)
    entries = AuditEntry.objects.filter(object_type=overview.OVERVIEW_AUDIT_TYPE)
    assert entries.count() == before + 1
    assert entries.last().patient_id == course["patient"].pk


def test_overview_reads_are_audited(
    client: Any, people: dict[str, Any], course: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    before = AuditEntry.objects.count()
    client.get(f"/patients/{course['patient'].pk}/overview/")
    new = AuditEntry.objects.filter(seq__gt=before, action="read")
    types = sorted({e.object_type for e in new})
    assert types == [
        "records.outcomeevent",
        "records.patient",
        "records.questionnaireadministration",
        "records.session",
    ]
    assert new.filter(object_type="records.session").count() == 3
    assert {e.actor for e in new} == {"sup"}


ROLES = ("owner", "sup", "other", "other_sup", "admin")
READ = {"owner": 200, "sup": 200, "other": 404, "other_sup": 404, "admin": 404}


@pytest.mark.parametrize("role", ROLES)
def test_page_role_matrix(
    client: Any, people: dict[str, Any], course: dict[str, Any], role: str
) -> None:
    url = f"/patients/{course['patient'].pk}/overview/"
    client.force_login(people[role])
    response = client.get(url)
    assert response.status_code == READ[role]
    # Read-only for everyone, the owner included: the page has no form to post.
    assert client.post(url).status_code == 405
    assert ("MBT-0100" in client.get("/patients/", follow=True).content.decode()) is (
        role in ("owner", "sup")
    )


def test_page_needs_login(client: Any, course: dict[str, Any]) -> None:
    response = client.get(f"/patients/{course['patient'].pk}/overview/")
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("role", ("owner", "sup", "other", "other_sup"))
def test_api_role_matrix(
    client: Any, people: dict[str, Any], course: dict[str, Any], role: str
) -> None:
    token = new_token(role)
    url = f"/api/v1/patients/{course['patient'].pk}/overview/"
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == READ[role]
    assert client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405
    if READ[role] != 200:
        assert response.json() == {"error": "not found"}
        return
    data = response.json()
    assert [s["risk_flags"] for s in data["sessions"]] == [0, 2, 0]
    assert data["sessions"][0]["mentalizing"] == pytest.approx(0.3)
    phq = next(x for x in data["questionnaires"] if x["instrument"] == "phq9")
    assert [p["classification"] for p in phq["points"]] == [None, "deteriorated"]
    assert {a["kind"] for a in data["alerts"]} >= {"risk_flags", "deterioration"}
    assert RISK_WORDS not in response.content.decode() and NAME not in response.content.decode()


def test_api_refuses_admins_and_anonymous(client: Any, course: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/patients/{course['patient'].pk}/overview/")
    assert response.status_code == 401
