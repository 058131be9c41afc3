"""ASVS V5 and V12 for the clinic: SQL injection through every parameter a user controls, path
traversal wherever a file name or path comes from outside, and oversized requests.

(Cross-site scripting in transcripts, notes and reports has its own tests elsewhere.)
"""

from __future__ import annotations

import json
import select
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mentalize.web.accounts.models import User
from mentalize.web.accounts.services import new_token
from mentalize.web.records.models import Patient, Session
from tests.web.serving import serve_env, serving

# Classic injections, a stacked query, a time-based probe, and the characters drivers choke on
# (a NUL byte is refused by PostgreSQL's text type: it must be a 4xx, never a 500).
INJECTIONS = (
    "' OR '1'='1",
    '" OR 1=1 --',
    "1; DROP TABLE records_patient; --",
    "x' UNION SELECT username, password FROM accounts_user --",
    "%' OR 1=1 --",
    "'; SELECT pg_sleep(5); --",
    "\\'; --",
    "\x00",
    "nul\x00inside",
)


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def tables_intact(people: dict[str, Any], chart: dict[str, Any]) -> Iterator[None]:
    """After each test: every table still there and no row gone."""
    before = (Patient.objects.count(), User.objects.count(), Session.objects.count())
    yield
    after = (Patient.objects.count(), User.objects.count(), Session.objects.count())
    assert after[1:] == before[1:] and after[0] >= before[0]


# -- SQL injection ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_the_api(
    client: Any, people: dict[str, Any], chart: dict[str, Any], tables_intact: None, payload: str
) -> None:
    owner = _auth(new_token("owner"))
    pk = chart["patient"].pk
    answers = []
    for body in ({"code": payload}, {"code": "INJ-1", "name": payload}, {"code": [payload]}):
        answers.append(
            client.post(
                "/api/v1/patients/", json.dumps(body), content_type="application/json", **owner
            )
        )
    for body in (
        {"instrument": payload, "answers": [1] * 9},
        {"instrument": "phq9", "answers": [payload] * 9},
        {"instrument": "phq9", "answers": [1] * 9, "date": payload},
    ):
        answers.append(
            client.post(
                f"/api/v1/patients/{pk}/questionnaires/",
                json.dumps(body),
                content_type="application/json",
                **owner,
            )
        )
    for params in ({"format": payload}, {"format": "csv", "psychotherapy_notes": payload}):
        answers.append(client.get(f"/api/v1/patients/{pk}/export/", params, **owner))
    upload = SimpleUploadedFile("s.txt", b"T: Hello.\nP: Hi.\n", "text/plain")
    answers.append(
        client.post(
            f"/api/v1/patients/{pk}/sessions/",
            {"transcript": upload, "date": payload, "format": payload},
            **owner,
        )
    )
    answers.append(client.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Bearer {payload}"))
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
    # A payload that was accepted was stored as the literal text it is, on this caseload only.
    for created in Patient.objects.exclude(pk=pk):
        assert created.clinician == people["owner"]
        assert created.name in (None, "", payload)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_the_pages(
    client: Any, people: dict[str, Any], chart: dict[str, Any], tables_intact: None, payload: str
) -> None:
    pk = chart["patient"].pk
    patients = Patient.objects.count()
    login = Client().post("/login/", {"username": payload, "password": payload})
    assert login.status_code in (200, 429)
    client.force_login(people["owner"])
    answers = [
        client.post("/patients/new/", {"code": payload, "name": payload}),
        client.post(f"/patients/{pk}/outcomes/new/", {"kind": payload, "date": payload}),
        client.post(f"/patients/{pk}/treatments/new/", {"modality": payload, "start": payload}),
        client.post(f"/patients/{pk}/questionnaire-links/", {"instrument": payload}),
        client.post(f"/patients/{pk}/export/", {"format": payload}),
        client.post("/questionnaire-links/handover/", {"token": payload}),
        client.get(f"/q/{payload.replace('/', '')}/") if payload.strip("\x00") else None,
        client.get("/login/", {"next": payload}),
    ]
    assert all(r is None or r.status_code < 500 for r in answers)
    assert Patient.objects.count() == patients  # no payload is a valid patient code


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_the_admin_search_and_filters(
    client: Any, people: dict[str, Any], chart: dict[str, Any], tables_intact: None, payload: str
) -> None:
    """The admin's search box, list filters and ordering: no error, and no row matched by a
    payload that would match everything if it reached the SQL."""
    client.force_login(people["admin"])
    for url, params in (
        ("/admin/accounts/user/", {"q": payload}),
        ("/admin/accounts/user/", {"role__exact": payload}),
        ("/admin/accounts/user/", {"is_active__exact": payload}),
        ("/admin/accounts/user/", {"o": payload}),
        ("/admin/audit/auditentry/", {"q": payload}),
        ("/admin/audit/auditentry/", {"action__exact": payload}),
        ("/admin/audit/auditentry/", {"object_type__exact": payload}),
        ("/admin/audit/auditentry/", {"p": payload}),
    ):
        response = client.get(url, params)
        if "\x00" in payload:  # request_guard: refused before the admin builds a query
            assert response.status_code == 400, (url, params, response.status_code)
            continue
        assert response.status_code in (200, 302), (url, params, response.status_code)
        if response.status_code == 200 and set(params) & {"q", "role__exact", "action__exact"}:
            listed = response.context["cl"].result_count
            assert listed == 0, (url, params, listed)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/?role__exact=%00",
        "/admin/audit/auditentry/?object_type__exact=a%00b",
        "/admin/accounts/user/?%00=1",
        "/patients/?x=%00",
        "/api/v1/patients/?format=%00",
        "/q/%00/",
    ],
)
def test_a_nul_in_the_path_or_query_is_a_400_not_a_500(
    client: Any, people: dict[str, Any], url: str
) -> None:
    """Regression: on PostgreSQL, ``?role__exact=%00`` in the admin ended in a 500 (the driver
    refuses NUL in text). Now every database answers 400 before any query runs."""
    client.force_login(people["admin"])
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "error" in response.json()
    else:
        assert "could not be handled" in response.content.decode()


def test_admin_filters_cannot_reach_password_hashes(
    client: Any, people: dict[str, Any], tables_intact: None
) -> None:
    """A filter on a field the admin does not list (here, the password hash, one character at a
    time) is refused, so the changelist cannot be used as an oracle."""
    client.force_login(people["admin"])
    for lookup in ("password__startswith", "password__regex", "api_tokens__digest__startswith"):
        response = client.get("/admin/accounts/user/", {lookup: "a"})
        assert response.status_code == 400, lookup  # DisallowedModelAdminLookup


# -- path traversal -----------------------------------------------------------------------------


TRAVERSALS = (
    "../../../../etc/passwd.txt",
    "..\\..\\..\\windows\\win.ini.txt",
    "/etc/passwd.txt",
    "....//....//secret.txt",
    "%2e%2e%2f%2e%2e%2fsecret.txt",
    "session\x00.txt",
)


def _files_under(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("test-clinic.sqlite3")
    }


@pytest.mark.parametrize("name", TRAVERSALS)
def test_upload_file_names_are_never_paths(
    client: Any, people: dict[str, Any], chart: dict[str, Any], name: str
) -> None:
    """An uploaded file's name only picks the reader by its extension: nothing is written under
    it, and it is not stored or shown (the report is labelled by the session's date)."""
    data_dir = Path(settings.DATA_DIR)
    before = _files_under(data_dir)
    pk = chart["patient"].pk
    client.force_login(people["owner"])
    body = b"T: How was the week?\nP: Hard, I think.\n"
    page = client.post(
        f"/patients/{pk}/sessions/new/",
        {"date": "2026-03-02", "transcript_file": SimpleUploadedFile(name, body, "text/plain")},
    )
    api = client.post(
        f"/api/v1/patients/{pk}/sessions/",
        {"transcript": SimpleUploadedFile(name, body, "text/plain")},
        **_auth(new_token("owner")),
    )
    assert page.status_code in (200, 302) and api.status_code < 500
    assert _files_under(data_dir) == before
    stored = list(Session.objects.exclude(pk=chart["session"].pk))
    assert len(stored) == 2  # the name did not stop the upload, page or API
    for session in stored:
        assert session.analysis_json  # analysed (so the checks below are not vacuous)
        assert "passwd" not in session.analysis_json and "secret" not in session.analysis_json
        assert "passwd" not in session.report_html and "win.ini" not in session.report_html


@pytest.mark.parametrize(
    "path",
    [
        "/static/../settings.py",
        "/static/..%2f..%2fsettings.py",
        "/static/admin/../../settings.py",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%5c..%5csettings.py",
        "/static//etc/passwd",
        "/static/admin/css/../../../../../../../../etc/passwd",
    ],
)
def test_static_files_stay_inside_the_static_folders(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    body = b"".join(response) if response.streaming else response.content
    assert b"root:" not in body and b"SECRET_KEY" not in body


def test_export_file_names_come_from_ids_only(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    import io
    import re

    chart["patient"].name = "../../evil name"
    chart["patient"].save()
    client.force_login(people["owner"])
    for fmt in ("fhir", "csv"):
        response = client.post(f"/patients/{chart['patient'].pk}/export/", {"format": fmt})
        disposition = response["Content-Disposition"]
        assert re.fullmatch(
            r'attachment; filename="mentalize-patient-\d+-\d{8}\.(fhir\.json|csv\.zip)"',
            disposition,
        )
        if fmt == "csv":
            names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
            assert all(re.fullmatch(r"[a-z_]+\.csv", n) for n in names), names


def _archive(path: Path, manifest: dict[str, Any], members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "member", ["../../escaped.sqlite3", "/tmp/escaped.sqlite3", "database/../../escaped.sqlite3"]
)
def test_restore_refuses_archive_paths_outside_its_own(tmp_path: Path, member: str) -> None:
    """A hand-made archive naming its database anywhere but ``database/clinic.sqlite3`` is
    refused before anything is extracted; members are only ever read by their fixed names."""
    import hashlib

    from mentalize.web import backup

    data = b"SQLite format 3\x00" + b"\x00" * 100
    manifest = {
        "format": backup.FORMAT,
        "database": {"vendor": "sqlite", "member": member},
        "key": {"id": "0" * 16, "included": False},
        "files": {member: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}},
    }
    archive = _archive(tmp_path / "evil.zip", manifest, {member: data})
    with pytest.raises(backup.BackupError, match="nothing was restored"):
        backup.open_archive(archive)
    assert not list(tmp_path.parent.rglob("escaped.sqlite3"))


# -- oversized requests -------------------------------------------------------------------------


def test_an_oversized_api_upload_is_refused_with_a_clear_413(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    before = Session.objects.count()
    big = SimpleUploadedFile(
        "big.txt", b"T: " + b"a" * settings.MENTALIZE_MAX_UPLOAD_BYTES, "text/plain"
    )
    response = client.post(
        f"/api/v1/patients/{chart['patient'].pk}/sessions/",
        {"transcript": big},
        **_auth(new_token("owner")),
    )
    assert response.status_code == 413
    assert "larger than the 5 MiB limit" in response.json()["error"]
    assert Session.objects.count() == before


def test_the_server_keeps_bodies_in_memory_up_to_the_limit() -> None:
    """waitress spills a body over ``inbuf_overflow`` to a temporary file; the clinic's limits
    keep every body it accepts in memory, so a transcript never lands on disk in the clear."""
    from waitress.buffers import OverflowableBuffer

    from mentalize.web.uploads import server_limits

    limits = server_limits()
    assert limits["inbuf_overflow"] >= limits["max_request_body_size"]
    assert limits["max_request_body_size"] > settings.MENTALIZE_MAX_UPLOAD_BYTES
    buffer = OverflowableBuffer(limits["inbuf_overflow"])
    buffer.append(b"x" * (limits["max_request_body_size"] - 1))
    assert not buffer.overflowed
    default = OverflowableBuffer(524288)  # waitress's own default would have spilled it
    default.append(b"x" * (limits["max_request_body_size"] - 1))
    assert default.overflowed


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real ``mentalize serve`` on a free loopback port."""
    data_dir = tmp_path_factory.mktemp("oversize") / "data"
    with serving(data_dir, env=serve_env(data_dir)) as port:
        yield port


def _raw(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Send a request over a plain socket and return whatever the server answers.

    The body goes in 64 KiB pieces and stops as soon as an answer is waiting: a server that
    refuses a body closes the connection, and writing on into it would reset the connection
    and could discard the answer before it is read."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        for start in range(0, len(body), 65536):
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(body[start : start + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("declared", [50 * 1024 * 1024, 10 * 1024 * 1024 * 1024])
def test_the_server_refuses_an_oversized_body_before_reading_it(served: int, declared: int) -> None:
    """Only the headers are sent, announcing a huge body: the answer is 413 at once, without
    the server waiting for (or buffering) a single byte of the body."""
    head = (
        f"POST /api/v1/patients/1/sessions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {declared}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = _raw(served, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


def test_the_server_refuses_an_oversized_chunked_body(served: int) -> None:
    head = (
        b"POST /api/v1/patients/1/sessions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024
    chunk = b"x" * (1024 * 1024)
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(size // len(chunk)))
    answer = _raw(served, head, body + b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
