"""Reviewing an alert in a real browser (issue 19): a clinician records an outcome event, sees it
counted on the caseload, marks the alert reviewed with a note on the patient page, and sees the
count drop and the review listed, with who and the note, on the treatment overview.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import CLINICIAN, Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import expect

CODE = "MBT-0419"
NOTE = "Talked it through; crisis plan still fits."


def test_a_clinician_reviews_an_alert(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CODE)

    # A recent event (yesterday: inside the 30-day window whatever the server's time zone).
    page.get_by_role("link", name="Record an event").click()
    page.get_by_label("Kind").select_option(label="Crisis contact")
    page.get_by_label("Date").fill(f"{dt.date.today() - dt.timedelta(days=1):%Y-%m-%d}")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Outcome event recorded.")).to_be_visible()

    page.goto("/patients/")
    row = page.get_by_role("row", name=re.compile(CODE))
    expect(row).to_contain_text("1 alert")
    shots(page, "alert-01-caseload-before")

    row.get_by_role("link", name=CODE).click()
    alerts = page.locator("section.alerts")
    expect(alerts.get_by_role("heading", name=re.compile("For review"))).to_contain_text("1")
    alerts.get_by_text("Mark reviewed").click()
    alerts.get_by_label("Review note (optional)").fill(NOTE)
    shots(page, "alert-02-review-form")
    reviews_before = clinic.count("records_alertreview")
    alerts.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Alert marked as reviewed.")).to_be_visible()
    expect(page.locator("section.alerts")).to_have_count(0)
    assert clinic.count("records_alertreview") == reviews_before + 1

    page.goto("/patients/")
    row = page.get_by_role("row", name=re.compile(CODE))
    expect(row).to_contain_text("none")
    expect(row).not_to_contain_text("alert")
    shots(page, "alert-03-caseload-after")

    row.get_by_role("link", name=CODE).click()
    page.get_by_role("link", name="1 reviewed alert").click()
    reviewed = page.locator("#reviewed")
    expect(reviewed.get_by_role("heading", name=re.compile("Reviewed"))).to_be_visible()
    expect(reviewed).to_contain_text(f"Reviewed by {CLINICIAN} on")
    expect(reviewed).to_contain_text(NOTE)
    expect(reviewed).to_contain_text("Crisis contact")
    shots(page, "alert-04-overview-reviewed")
    page.context.close()
