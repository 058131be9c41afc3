"""An outcome event with its severity, session and note in a real browser (issue 19): a clinician
adds a session, records a self-harm act linked to it with a severity and a note, and finds all
three on the patient page, the session as a link that opens it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import expect

CODE = "MBT-0744"
TRANSCRIPT = "T: How was the week?\nP: Hard. I hurt myself on Sunday.\n"
NOTE = "Superficial cuts after an argument; no medical care needed."


def test_a_clinician_records_an_event_with_severity_session_and_note(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_role("button", name="Add patient").click()
    patient_url = page.url
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("…or paste the transcript").fill(TRANSCRIPT)
    page.get_by_role("button", name="Analyse and save").click()
    expect(page.get_by_role("heading", name="Session of 2026-03-02")).to_be_visible()
    session_url = page.url

    page.goto(patient_url)
    events_before = clinic.count("records_outcomeevent")
    page.get_by_role("link", name="Record an event").click()
    page.get_by_label("Kind").select_option(label="Self-harm act")
    page.get_by_label("Date").fill("2026-03-01")
    page.get_by_label("Severity").select_option(label="Low: no medical care needed")
    session = page.get_by_label("Session it came up in (optional)")
    expect(session.locator("option")).to_have_text(["(no session)", re.compile("^2026-03-02 ")])
    session.select_option(index=1)
    page.get_by_label("Note (optional)").fill(NOTE)
    shots(page, "outcome-01-form")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Outcome event recorded.")).to_be_visible()
    assert clinic.count("records_outcomeevent") == events_before + 1

    events = page.locator("section", has=page.get_by_role("heading", name="Outcome events"))
    row = events.get_by_role("row", name=re.compile("2026-03-01"))
    expect(row).to_contain_text("Self-harm act")
    expect(row).to_contain_text("Severity: Low")
    expect(row).to_contain_text(NOTE)
    shots(page, "outcome-02-patient-page")
    row.get_by_role("link", name="Session of 2026-03-02").click()
    expect(page).to_have_url(session_url)
    page.context.close()
