"""Clinical text never reaches the database file, the logs, or a URL in the clear."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

import pytest

PHRASE = "zephyr marmalade lighthouse"  # distinctive: appears nowhere else
TRANSCRIPT = (
    "Therapist: What happened after the call?\n"
    f"Patient: I kept thinking about the {PHRASE} and I felt I was nothing.\n"
    "Therapist: Can we slow down and look at that moment together?\n"
    "Patient: I suppose I assumed she hated me.\n"
)


def test_logs_and_urls_carry_ids_not_text(
    client: Any, people: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mentalize.web.records.models import Session

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="mentalize.web.audit")  # audit lines are DEBUG
    client.force_login(people["owner"])
    response = client.post("/patients/new/", {"code": "MBT-PRIV", "name": "Imogen Quillfeather"})
    assert response.status_code == 302
    patient_url = response.url
    upload = SimpleUploadedFile("session.txt", TRANSCRIPT.encode("utf-8"), "text/plain")
    response = client.post(
        patient_url + "sessions/new/", {"date": "2026-04-01", "transcript_file": upload}
    )
    assert response.status_code == 302, response.content[:400]
    session_url = response.url
    client.post(session_url + "notes/clinician/", {"text": f"Note about the {PHRASE}."})
    assert client.get(session_url).status_code == 200
    assert PHRASE in client.get(session_url + "report/").content.decode()
    assert PHRASE in Session.objects.get().analysis_json
    assert "audit #" in caplog.text, "the capture must see the app's log lines"
    for secret in (PHRASE, "Imogen", "hated"):
        assert secret not in caplog.text
    assert re.fullmatch(r"/sessions/\d+/", session_url)
    assert re.fullmatch(r"/patients/\d+/", patient_url)


def test_clinical_pages_are_not_cached(
    client: Any, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    client.force_login(people["owner"])
    response = client.get(f"/sessions/{chart['session'].pk}/")
    assert "no-store" in response.headers["Cache-Control"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    report = client.get(f"/sessions/{chart['session'].pk}/report/")
    policy = report.headers["Content-Security-Policy"]
    assert "sandbox allow-scripts" in policy and "allow-same-origin" not in policy
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1]
    # Only the report's own script may run: its hash, and no other inline script in the page.
    scripts = re.findall(r"<script>(.*?)</script>", report.content.decode(), re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert report.headers["X-Frame-Options"] == "SAMEORIGIN"
