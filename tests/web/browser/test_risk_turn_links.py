"""The session page's risk list links each flag to its turn (issue 19): clicking "Turn N" opens the
report's collapsed transcript inside the frame at that turn, with the flagged words in view.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import expect

CODE = "MBT-0720"
TRANSCRIPT = (
    "T: How have things been since last week?\n"
    "P: Honestly, I want to kill myself. I keep thinking about it at night.\n"
    "T: Thank you for telling me. Can you say more about those thoughts?\n"
    "P: They come when I am alone and I feel nobody would notice.\n"
    "T: Have you hurt yourself since we last met?\n"
    "P: Last month I cut my arm again, but not this week.\n"
    # The rest of the hour, so the report can scroll a flagged turn to the top of its frame.
    + "T: What did you do at the weekend?\nP: I went for a walk with my sister and we had lunch.\n"
    * 12
)


def test_each_flagged_turn_opens_in_the_report_frame(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("…or paste the transcript").fill(TRANSCRIPT)
    page.get_by_role("button", name="Analyse and save").click()
    report = page.frame_locator("iframe.report")
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible(timeout=30_000)
    page.reload()
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible()

    flags = page.locator(".risk-turns")
    expect(flags).to_be_in_viewport()
    for kind, turns in (
        ("Suicidal ideation language", ("Turn 2", "Turn 4")),
        ("Self-harm", ("Turn 6",)),
    ):
        item = flags.get_by_role("listitem").filter(has_text=kind)
        for turn in turns:
            expect(item.get_by_role("link", name=turn, exact=True)).to_be_visible()
    transcript = report.locator("#transcript details")
    expect(transcript).not_to_have_attribute("open", "")  # collapsed until a turn is asked for
    shots(page, "risk-turns-01-list")

    flags.get_by_role("link", name="Turn 6", exact=True).click()
    expect(transcript).to_have_attribute("open", "")
    row = report.locator("#turn-6")
    expect(row).to_be_in_viewport()
    expect(row).to_contain_text("cut my arm")
    assert [f.url.rsplit("/", 1)[-1] for f in page.frames[1:]] == ["#turn-6"]
    shots(page, "risk-turns-02-turn-6")

    # Back up to an earlier flag: the frame moves to it (the page itself stays where it was).
    flags.get_by_role("link", name="Turn 2", exact=True).click()
    expect(report.locator("#turn-2")).to_be_in_viewport()
    expect(report.locator("#turn-2")).to_contain_text("kill myself")
    assert [f.url.rsplit("/", 1)[-1] for f in page.frames[1:]] == ["#turn-2"]
    assert page.evaluate("window.scrollY") == 0
    shots(page, "risk-turns-03-turn-2")
    page.context.close()
