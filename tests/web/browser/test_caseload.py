"""The caseload in a real browser (issue 19): a clinician with several patients searches by code
and the list narrows, the patient with an open alert leads the default order, and a column header
sorts the list and, clicked again, turns it round.
"""

from __future__ import annotations

import datetime as dt
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

CODES = ("CL-0001", "CL-0002", "CL-0003")


def _listed(page: Any) -> list[str]:
    """The codes in the caseload's table, in the order shown."""
    return [
        text.strip()
        for text in page.locator("table.caseload tbody tr td:first-child").all_inner_texts()
    ]


def test_a_clinician_searches_and_sorts_the_caseload(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    log_in(page)
    for code in CODES:
        page.goto("/patients/new/")
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Add patient").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    # An event yesterday on the last one: an open alert, so it leads the default order.
    page.get_by_role("link", name="Record an event").click()
    page.get_by_label("Kind").select_option(label="Crisis contact")
    page.get_by_label("Date").fill(f"{dt.date.today() - dt.timedelta(days=1):%Y-%m-%d}")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Outcome event recorded.")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Caseload").click()
    page.get_by_label("Search by patient code").fill("cl-")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".caseload-matches")).to_contain_text("with “cl-” in the code")
    assert _listed(page) == ["CL-0003", "CL-0001", "CL-0002"]  # open alert first
    shots(page, "caseload-01-search")

    page.get_by_label("Search by patient code").fill("0002")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.caseload tbody tr")).to_have_count(1)
    assert _listed(page) == ["CL-0002"]

    page.get_by_label("Search by patient code").fill("CL-")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".caseload-matches")).to_contain_text("with “CL-” in the code")
    header = page.get_by_role("columnheader", name=re.compile("^Patient"))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert _listed(page) == list(CODES)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert _listed(page) == list(reversed(CODES))
    expect(page.get_by_label("Search by patient code")).to_have_value("CL-")  # search kept
    shots(page, "caseload-02-sorted")

    page.get_by_role("link", name="Show all patients").click()
    expect(page.get_by_label("Search by patient code")).to_have_value("")
    assert set(CODES) <= set(_listed(page))
    page.context.close()
