"""The MBT crisis plan in a real browser (issue 19): a clinician writes a plan with two contacts
and a review date, saves a second version, sees what changed, opens the patient's copy and prints
it: the printed page has the contacts and the review date, and none of the clinic's navigation.
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

CODE = "MBT-0733"
NAME = "Bea Example"
PLAN = {
    "What happens in a crisis (triggers and early signs)": (
        "Feeling shut out by friends. I stop answering messages and stay in bed."
    ),
    "What the patient can do": "Text Sam. Walk to the park before deciding anything.",
    "What others can do": "Ask what happened just before; stay with the feeling first.",
    "Information for others (including what not to do)": "Do not argue about whether it hurts.",
}
CONTACTS = [
    ("Sam Example", "sister", "07700 900123"),
    ("Crisis team", "out of hours", "0300 555 0199"),
]
NEW_PHONE = "0300 555 0142"
NEW_LINE = "Put the kettle on and ring Sam."


def _card(page: Any, heading: str) -> Any:
    return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))


def test_a_clinician_writes_revises_and_prints_a_crisis_plan(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    review = dt.date.today() + dt.timedelta(days=60)
    versions_before = clinic.count("records_crisisplanversion")
    page = new_page(browser, clinic)
    log_in(page)
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill(CODE)
    page.get_by_label("Name").fill(NAME)
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Modality").select_option(label="Individual")
    page.get_by_label("Frequency").select_option(label="Weekly")
    page.get_by_label("Start").fill("2026-01-05")
    page.get_by_role("button", name="Save episode").click()
    page.get_by_role("link", name="Crisis plan").click()

    # Version 1: every part, two contacts, a review date.
    expect(page.get_by_text("No crisis plan yet.")).to_be_visible()
    for label, text in PLAN.items():
        page.get_by_label(label).fill(text)
    for n, (name, role, phone) in enumerate(CONTACTS, start=1):
        page.get_by_label(f"Contact {n}: name or service").fill(name)
        page.get_by_label(f"Contact {n}: relationship or role").fill(role)
        page.get_by_label(f"Contact {n}: phone number").fill(phone)
    page.get_by_label("Review date").fill(f"{review:%Y-%m-%d}")
    shots(page, "crisis-01-form")
    page.get_by_role("button", name="Save as version 1").click()
    expect(page.get_by_text("Crisis plan saved as a new version.")).to_be_visible()
    current = _card(page, "Current plan (version 1)")
    for name, _role, phone in CONTACTS:
        expect(current.get_by_role("row", name=re.compile(name))).to_contain_text(phone)
    expect(current).to_contain_text(f"Next review by {review:%Y-%m-%d}")

    # Version 2: one line replaced, one number changed; the form starts from version 1.
    expect(page.get_by_label("Contact 2: phone number")).to_have_value(CONTACTS[1][2])
    page.get_by_label("What the patient can do").fill(
        PLAN["What the patient can do"].replace(
            "Walk to the park before deciding anything.", NEW_LINE
        )
    )
    page.get_by_label("Contact 2: phone number").fill(NEW_PHONE)
    page.get_by_role("button", name="Save as version 2").click()
    current = _card(page, "Current plan (version 2)")
    expect(current).to_be_visible()
    current.get_by_text("What changed from version 1").click()  # open the <details>
    changes = current.locator("dl.plan-changes")
    expect(changes.locator("dd.added")).to_contain_text(["Added: " + NEW_LINE, NEW_PHONE])
    expect(changes.locator("dd.removed")).to_contain_text(
        ["Removed: Walk to the park before deciding anything.", CONTACTS[1][2]]
    )
    expect(changes).not_to_contain_text(PLAN["What others can do"])
    earlier = _card(page, "Earlier versions")
    earlier.get_by_text(re.compile(r"^Version 1 · ")).click()
    expect(earlier).to_contain_text(CONTACTS[1][2])
    shots(page, "crisis-02-versions")
    assert clinic.count("records_crisisplanversion") == versions_before + 2

    # The patient's copy, as printed.
    page.get_by_role("link", name="Patient copy to print").click()
    expect(page).to_have_url(re.compile(r"/treatments/\d+/crisis-plan/print/$"))
    expect(page.get_by_role("link", name=re.compile("Back to the crisis plan"))).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Back to the crisis plan"))).to_be_hidden()
    expect(page.get_by_role("button")).to_have_count(0)
    calls = page.locator("section.contacts")
    expect(calls.get_by_role("row", name=re.compile(CONTACTS[0][0]))).to_contain_text(
        CONTACTS[0][2]
    )
    expect(calls.get_by_role("row", name=re.compile(CONTACTS[1][0]))).to_contain_text(NEW_PHONE)
    expect(page.locator("p.review")).to_contain_text(f"{review.day} {review:%B %Y}")
    expect(page.locator("body")).to_contain_text(NEW_LINE)
    expect(page.locator("body")).to_contain_text(CODE)
    expect(page.locator("body")).not_to_contain_text(NAME)
    shots(page, "crisis-03-patient-copy-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    # The copy fits on one sheet: something a patient can keep in a pocket or on the fridge.
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    page.context.close()

    verify = clinic.mentalize("audit", "verify")
    assert verify.returncode == 0, verify.stderr
