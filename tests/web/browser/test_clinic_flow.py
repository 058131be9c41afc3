"""A clinician's first day, in a real browser: log in, add a patient and a treatment episode,
upload a transcript and read its report (inside the sandboxed frame), enter an RFQ-8 and a PHQ-9
through the forms, record an outcome event, see it all on the overview chart, write and revise the
crisis plan, check the same pages on a phone-sized screen, log out.

Expected questionnaire scores come from the instrument engine itself, so the test checks that the
page shows what the engine computes for the answers clicked, not numbers copied by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import CLINICIAN, VIEWPORT, Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import Page, expect

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "attuned_session.txt"
RFQ8 = [2, 6, 3, 5, 2, 6, 7, 5]
PHQ9 = [1, 2, 1, 1, 0, 1, 2, 0, 1]  # item 9 endorsed: the page must flag it
PHONE = {"width": 390, "height": 844}
PHONE_PAGES = (
    "04-session-form",
    "05-session-report",
    "06-rfq8-form",
    "09-patient",
    "10-overview",
    "11-crisis-plan",
)
PLAN = {
    "What the patient can do": "Text my sister; walk round the block before deciding anything.",
    "What others can do": "Ask what happened just before; validate the feeling first.",
    "Information for others (including what not to do)": "Do not argue about whether it hurts.",
}


def _fill_questionnaire(page: Page, instrument: str, answers: list[int]) -> None:
    """Click one radio button per item, by the item's text and the option's label."""
    from mentalize.instruments import load

    definition = load(instrument)
    for item, answer in zip(definition.items, answers, strict=True):
        group = page.get_by_role("group", name=f"{item.number}. {item.text}", exact=True)
        group.get_by_label(f"{answer} · {definition.option(answer).label}", exact=True).check()


def _card(page: Page, heading: str) -> Any:
    """The card (a ``<section>``) under a heading: cards carry no landmark names."""
    return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))


def _score(instrument: str, answers: list[int]) -> dict[str, Any]:
    from mentalize.instruments import score

    return score(instrument, answers).to_dict()


def test_a_clinicians_day(browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]) -> None:
    page = new_page(browser, clinic)
    seen: dict[str, str] = {}  # screenshot name -> URL, revisited on a phone-sized screen

    def shot(name: str) -> None:
        seen[name] = page.url
        shots(page, name)

    sessions_before = clinic.count("records_session")

    # Log in. Pages behind the log-in send you there first.
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/patients/"))
    shot("01-login")
    log_in(page)
    shot("02-caseload")

    # Add a patient.
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Code").fill("MBT-0142")
    page.get_by_label("Name").fill("Ada Example")
    shot("03-patient-form")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MBT-0142")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Example")
    patient_url = page.url
    assert re.search(r"/patients/\d+/$", patient_url), "only numeric ids in URLs"

    # A treatment episode.
    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Modality").select_option(label="Individual")
    page.get_by_label("Frequency").select_option(label="Weekly")
    page.get_by_label("Start").fill("2026-01-05")
    page.get_by_label("Planned end").fill("2027-01-04")
    page.get_by_role("button", name="Save episode").click()
    episodes = _card(page, "Treatment episodes")
    expect(episodes.get_by_role("cell", name="Individual")).to_be_visible()
    expect(episodes).to_contain_text("2026-01-05 – 2027-01-04 (planned)")

    # Upload a transcript, then read the report inside its sandboxed frame.
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Date").fill("2026-02-02")
    page.get_by_label("Treatment episode").select_option(index=1)
    page.get_by_label("Transcript file").set_input_files(EXAMPLE)
    shot("04-session-form")
    page.get_by_role("button", name="Analyse and save").click()
    expect(page.get_by_role("heading", name="Session of 2026-02-02")).to_be_visible()
    # The upload returns at once; serve's analysis worker analyses it, and the frame (which
    # reloads itself while it waits) then shows the report, without reloading the page.
    stored = re.compile(r"Session stored: \d+ turns\. The analysis is queued\.")
    expect(page.get_by_text(stored)).to_be_visible()
    report = page.frame_locator("iframe.report")
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible(timeout=30_000)
    expect(report.get_by_role("heading", name=re.compile(r"Risk language"))).to_be_visible()
    expect(report.get_by_role("heading", name="What might fit next")).to_be_visible()
    expect(report.locator("body")).to_contain_text("session of 2026-02-02")  # not the file name
    assert "attuned_session" not in report.locator("body").inner_text()
    # The frame is sandboxed, and its one script (allowed by hash in its CSP) still runs: a "Turn
    # 28" link opens the collapsed transcript at that turn.
    cookie = "() => { try { return document.cookie; } catch (e) { return e.name; } }"
    # Loaded into the waiting frame (no sandbox attribute), the report is sandboxed by its CSP.
    assert report.locator("body").evaluate(cookie) == "SecurityError"  # no session cookie
    page.reload()
    expect(page.locator("iframe.report")).to_have_attribute("sandbox", "allow-scripts")
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible()
    assert report.locator("body").evaluate(cookie) == "SecurityError"
    expect(report.locator("#turn-28")).to_be_hidden()
    report.get_by_role("link", name="Turn 28").first.click()
    expect(report.locator("#turn-28")).to_be_visible()
    shot("05-session-report")
    assert clinic.count("records_session") == sessions_before + 1

    # A clinician note on the session.
    page.get_by_label("Add a note").fill("Alliance steady; returned to the Saturday shifts.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    expect(page.get_by_text("Alliance steady; returned to the Saturday shifts.")).to_be_visible()

    # RFQ-8 through its form.
    page.get_by_role("link", name="MBT-0142").click()
    page.get_by_role("link", name="Enter RFQ-8").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reflective Functioning")
    page.get_by_label("Date").fill("2026-02-02")
    _fill_questionnaire(page, "rfq8", RFQ8)
    shot("06-rfq8-form")
    page.get_by_role("button", name="Score and save").click()
    rfq = _score("rfq8", RFQ8)["scores"]
    scores = _card(page, "Scores")
    for scale in ("rfq_c", "rfq_u"):
        row = scores.get_by_role("row", name=re.compile(f"^{scale.replace('rfq', 'RFQ')} "))
        expect(row.get_by_role("cell")).to_have_text(f"{rfq[scale]:.2f}")  # as published
    shot("07-rfq8-scores")

    # PHQ-9, with item 9 endorsed: the risk flag must be on the page.
    page.get_by_role("link", name="MBT-0142").click()
    page.get_by_role("link", name="Enter PHQ-9").click()
    page.get_by_label("Date").fill("2026-02-09")
    _fill_questionnaire(page, "phq9", PHQ9)
    page.get_by_role("button", name="Score and save").click()
    phq = _score("phq9", PHQ9)
    scores = _card(page, "Scores")
    expect(scores.get_by_role("row", name="PHQ-9 total").get_by_role("cell")).to_have_text(
        str(phq["scores"]["total"])
    )
    expect(scores.get_by_role("row", name=re.compile("^Band"))).to_contain_text(
        phq["band"]["label"]
    )
    expect(page.get_by_text(re.compile(r"^Item 9 \("))).to_be_visible()  # said once (issue 19)
    shot("08-phq9-scores")

    # Both on the patient page.
    page.get_by_role("link", name="MBT-0142").click()
    table = _card(page, "Questionnaires")
    expect(table.get_by_role("row", name=re.compile(r"RFQ-8"))).to_contain_text(
        f"RFQ_c {rfq['rfq_c']:.2f}"
    )
    expect(table.get_by_role("row", name=re.compile(r"PHQ-9"))).to_contain_text(
        f"PHQ-9 total {phq['scores']['total']}"
    )
    shot("09-patient")

    # An outcome event, then the overview: one chart over the treatment, offline (inline SVG).
    page.get_by_role("link", name="Record an event").click()
    page.get_by_label("Kind").select_option(label="Crisis contact")
    page.get_by_label("Date").fill("2026-02-10")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Outcome event recorded.")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Treatment overview")).click()
    chart = page.locator("section.overview-chart svg")
    expect(chart).to_be_visible()
    marks = chart.locator("title")  # every mark carries its date and value as a tooltip
    expect(
        marks.filter(has_text=re.compile(r"2026-02-02: mean patient mentalizing")).first
    ).to_be_attached()
    expect(
        marks.filter(has_text=re.compile(rf"PHQ-9.*2026-02-09: {phq['scores']['total']}\b")).first
    ).to_be_attached()
    expect(
        marks.filter(has_text=re.compile(rf"RFQ-8.*2026-02-02: {rfq['rfq_c']:.2f}")).first
    ).to_be_attached()
    expect(marks.filter(has_text=re.compile(r"Crisis contact.*2026-02-10")).first).to_be_attached()
    shot("10-overview")
    page.get_by_role("link", name="MBT-0142").click()

    # The crisis plan: write version 1, revise to version 2, see both.
    page.get_by_role("link", name="Crisis plan").click()
    expect(page.get_by_text("No crisis plan yet.")).to_be_visible()
    for label, text in PLAN.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Save as version 1").click()
    expect(page.get_by_text("Crisis plan saved as a new version.")).to_be_visible()
    expect(page.get_by_role("heading", name="Current plan (version 1)")).to_be_visible()
    page.get_by_label("What the patient can do").fill("Text my sister, then the crisis line.")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_role("heading", name="Current plan (version 2)")).to_be_visible()
    current = _card(page, "Current plan (version 2)")
    expect(current).to_contain_text("Text my sister, then the crisis line.")
    expect(current).to_contain_text(PLAN["What others can do"])
    earlier = _card(page, "Earlier versions")
    summary = earlier.get_by_text(re.compile(rf"^Version 1 · {CLINICIAN} · "))
    expect(summary).to_be_visible()
    summary.click()  # open the <details>
    expect(earlier.get_by_text(PLAN["What the patient can do"])).to_be_visible()
    shot("11-crisis-plan")

    # The same pages on a phone-sized screen: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    for name in PHONE_PAGES:
        page.goto(seen[name])
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        shots(page, f"phone-{name}")
        assert width[0] <= width[1], f"{name} is {width[0]} px wide on a {width[1]} px screen"
    page.set_viewport_size(VIEWPORT)

    # The caseload lists the patient by code; then log out: the patient page asks for a log-in.
    page.get_by_role("navigation").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("link", name="MBT-0142")).to_have_attribute(
        "href", re.compile(r"^/patients/\d+/$")
    )
    page.get_by_role("button", name="Log out").click()
    page.goto(patient_url)
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.context.close()

    verify = clinic.mentalize("audit", "verify")
    assert verify.returncode == 0, verify.stderr
