"""Supervision comments in a real browser (issue 19): a clinician adds a patient, their supervisor
logs in, opens the patient from the supervisees' caseload and leaves a comment; the clinician logs
in again, sees it on the patient page and opens all of them from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import CLINICIAN, Clinic, log_in, new_page
from tests.web.serving import PASSWORD

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import expect

CODE = "MBT-0519"
SUPERVISOR = "noor"
COMMENT = "Notice the pace after the break: slow down and stay curious."


def test_a_supervisor_comments_and_the_clinician_reads_it(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    added = clinic.mentalize("users", "add", SUPERVISOR, "--role", "supervisor")
    assert added.returncode == 0, added.stderr
    assigned = clinic.mentalize("users", "assign-supervisor", CLINICIAN, SUPERVISOR)
    assert assigned.returncode == 0, assigned.stderr

    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CODE)
    page.context.close()

    page = new_page(browser, clinic)
    page.goto("/")
    page.get_by_label("User name").fill(SUPERVISOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Supervisees' patients")).to_be_visible()
    page.get_by_role("row", name=re.compile(CODE)).get_by_role("link", name=CODE).click()
    page.get_by_role("link", name=re.compile("Supervision comments")).click()
    page.get_by_role("textbox", name="Comment").fill(COMMENT)
    shots(page, "supervision-01-form")
    before = clinic.count("records_supervisioncomment")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_text("Supervision comment saved.")).to_be_visible()
    expect(page.locator(".supervision-comments")).to_contain_text(COMMENT)
    assert clinic.count("records_supervisioncomment") == before + 1
    page.context.close()

    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("row", name=re.compile(CODE)).get_by_role("link", name=CODE).click()
    # The patient page itself shows the newest comments, with who wrote them.
    block = page.locator("section.supervision")
    expect(block.get_by_role("heading", name="From supervision")).to_be_visible()
    expect(block).to_contain_text(COMMENT)
    expect(block).to_contain_text(SUPERVISOR)
    shots(page, "supervision-02-patient-page")
    block.get_by_role("link", name="Supervision comments (1)").click()
    comments = page.locator(".supervision-comments")
    expect(comments).to_contain_text(COMMENT)
    expect(comments).to_contain_text(SUPERVISOR)
    expect(page.get_by_role("button", name="Save comment")).to_have_count(0)
    shots(page, "supervision-03-clinician-reads")
    page.context.close()
