"""The session report at a small desktop size (issue 19): at 1024x768 a session's risk flags are
in view on load, above the report frame, with a link to them inside the frame; the report
opens on a full page and downloads as an attachment. The session form preselects the patient's
only active episode.
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

CODE = "MBT-0719"
TRANSCRIPT = (
    "T: How have things been since last week?\n"
    "P: Honestly, I want to kill myself. I keep thinking about it at night.\n"
    "T: Thank you for telling me. Can you say more about those thoughts?\n"
    "P: They come when I am alone and I feel nobody would notice.\n"
)


def test_risk_flags_are_in_view_and_the_report_opens_and_downloads(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Modality").select_option(label="Individual")
    page.get_by_label("Frequency").select_option(label="Weekly")
    page.get_by_label("Start").fill("2026-01-05")
    page.get_by_role("button", name="Save episode").click()

    page.get_by_role("link", name="Add a session").click()
    # The only active episode is preselected.
    expect(page.get_by_label("Treatment episode")).not_to_have_value("")
    page.get_by_label("Date").fill("2026-02-02")
    page.get_by_label("…or paste the transcript").fill(TRANSCRIPT)
    page.get_by_role("button", name="Analyse and save").click()
    report = page.frame_locator("iframe.report")
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible(timeout=30_000)
    session_url = page.url

    # On load, the flag is in the viewport without scrolling.
    page.goto(session_url)
    flags = page.locator(".risk-turns")
    expect(flags).to_be_in_viewport()
    first = flags.get_by_role("listitem").first
    expect(first).to_contain_text("Suicidal ideation language")
    expect(first).to_contain_text("2 flags")
    expect(first).to_be_in_viewport(ratio=1)  # wholly in view, not just its top edge
    assert page.evaluate("window.scrollY") == 0
    expect(page.locator("iframe.report")).to_have_attribute("sandbox", "allow-scripts")
    shots(page, "report-01-session-1024x768")

    # The link opens the report's risk section, with the flagged turns, inside the frame.
    flags.get_by_role("link", name="Show the flagged turns in the report").click()
    expect(report.get_by_role("heading", name=re.compile("Risk language"))).to_be_in_viewport()

    # Open full page: the report alone, in a new tab.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open full page").click()
    full = opened.value
    expect(full.get_by_role("heading", name="MBT session reading")).to_be_visible()
    assert re.search(r"/sessions/\d+/report/$", full.url)
    shots(full, "report-02-full-page")
    full.close()

    # Download HTML: an attachment, the same report.
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download HTML").click()
    download = downloading.value
    assert re.fullmatch(r"mentalize-session-2026-02-02-\d+\.html", download.suggested_filename)
    assert "kill myself" in Path(download.path()).read_text(encoding="utf-8")
    response = page.request.get(session_url + "report/download/")
    assert response.headers["content-disposition"].startswith("attachment;")
    page.context.close()
