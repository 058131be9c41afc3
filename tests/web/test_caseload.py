"""The caseload a clinician works from (issue 19): last session, latest scores with their change,
episode, next review and open alerts per patient; search by code, sort by any column, and a
fixed number of queries however long the caseload.

Expected values are computed here from the instrument engine and the overview, not written out,
so the tests follow the instruments' own scoring.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentalize.instruments import score
from mentalize.web.accounts.models import Role, User
from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry
from mentalize.web.records import caseload, overview, services
from mentalize.web.records.models import CrisisPlanVersion, Patient, Treatment
from tests.web.test_overview import _analysis, _session

PHQ_LOW = [1, 1, 1, 1, 1, 1, 1, 2, 0]
PHQ_HIGH = [2, 2, 2, 2, 2, 2, 2, 2, 0]
GAD_HIGH = [2, 2, 2, 2, 2, 2, 3]
GAD_LOW = [2, 2, 2, 1, 1, 1, 1]
RFQ_A = [1, 2, 3, 4, 5, 6, 7, 1]
RFQ_B = [7, 7, 7, 7, 7, 7, 7, 7]
PLAN_TEXT = "Call the crisis line; text from the plan never reaches the caseload."


def _today() -> dt.date:
    return timezone.localdate()


def _total(instrument: str, answers: list[int]) -> float:
    return float(score(instrument, answers).to_dict()["scores"]["total"])


def _episode(owner: Any, patient: Patient, status: str, **dates: Any) -> Treatment:
    return services.create(
        owner,
        Treatment,
        patient=patient,
        modality="individual",
        frequency="weekly",
        start=dates.pop("start", _today() - dt.timedelta(days=200)),
        status=status,
        **dates,
    )


def _plan(owner: Any, treatment: Treatment, version: int, review: dt.date | None) -> Any:
    return services.create(
        owner,
        CrisisPlanVersion,
        patient=treatment.patient,
        treatment=treatment,
        version=version,
        patient_can_do=PLAN_TEXT,
        professionals_do="Stay curious.",
        information_for_others="Ask before advising.",
        review_date=review,
        author=owner,
    )


@pytest.fixture
def load(people: dict[str, Any]) -> dict[str, Any]:
    """``owner``'s caseload of three, and one patient of ``other`` whose code shares the prefix.

    * MBT-0101: two sessions, PHQ-9 low then high, GAD-7 high then low, RFQ-8 twice, an active
      episode whose crisis plan (version 2) sets a review date.
    * MBT-0102: nothing recorded yet.
    * MBT-0230: one session with risk language (an open alert), a paused episode with a planned
      end and a crisis plan that sets no review date.
    """
    owner, today = people["owner"], _today()
    busy = services.create(owner, Patient, code="MBT-0101", clinician=owner)
    quiet = services.create(owner, Patient, code="MBT-0102", clinician=owner)
    risky = services.create(owner, Patient, code="MBT-0230", clinician=owner)
    theirs = services.create(people["other"], Patient, code="MBT-0103", clinician=people["other"])
    calm = _analysis([([0.4], [0.5])], 0.5, 0.7, [])
    _session(owner, busy, today - dt.timedelta(days=30), calm)
    _session(owner, busy, today - dt.timedelta(days=9), calm)
    _session(owner, risky, today - dt.timedelta(days=40), _analysis([], None, None, ["ideation"]))
    _session(people["other"], theirs, today, calm)
    add = services.add_questionnaire
    add(owner, busy, None, "phq9", PHQ_LOW, today - dt.timedelta(days=60))
    add(owner, busy, None, "phq9", PHQ_HIGH, today - dt.timedelta(days=10))
    add(owner, busy, None, "gad7", GAD_HIGH, today - dt.timedelta(days=60))
    add(owner, busy, None, "gad7", GAD_LOW, today - dt.timedelta(days=10))
    add(owner, busy, None, "rfq8", RFQ_A, today - dt.timedelta(days=60))
    add(owner, busy, None, "rfq8", RFQ_B, today - dt.timedelta(days=10))
    active = _episode(owner, busy, "active", planned_end=today + dt.timedelta(days=300))
    _episode(owner, busy, "completed", start=today - dt.timedelta(days=900))
    _plan(owner, active, 1, today + dt.timedelta(days=5))
    _plan(owner, active, 2, today + dt.timedelta(days=20))
    paused = _episode(owner, risky, "paused", planned_end=today - dt.timedelta(days=3))
    _plan(owner, paused, 1, None)
    return {"busy": busy, "quiet": quiet, "risky": risky, "theirs": theirs, "active": active}


def _rows(page: str) -> list[str]:
    """Each body row of the caseload table, one line of the page each."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body)


def _codes(page: str) -> list[str]:
    """The patient codes listed, in the page's order."""
    return [re.findall(r"<td><a[^>]*>([^<]+)</a>", row)[0] for row in _rows(page)]


def _cells(row: str) -> list[list[str]]:
    """Each cell's words, tags taken out."""
    cells = re.findall(r"<td>(.*?)</td>", row)
    return [unescape(re.sub(r"<[^>]+>", " ", cell)).split() for cell in cells]


def _by_code(user: Any) -> dict[str, caseload.CaseloadRow]:
    return {r.patient.code: r for r in caseload.build(user).rows}


def test_columns_show_last_session_scores_episode_review_and_alerts(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    owner, today = people["owner"], _today()
    rows = _by_code(owner)
    busy, quiet, risky = rows["MBT-0101"], rows["MBT-0102"], rows["MBT-0230"]

    assert busy.last_session == today - dt.timedelta(days=9) and busy.days_since == 9
    assert (quiet.last_session, quiet.days_since) == (None, None)
    scores = {s.label: s for s in busy.scores}
    assert list(scores) == ["PHQ-9 total", "GAD-7 total", "RFQ_c", "RFQ_u"]
    phq = scores["PHQ-9 total"]
    assert phq.value == _total("phq9", PHQ_HIGH)
    assert phq.change == _total("phq9", PHQ_HIGH) - _total("phq9", PHQ_LOW)
    assert phq.previous_date == today - dt.timedelta(days=60)
    assert quiet.scores == ()

    # The episode: the active one, not the completed one; the review date from the plan's
    # current version, not its first, nor the planned end.
    assert busy.episode is not None and busy.episode.pk == load["active"].pk
    assert (busy.next_review, busy.review_source) == (
        today + dt.timedelta(days=20),
        "crisis plan review",
    )
    # No review date in the plan: the planned end, here passed.
    assert (risky.next_review, risky.review_source) == (
        today - dt.timedelta(days=3),
        "planned end",
    )
    assert risky.review_when == "3 days overdue"
    assert (quiet.episode, quiet.next_review) == (None, None)

    # The open alerts are the overview's own.
    for code, row in rows.items():
        assert row.alerts == len(overview.build(owner, row.patient.pk)[1].alerts), code
    assert risky.alerts >= 1

    client.force_login(owner)
    page = client.get("/patients/").content.decode()
    cells = {c[0][0]: c for c in map(_cells, _rows(page))}
    assert cells["MBT-0101"][1] == [f"{busy.last_session:%Y-%m-%d}", "9", "days", "ago"]
    scores_text = " ".join(cells["MBT-0101"][2])
    rise = int(phq.change or 0)
    assert f"PHQ-9 total {int(phq.value)} (+{rise}, worse)" in scores_text
    assert "Active" in cells["MBT-0101"][3]
    assert f"{busy.next_review:%Y-%m-%d}" in cells["MBT-0101"][4]
    assert cells["MBT-0102"][1:] == [
        ["No", "session", "yet"],
        ["No", "questionnaire", "yet"],
        ["No", "episode"],
        ["—"],
        ["none"],
    ]
    assert "Paused" in cells["MBT-0230"][3] and "overdue" in cells["MBT-0230"][4]
    assert PLAN_TEXT not in page


def test_the_change_carries_its_sign_and_the_instruments_direction(
    people: dict[str, Any], load: dict[str, Any]
) -> None:
    scores = {s.label: s for s in _by_code(people["owner"])["MBT-0101"].scores}
    phq, gad, rfq = scores["PHQ-9 total"], scores["GAD-7 total"], scores["RFQ_u"]
    # PHQ-9 rose: worse (higher is more symptoms); GAD-7 fell: better.
    assert phq.change is not None and phq.change > 0
    assert (phq.shown_change[0], phq.trend, phq.worsening) == ("+", "worse", phq.change)
    assert gad.change is not None and gad.change < 0
    assert (gad.shown_change[0], gad.trend, gad.worsening) == ("-", "better", gad.change)
    assert gad.shown_change == f"-{abs(gad.change):.0f}"
    # The RFQ-8 publishes no direction: the sign is shown, no word for it.
    assert rfq.change is not None and rfq.shown_change[0] in "+-"
    assert (rfq.trend, rfq.worsening) == ("", None)
    assert rfq.shown == f"{rfq.value:.2f}"


def test_search_narrows_by_code_and_never_reaches_another_caseload(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    assert _codes(client.get("/patients/", {"q": "0101"}).content.decode()) == ["MBT-0101"]
    narrowed = client.get("/patients/", {"q": "mbt-01"}).content.decode()
    assert sorted(_codes(narrowed)) == ["MBT-0101", "MBT-0102"]  # any case; not other's 0103
    assert "2 of 3 patients" in narrowed
    # Another clinician's code: no result, worded like any code that is not on the caseload.
    missing = client.get("/patients/", {"q": "MBT-0103"}).content.decode()
    assert "MBT-0103</a>" not in missing and "No patient code contains" in missing
    # The other clinician finds only their own.
    client.force_login(people["other"])
    assert _codes(client.get("/patients/", {"q": "MBT"}).content.decode()) == ["MBT-0103"]
    # A NUL is refused before any view runs (request_guard): a 400, never a database error.
    assert client.get("/patients/", {"q": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("raw", ["a b", "x" * 40, "<script>", "%", "MBT-01'"])
def test_a_search_no_code_could_match_is_one_line_and_lists_everyone(
    client: Any, people: dict[str, Any], load: dict[str, Any], raw: str
) -> None:
    client.force_login(people["owner"])
    response = client.get("/patients/", {"q": raw})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(caseload.QUERY_PROBLEM) == 1
    assert sorted(_codes(page)) == ["MBT-0101", "MBT-0102", "MBT-0230"]
    assert "<script>" not in page.split("<main>", 1)[1]


def test_each_column_sorts_and_turns_round(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    owner = people["owner"]
    rows = _by_code(owner)
    client.force_login(owner)

    def listed(sort: str) -> list[str]:
        return _codes(client.get("/patients/", {"sort": sort}).content.decode())

    assert listed("code") == sorted(rows)
    assert listed("-code") == sorted(rows, reverse=True)
    # Longest without a session first; a patient never seen is last either way round.
    assert listed("last_session") == ["MBT-0230", "MBT-0101", "MBT-0102"]
    assert listed("-last_session") == ["MBT-0101", "MBT-0230", "MBT-0102"]
    # Soonest review first (an overdue one first of all); none last.
    assert listed("review") == ["MBT-0230", "MBT-0101", "MBT-0102"]
    # Active before paused; no episode last.
    assert listed("episode") == ["MBT-0101", "MBT-0230", "MBT-0102"]
    alerts = listed("alerts")
    assert [rows[c].alerts for c in alerts] == sorted(
        (r.alerts for r in rows.values()), reverse=True
    )
    # Only one patient has a score with a direction: it leads, the others follow in code order.
    assert listed("scores") == ["MBT-0101", "MBT-0102", "MBT-0230"]
    page = client.get("/patients/", {"sort": "review"}).content.decode()
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="\?sort=-review">', page)
    assert page.count("aria-sort=") == 1


@pytest.mark.parametrize(
    "bad", ["", "-", "--code", "code;drop", "patient__code", "__class__", "CODE"]
)
def test_an_unknown_sort_is_the_default_order_never_an_error(
    client: Any, people: dict[str, Any], load: dict[str, Any], bad: str
) -> None:
    owner = people["owner"]
    rows = _by_code(owner)
    client.force_login(owner)
    response = client.get("/patients/", {"sort": bad})
    assert response.status_code == 200
    codes = _codes(response.content.decode())
    assert codes == _codes(client.get("/patients/").content.decode())
    # Default: open alerts first, then the longest without a session, never-seen last.
    keys = [
        (-rows[c].alerts, rows[c].last_session is None, rows[c].last_session or dt.date.min)
        for c in codes
    ]
    assert keys == sorted(keys)
    assert "aria-sort=" not in response.content.decode()


def test_the_alert_count_drops_once_an_alert_is_reviewed(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    owner = people["owner"]
    client.force_login(owner)

    def count() -> int:
        page = client.get("/patients/", {"q": "MBT-0230"}).content.decode()
        found = re.search(r"(\d+) alerts?|none", _rows(page)[0])
        assert found
        return int(found.group(1) or 0)

    before = count()
    assert before >= 1
    key = overview.build(owner, load["risky"].pk)[1].alerts[0].key
    assert overview.review_alert(owner, load["risky"], key, "") is not None
    assert count() == before - 1


def test_a_supervisor_sees_each_clinicians_patients_with_their_clinician(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    client.force_login(people["sup"])
    page = client.get("/patients/").content.decode()
    assert sorted(_codes(page)) == ["MBT-0101", "MBT-0102", "MBT-0230"]
    assert ">Clinician</a>" not in page  # one supervisee: no clinician column
    second = User(username="tova", role=Role.CLINICIAN, supervisor=people["sup"])
    second.set_unusable_password()
    second.save()
    services.create(second, Patient, code="MBT-0900", clinician=second)
    page = client.get("/patients/", {"sort": "clinician"}).content.decode()
    assert ">Clinician</a>" in page
    cells = [_cells(row) for row in _rows(page)]
    assert [c[1] for c in cells] == [["owner"]] * 3 + [["tova"]]
    client.force_login(people["owner"])
    page = client.get("/patients/").content.decode()
    assert "MBT-0900" not in page and ">Clinician</a>" not in page
    client.force_login(people["other_sup"])
    assert _codes(client.get("/patients/", {"q": "MBT"}).content.decode()) == ["MBT-0103"]


def _caseload_of(owner: Any, start: int, count: int) -> None:
    today = _today()
    for n in range(start, start + count):
        patient = services.create(owner, Patient, code=f"Q-{n:03d}", clinician=owner)
        _session(owner, patient, today - dt.timedelta(days=n), _analysis([], None, None, []))
        services.add_questionnaire(owner, patient, None, "phq9", PHQ_LOW, today)
        treatment = _episode(owner, patient, "active")
        _plan(owner, treatment, 1, today)
        services.add_outcome(owner, patient, None, "crisis_contact", today)


def test_the_queries_do_not_grow_with_the_caseload(client: Any, people: dict[str, Any]) -> None:
    owner = people["owner"]
    client.force_login(owner)
    _caseload_of(owner, 1, 2)
    client.get("/patients/")  # the session's first-request work out of the way
    with CaptureQueriesContext(connection) as small:
        assert client.get("/patients/").status_code == 200
    _caseload_of(owner, 3, 8)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/patients/").content.decode()
    assert len(_codes(page)) == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_each_listed_patient_is_one_audited_read(
    client: Any, people: dict[str, Any], load: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    before = AuditEntry.objects.count()
    client.get("/patients/", {"q": "MBT-01"})
    new = AuditEntry.objects.filter(seq__gt=before)
    assert sorted((e.action, e.object_type, e.patient_id, e.actor) for e in new) == sorted(
        ("read", overview.OVERVIEW_AUDIT_TYPE, p.pk, "owner") for p in (load["busy"], load["quiet"])
    )
    assert verify().ok


def test_the_caseload_decrypts_no_plan_note_or_session_text(
    client: Any, people: dict[str, Any], load: dict[str, Any], monkeypatch: Any
) -> None:
    from mentalize.web.fields import EncryptedTextField

    decrypted: list[str] = []
    real = EncryptedTextField.from_db_value

    def spy(self: Any, value: Any, expression: Any, connection: Any) -> Any:
        decrypted.append(self._context())
        return real(self, value, expression, connection)

    monkeypatch.setattr(EncryptedTextField, "from_db_value", spy)
    client.force_login(people["owner"])
    assert client.get("/patients/").status_code == 200
    assert set(decrypted) <= {
        "records.session.figures_json",
        "records.questionnaireadministration.result",
    }
