"""A person's first evening with Reflect, in a real browser: open the printed link, create the
journal, write a heated entry and meet grounding first and the signs with their words marked,
save it, see the journal and the picture over time, check a draft message, write an entry with
risk language and meet help first and nothing else, export, lock, and find that a browser
without the link gets nothing. The reading pages are also shot at phone size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reflect.browser.conftest import PASSPHRASE, Reflect, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import Page, expect

from mentalize.reflect import wording

HEATED = (
    "She didn't answer all evening. She obviously did it on purpose to punish me, she always "
    "does this!!! Everyone leaves in the end. My heart was POUNDING and I was shaking."
)
CALMER = (
    "My manager moved the meeting again.\n\nMaybe something came up for her; I'm not sure "
    "what was going on. I felt a bit annoyed but I can ask tomorrow."
)
DRAFT = "You NEVER listen!!! You obviously did this on purpose, you always do."
RISK = "I don't want to be here anymore. I keep thinking about ending it."
PHONE = {"width": 390, "height": 844}
CERTAINTY = wording.SIGNS["certainty_about_minds"].title


def _write(page: Page, text: str, situation: str) -> None:
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_label("What happened").fill(text)
    page.get_by_label("Situation").fill(situation)
    page.get_by_role("button", name="Reflect", exact=True).click()


def _top(page: Page, locator: Any) -> float:
    box = locator.first.bounding_box()
    assert box is not None
    return float(box["y"])


def test_first_evening(
    browser: Any, reflect_server: Reflect, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, reflect_server)

    # the printed link opens the page; the token leaves the address bar
    page.goto(reflect_server.link)
    expect(page).to_have_url(re.compile(r"/create$"))
    expect(page.get_by_role("heading", name="A new journal")).to_be_visible()
    expect(page.get_by_text("There is no way to recover them")).to_be_visible()
    shots(page, "01-create")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("The same passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my journal").click()

    # a heated, certain entry: grounding first, then each sign with its words marked in place
    expect(page.get_by_role("heading", name="Write")).to_be_visible()
    shots(page, "02-write")
    _write(page, HEATED, "partner")
    grounding = page.get_by_role("heading", name=wording.GROUNDING_TITLE)
    expect(grounding).to_be_visible()
    certainty = page.get_by_role("heading", name=CERTAINTY)
    expect(certainty).to_be_visible()
    expect(page.locator(".text mark", has_text="did it on purpose")).to_be_visible()
    sign = page.locator("section.sign", has=certainty)
    expect(sign.locator(".quotes mark", has_text="did it on purpose")).to_be_visible()
    expect(sign.get_by_text(wording.SIGNS["certainty_about_minds"].prompts[0])).to_be_visible()
    assert _top(page, grounding) < _top(page, certainty)
    expect(page.get_by_text(wording.CAUTION)).to_be_visible()
    shots(page, "03-reflection")
    page.set_viewport_size(PHONE)
    shots(page, "03-reflection-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Save to my journal").click()

    # the journal lists it with its signs; a calmer entry joins it
    expect(page.get_by_role("heading", name="Journal", exact=True)).to_be_visible()
    expect(page.get_by_text(wording.PAGE_SAVED)).to_be_visible()
    _write(page, CALMER, "work")
    expect(page.get_by_role("heading", name=wording.STRENGTH_TITLE)).to_be_visible()
    page.get_by_role("button", name="Save to my journal").click()
    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="partner").locator(".chip", has_text=CERTAINTY)).to_be_visible()
    shots(page, "04-journal")

    # an entry opened again is read again, without the save buttons
    rows.filter(has_text="partner").get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name=CERTAINTY)).to_be_visible()
    expect(page.get_by_role("button", name="Save to my journal")).to_have_count(0)
    shots(page, "05-entry")

    # the picture over time, the situations, and the caution
    page.get_by_role("link", name="Over time").click()
    chart = page.locator(".chart svg")
    expect(chart).to_be_visible()
    expect(page.locator("table").get_by_text("partner")).to_be_visible()
    expect(page.get_by_text(wording.CAUTION)).to_be_visible()
    shots(page, "06-over-time")

    # a draft message: what the reader may meet, nothing rewritten, nothing saved
    page.get_by_role("link", name="Check a message").click()
    page.get_by_label("The draft message").fill(DRAFT)
    page.get_by_role("button", name="Check the message").click()
    expect(page.get_by_role("heading", name=wording.SIGNS["reader_motives"].title)).to_be_visible()
    expect(page.get_by_text("How might they read this?").first).to_be_visible()
    expect(page.get_by_role("button", name="Save to my journal")).to_have_count(0)
    shots(page, "07-message")

    # risk language: help comes first, plainly, and nothing else is read
    _write(page, RISK, "")
    help_box = page.locator("section.help")
    expect(help_box.get_by_role("heading", name=wording.RISK_TITLE)).to_be_visible()
    expect(help_box.get_by_text("116 123")).to_be_visible()
    expect(help_box.get_by_text("https://findahelpline.com")).to_be_visible()
    expect(help_box.get_by_text("want to be here anymore")).to_be_visible()
    first_heading = page.locator("main h2").first
    expect(first_heading).to_have_text(wording.RISK_TITLE)
    for title in (CERTAINTY, wording.GROUNDING_TITLE, "Some questions to stay with"):
        expect(page.get_by_role("heading", name=title)).to_have_count(0)
    shots(page, "08-risk")
    page.set_viewport_size(PHONE)
    shots(page, "08-risk-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Don't save").click()
    expect(page.get_by_text(wording.PAGE_NOT_SAVED)).to_be_visible()

    # export: every entry, as the JSON document the terminal's --export writes
    page.get_by_role("link", name="Journal", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download every entry (JSON)").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert sorted(e["situation"] for e in document["entries"]) == ["partner", "work"]
    texts = {e["situation"]: e["text"] for e in document["entries"]}
    assert texts == {"partner": HEATED, "work": CALMER}  # paragraphs kept through the page

    # lock; a wrong passphrase is told plainly
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_role("heading", name="Unlock the journal")).to_be_visible()
    page.get_by_label("Passphrase").fill("not my passphrase")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text(wording.PAGE_WRONG_PASSPHRASE)).to_be_visible()
    shots(page, "09-unlock-wrong")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("heading", name="Write")).to_be_visible()
    # nothing blocked by the policy, nothing broken (a refused passphrase is a 401 by design)
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []

    # another browser without the link gets a plain page, no journal
    stranger = new_page(browser, reflect_server)
    stranger.goto("/journal")
    expect(stranger.get_by_role("heading", name="Open the link from the terminal")).to_be_visible()
    expect(stranger.get_by_text("partner")).to_have_count(0)
    shots(stranger, "10-gate")

    # delete everything, after typing the word
    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("link", name="Delete every entry…").click()
    page.get_by_label("Type delete").fill("delete")
    shots(page, "11-delete-all")
    page.get_by_role("button", name="Delete every entry and the key").click()
    expect(page.get_by_role("heading", name="A new journal")).to_be_visible()
    assert not (reflect_server.folder / "vault.json").exists()
