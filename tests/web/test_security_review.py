"""Regression tests for findings 4, 6, 7 and 8 of the outside security review (issue 18).

4  ``MENTALIZE_BEHIND_TLS_PROXY`` under ``mentalize serve``: a real waitress server, a real
   request carrying ``X-Forwarded-Proto: https``: believed from the trusted proxy's address
   (no redirect, HSTS sent), ignored from any other.
6  No limit on turns: 400,000 one-word turns are refused at once, with one line naming the count
   and the limit, and nothing is written; an analysis that runs too long fails with a reason.
7  Patient codes of other caseloads cannot be probed: another clinician's code is simply
   accepted, exactly as a code that exists nowhere.
8  CSV formula injection: text cells starting with = + - @ tab or CR get a leading quote in
   every CSV the clinic writes; numbers stay numbers.
"""

from __future__ import annotations

import csv
import http.client
import io
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.accounts.services import new_token
from mentalize.web.audit.chain import Action, record_raw
from mentalize.web.audit.models import AuditEntry
from mentalize.web.exports import csv_safe
from mentalize.web.proxy import ProxyConfigError, waitress_options
from mentalize.web.records import services
from mentalize.web.records.models import Patient, Session
from tests.web.serving import serve_env, serving

Status = Session.AnalysisStatus
SERVE = ("--analysis-workers", "0")
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# -- 4: X-Forwarded-Proto from the trusted TLS proxy only -------------------------------------


@contextmanager
def _serving(data_dir: Path, *args: str, **env: str) -> Iterator[int]:
    """``mentalize serve`` (no analysis workers) in its own process; yields its port."""
    environment = {**serve_env(data_dir), "MENTALIZE_BEHIND_TLS_PROXY": "1", **env}
    with serving(data_dir, *SERVE, *args, env=environment) as port:
        yield port


def _get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    """One GET from 127.0.0.1, redirects not followed (a loop would show as a 301 to https)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture(scope="module")
def proxy_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("proxy") / "data"


def test_x_forwarded_proto_from_the_trusted_proxy_is_believed(proxy_data_dir: Path) -> None:
    """The proxy on 127.0.0.1 says https: the page is served (no redirect back to https, which
    the proxy would forward as http again: the endless loop) and HSTS is sent. The setting is
    read from the environment, as a service file would set it."""
    with _serving(proxy_data_dir, MENTALIZE_TRUSTED_PROXY="127.0.0.1") as port:
        proxied = _get(port, "/login/", **{"X-Forwarded-Proto": "https"})
        assert proxied.status == 200
        assert proxied.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Secure" in proxied.headers["Set-Cookie"]
        direct = _get(port, "/login/")  # plain http, no header: sent to https, no HSTS
        assert direct.status == 301
        assert direct.headers["Location"] == f"https://127.0.0.1:{port}/login/"
        assert "Strict-Transport-Security" not in direct.headers


def test_x_forwarded_proto_from_an_untrusted_address_is_ignored(proxy_data_dir: Path) -> None:
    """The trusted proxy is another address (TEST-NET-1): our request's header is deleted by
    waitress, so it cannot claim https: redirected, no HSTS."""
    with _serving(proxy_data_dir, "--trusted-proxy", "192.0.2.10") as port:
        spoofed = _get(port, "/login/", **{"X-Forwarded-Proto": "https"})
        assert spoofed.status == 301
        assert spoofed.headers["Location"].startswith("https://")
        assert "Strict-Transport-Security" not in spoofed.headers


def test_loopback_serve_trusts_loopback_by_default(proxy_data_dir: Path) -> None:
    """On loopback only a local proxy can connect, so with no address loopback is trusted."""
    with _serving(proxy_data_dir) as port:
        proxied = _get(port, "/login/", **{"X-Forwarded-Proto": "https"})
        assert proxied.status == 200 and "Strict-Transport-Security" in proxied.headers


def test_behind_a_proxy_off_loopback_without_its_address_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "never-created"
    monkeypatch.setenv("MENTALIZE_BEHIND_TLS_PROXY", "1")
    monkeypatch.delenv("MENTALIZE_TRUSTED_PROXY", raising=False)
    result = CliRunner().invoke(
        app, ["serve", "--host", "10.1.2.3", "--data-dir", str(data_dir)], catch_exceptions=False
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mentalize: error: MENTALIZE_BEHIND_TLS_PROXY")
    assert "--trusted-proxy" in lines[0]
    assert not data_dir.exists()  # refused before anything was created


@pytest.mark.parametrize(
    ("host", "trusted", "behind", "message"),
    [
        ("127.0.0.1", "127.0.0.1", False, "used only with MENTALIZE_BEHIND_TLS_PROXY=1"),
        ("127.0.0.1", "proxy.example", True, "'proxy.example' is not an IP address"),
        ("127.0.0.1", "*", True, "'*' is not an IP address"),
        ("0.0.0.0", None, True, "needs --trusted-proxy"),
    ],
)
def test_proxy_settings_that_cannot_work_are_named(
    host: str, trusted: str | None, behind: bool, message: str
) -> None:
    with pytest.raises(ProxyConfigError, match=message.replace("*", r"\*")):
        waitress_options(host, trusted, behind_tls_proxy=behind)


def test_proxy_settings_for_waitress() -> None:
    assert waitress_options("127.0.0.1", None, behind_tls_proxy=False) == {
        "clear_untrusted_proxy_headers": True
    }
    assert waitress_options("::1", None, behind_tls_proxy=True)["trusted_proxy"] == "::1"
    options = waitress_options("0.0.0.0", " 10.0.0.5 ", behind_tls_proxy=True)
    assert options == {
        "trusted_proxy": "10.0.0.5",
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
        "clear_untrusted_proxy_headers": True,
    }


# -- 6: a turn limit per upload and a time limit per analysis ---------------------------------


def _one_word_turns(count: int) -> bytes:
    return b"".join(b"T: ok\n" if i % 2 == 0 else b"P: yes\n" for i in range(count))


def _rows() -> tuple[int, int, int]:
    """Sessions, audit entries about patients (not account events), queued tasks."""
    audited = AuditEntry.objects.filter(patient_id__isnull=False).count()
    return Session.objects.count(), audited, DBTaskResult.objects.count()


def test_400000_one_word_turns_are_refused_at_once_and_nothing_is_written(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    """The review's upload: 2.6 MB, under the byte limit, of 400,000 one-word turns. Refused
    in the upload's own response (page and API) with one line naming count and limit; no
    session, audit entry or queued task. The real queue is used, so nothing runs eagerly."""
    settings.TASKS = DB_QUEUE
    data = _one_word_turns(400_000)
    assert len(data) < settings.MENTALIZE_MAX_UPLOAD_BYTES
    patient = chart["patient"]
    client.force_login(people["owner"])  # (logging in and the token are audited: before)
    token = new_token("owner")
    before = _rows()
    started = time.monotonic()
    page = client.post(
        f"/patients/{patient.pk}/sessions/new/",
        {"date": "2026-03-02", "transcript_file": SimpleUploadedFile("s.txt", data)},
    )
    api = client.post(
        f"/api/v1/patients/{patient.pk}/sessions/",
        {"transcript": SimpleUploadedFile("s.txt", data)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    elapsed = time.monotonic() - started
    message = (
        "The transcript has 400,000 turns, more than the 5,000-turn limit for one upload; "
        "split the session into parts."
    )
    assert page.status_code == 200 and message in page.content.decode()
    assert api.status_code == 400 and api.json() == {"error": message}
    assert _rows() == before
    assert elapsed < 30, f"refusing took {elapsed:.1f} s"


def test_the_turn_limit_is_a_setting_and_the_limit_itself_is_allowed(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    settings.TASKS = DB_QUEUE
    settings.MENTALIZE_MAX_TURNS = 4
    client.force_login(people["owner"])
    url = f"/patients/{chart['patient'].pk}/sessions/new/"
    five = client.post(url, {"date": "2026-03-02", "transcript_text": _one_word_turns(5).decode()})
    assert "5 turns, more than the 4-turn limit" in five.content.decode()
    four = client.post(url, {"date": "2026-03-02", "transcript_text": _one_word_turns(4).decode()})
    assert four.status_code == 302


def test_a_stored_session_over_the_limit_fails_in_the_worker_with_the_same_line(
    people: dict[str, Any], chart: dict[str, Any], settings: Any
) -> None:
    """A session stored before the limit (or under a higher one) is not analysed unbounded."""
    settings.MENTALIZE_MAX_TURNS = 3
    checked = services.Checked(transcript=_one_word_turns(4).decode(), fmt="auto", turns=4)
    session = services.queue_session(
        people["owner"], chart["patient"], None, chart["session"].date, checked
    )
    session.refresh_from_db()
    assert session.analysis_status == Status.FAILED
    assert session.analysis_error == (
        "The transcript has 4 turns, more than the 3-turn limit for one upload; "
        "split the session into parts."
    )


def test_an_analysis_over_its_time_limit_fails_with_a_reason(
    client: Any, people: dict[str, Any], chart: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    """An analyser that would run far longer (here: sleeps) is stopped at the limit; the session
    is marked failed with one line naming the limit, and the worker is free again."""
    import mentalize.analysis.entrypoints as entrypoints

    def endless(*args: Any, **kwargs: Any) -> Any:
        time.sleep(8)
        raise AssertionError("the time limit did not stop the analysis")

    monkeypatch.setattr(entrypoints, "analyze_text", endless)
    settings.MENTALIZE_ANALYSIS_MAX_SECONDS = 1
    client.force_login(people["owner"])
    started = time.monotonic()
    response = client.post(
        f"/patients/{chart['patient'].pk}/sessions/new/",
        {"date": "2026-03-02", "transcript_text": _one_word_turns(4).decode()},
    )
    assert time.monotonic() - started < 6
    assert response.status_code == 302
    session = Session.objects.exclude(pk=chart["session"].pk).get(patient=chart["patient"])
    assert session.analysis_status == Status.FAILED
    assert session.analysis_error == (
        "The analysis ran longer than the 1-second limit for one session "
        "(MENTALIZE_ANALYSIS_MAX_SECONDS) and was stopped; split the session into parts."
    )


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_limits_from_the_environment_must_be_whole_numbers(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentalize.web import settings as clinic_settings
    from mentalize.web.datadir import ClinicConfigError

    monkeypatch.setenv("MENTALIZE_MAX_TURNS", value)
    with pytest.raises(ClinicConfigError, match=r"MENTALIZE_MAX_TURNS: .* is not a whole number"):
        clinic_settings._whole_number("MENTALIZE_MAX_TURNS", 5000)
    monkeypatch.setenv("MENTALIZE_MAX_TURNS", "12000")
    assert clinic_settings._whole_number("MENTALIZE_MAX_TURNS", 5000) == 12000


# -- 7: patient codes of other caseloads cannot be probed -------------------------------------


def test_another_caseloads_code_is_accepted_like_an_unused_one(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    """Clinician ``other`` tries ``owner``'s code (in another case too) and a code that exists
    nowhere: the same response for each, a new patient in their own caseload. Nothing tells
    them the first code exists."""
    client.force_login(people["other"])
    responses = {
        code: client.post("/patients/new/", {"code": code, "name": ""})
        for code in ("MBT-0001", "mbt-0001", "MBT-9999")
    }
    made = {p.code: p for p in Patient.objects.filter(clinician=people["other"])}
    for code, response in responses.items():
        if code == "mbt-0001":  # their own MBT-0001 now exists: refused, like any own duplicate
            assert response.status_code == 200
            assert "already in use in your caseload" in response.content.decode()
            continue
        assert response.status_code == 302 and response.url == f"/patients/{made[code].pk}/"
    assert chart["patient"].clinician == people["owner"]  # the owner's patient is untouched
    assert Patient.objects.filter(code="MBT-0001").count() == 2


def test_the_api_accepts_another_caseloads_code_too(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    token = new_token("other")
    bodies = {}
    for code in ("MBT-0001", "MBT-8888"):
        response = client.post(
            "/api/v1/patients/",
            {"code": code},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201
        body = response.json()
        bodies[code] = {k: v for k, v in body.items() if k not in ("id", "code")}
    assert bodies["MBT-0001"] == bodies["MBT-8888"]


def test_own_duplicates_are_still_refused_and_the_database_backs_it(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    response = client.post("/patients/new/", {"code": "Mbt-0001"})
    assert response.status_code == 200
    assert "already in use in your caseload" in response.content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(code="mbt-0001", clinician=people["owner"])


# -- 8: no formulas in exported CSV -----------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://x","y")'


def _csv_zip(client: Any, pk: int) -> dict[str, list[list[str]]]:
    response = client.get(
        f"/api/v1/patients/{pk}/export/",
        {"format": "csv"},
        HTTP_AUTHORIZATION=f"Bearer {new_token('owner')}",
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode(), newline="")))
            for name in archive.namelist()
        }


def test_a_formula_in_a_note_is_exported_as_text(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    owner = people["owner"]
    services.add_note(owner, chart["session"], HYPERLINK, restricted=False)
    for text in ("+SUM(1,2)", "-2+3", "@cmd", "\t=1", "\r=1", "plain - text", "'quoted"):
        services.add_note(owner, chart["session"], text, restricted=False)
    patient = chart["patient"]
    patient.name = "=1+1"
    patient.save(update_fields=["name"])
    files = _csv_zip(client, patient.pk)
    notes = [row[-1] for row in files["clinician_notes.csv"][1:]]
    assert "'" + HYPERLINK in notes and HYPERLINK not in notes
    for text in ("+SUM(1,2)", "-2+3", "@cmd", "\t=1", "\r=1"):
        assert "'" + text in notes
    assert "plain - text" in notes and "'quoted" in notes  # nothing else is changed
    header, row = files["patient.csv"]
    assert row[header.index("name")] == "'=1+1"


def test_numbers_stay_numbers() -> None:
    """Only text is quoted: a negative number written as a number is the same number."""
    out = io.StringIO()
    csv.writer(out).writerow(csv_safe.row([-0.25, -3, 0, "-0.25", "=1", None, True]))
    assert out.getvalue() == "-0.25,-3,0,'-0.25,'=1,,True\r\n"


def test_the_admin_audit_export_is_formula_safe(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    record_raw(people["owner"], Action.READ, object_type="records.note", object_id=HYPERLINK)
    client.force_login(people["admin"])
    ids = [str(i) for i in AuditEntry.objects.values_list("pk", flat=True)]
    response = client.post(
        "/admin/audit/auditentry/", {"action": "export_csv", "_selected_action": ids}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    object_ids = [r["object_id"] for r in rows]
    assert "'" + HYPERLINK in object_ids and HYPERLINK not in object_ids
    assert all(r["seq"].isdigit() for r in rows)  # numbers untouched
