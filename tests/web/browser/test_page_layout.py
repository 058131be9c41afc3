"""Every clinic page as a clinician and a supervisor see it (issue 19's screenshot pass), measured
in Chromium at 1400 x 900 and 1024 x 768 and in print.

One realistic record is made through the forms, as a clinician would make it: a patient with a
treatment episode, an analysed session (``examples/misattuned_session.vtt``), a PHQ-9 with item 9
endorsed, an outcome event, a crisis plan with contacts; then the clinician's supervisor leaves a
comment. Two more patients, made through the API, fill the caseload's columns. Each page is then
checked for what a screenshot shows at a glance: its heading is there, nothing is wider than the
window (no sideways scrollbar, no card that scrolls sideways) and, in print, no navigation and no
form controls on the pages meant to be printed.

Screenshots (full page) are saved as ``layout-<who>-<page>-<1400|1024|print>`` to
``MENTALIZE_SCREENSHOTS`` when set (e.g. ``out/screens/pass``), else to a temporary folder.
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
from playwright.sync_api import Page, ViewportSize, expect

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "misattuned_session.vtt"
# Their own clinician and supervisor, so that other browser tests' patients and supervision
# settings on the shared server neither show here nor change.
CLINICIAN = "rhea"
SUPERVISOR = "maren"
CODE = "MBT-2207"
NAME = "Cara Example"
PHQ9 = [2, 2, 1, 2, 1, 2, 1, 1, 1]  # item 9 endorsed: the result page flags it
TODAY = dt.date.today()  # a current record: recent session, open alerts, a review still ahead
SIZES: dict[str, ViewportSize] = {
    "1400": {"width": 1400, "height": 900},
    "1024": {"width": 1024, "height": 768},
}
A4: ViewportSize = {"width": 718, "height": 1046}  # A4 less 1 cm margins, at 96 px to the inch
PLAN = {
    "What happens in a crisis (triggers and early signs)": (
        "Arguments at home about money; I stop eating and stop answering the phone."
    ),
    "What the patient can do": "Ring my brother. Sit in the garden for ten minutes first.",
    "What others can do": "Ask what happened just before, and stay with the feeling.",
    "Information for others (including what not to do)": "Please do not tell me to calm down.",
}
CONTACTS = [
    ("Tom Example", "brother", "07700 900456"),
    ("Community mental health team", "weekdays 9-5", "0300 555 0123"),
    ("Crisis line", "out of hours, every day", "0800 555 0177"),
]
COMMENT = (
    "Good work staying with the rupture at minute 20. Next time, try naming your own part in "
    "the misunderstanding before moving on."
)
NOTE = "Missed the shift after the weekend; came back to it when I named my own confusion."
# Pages printed on paper (by their print styles): no navigation, no form to fill in.
PRINTED = ("patient", "session", "questionnaire", "overview", "crisis-plan", "crisis-copy")

MEASURE = """() => {
  const doc = document.documentElement;
  const name = el => (el.querySelector('h2, h1')?.textContent || el.className).trim();
  return {
    scroll: doc.scrollWidth,
    inner: window.innerWidth,
    cards: [...document.querySelectorAll('.card, section')]
      .filter(el => el.scrollWidth > el.clientWidth + 1).map(name),
  };
}"""
# In print: navigation, buttons, form controls and the report's frame (cut at its height on
# paper) that are still rendered on the page.
PRINT_LEFTOVERS = """() => [...document.querySelectorAll(
    'nav, header, button, input:not([type=hidden]), select, textarea, .actions, iframe')]
  .filter(el => el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}))
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
       + ' ' + (el.textContent || el.name || '').trim().slice(0, 40))"""


def _day(days: int) -> str:
    """The date ``days`` from today, as the date fields take it."""
    return f"{TODAY + dt.timedelta(days=days):%Y-%m-%d}"


def _make_record(page: Page, clinic: Clinic) -> dict[str, str]:
    """The record, made through the forms; returns the page addresses it made, by name."""
    urls: dict[str, str] = {"caseload": "/patients/"}
    page.get_by_role("link", name="Add a patient").click()
    urls["patient-form"] = page.url
    page.get_by_label("Code").fill(CODE)
    page.get_by_label("Name").fill(NAME)
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CODE)
    urls["patient"] = page.url
    pk = re.search(r"/patients/(\d+)/$", page.url).group(1)  # type: ignore[union-attr]

    page.get_by_role("link", name="New episode").click()
    urls["treatment-form"] = page.url
    page.get_by_label("Modality").select_option(label="Individual")
    page.get_by_label("Frequency").select_option(label="Weekly")
    page.get_by_label("Start").fill(_day(-120))
    page.get_by_label("Planned end").fill(_day(245))
    page.get_by_role("button", name="Save episode").click()

    page.get_by_role("link", name="Add a session").click()
    urls["session-form"] = page.url
    page.get_by_label("Date").fill(_day(-14))
    page.get_by_label("Treatment episode").select_option(index=1)
    page.get_by_label("Transcript file").set_input_files(EXAMPLE)
    page.get_by_role("button", name="Analyse and save").click()
    report = page.frame_locator("iframe.report")
    expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible(timeout=90_000)
    urls["session"] = page.url
    page.get_by_label("Add a note").fill(NOTE)
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()

    page.goto(f"/patients/{pk}/questionnaires/phq9/new/")
    urls["questionnaire-form"] = page.url
    page.get_by_label("Date").fill(_day(-7))
    from mentalize.instruments import load

    phq9 = load("phq9")
    for item, answer in zip(phq9.items, PHQ9, strict=True):
        group = page.get_by_role("group", name=f"{item.number}. {item.text}", exact=True)
        group.get_by_label(f"{answer} · {phq9.option(answer).label}", exact=True).check()
    page.get_by_role("button", name="Score and save").click()
    expect(page.get_by_text(re.compile(r"^Item 9 \("))).to_be_visible()
    urls["questionnaire"] = page.url

    page.goto(urls["patient"])
    page.get_by_role("link", name="Record an event").click()
    urls["outcome-form"] = page.url
    page.get_by_label("Kind").select_option(label="Crisis contact")
    page.get_by_label("Date").fill(_day(-5))
    page.get_by_label("Note (optional)").fill("Rang the crisis line after a row at home.")
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Outcome event recorded.")).to_be_visible()

    page.get_by_role("link", name="Crisis plan").first.click()
    urls["crisis-plan"] = page.url
    for label, text in PLAN.items():
        page.get_by_label(label).fill(text)
    for n, (name, role, phone) in enumerate(CONTACTS, start=1):
        page.get_by_label(f"Contact {n}: name or service").fill(name)
        page.get_by_label(f"Contact {n}: relationship or role").fill(role)
        page.get_by_label(f"Contact {n}: phone number").fill(phone)
    page.get_by_label("Review date").fill(_day(60))
    page.get_by_role("button", name="Save as version 1").click()
    page.get_by_label("What others can do").fill(PLAN["What others can do"] + " Offer tea.")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_role("heading", name="Current plan (version 2)")).to_be_visible()
    urls["crisis-copy"] = urls["crisis-plan"] + "print/"

    page.goto(f"/patients/{pk}/questionnaire-links/")
    page.get_by_label("Instrument").select_option(label="PHQ-9")
    page.get_by_role("button", name="Make a link").click()
    urls["questionnaire-links"] = page.url
    urls["selfreport"] = page.get_by_label("Address for the patient").input_value()

    urls["overview"] = f"/patients/{pk}/overview/"
    urls["supervision"] = f"/patients/{pk}/supervision/"
    urls["export"] = f"/patients/{pk}/export/"
    urls["security"] = "/account/security/"
    urls["not-found"] = "/patients/999999/"
    return urls


def _more_patients(page: Page, clinic: Clinic) -> None:
    """Two more patients through the API, with PHQ-9 scores that changed, for the caseload."""
    made = clinic.mentalize("users", "token", CLINICIAN)
    assert made.returncode == 0, made.stderr
    api = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=clinic.base,
        extra_http_headers={"Authorization": f"Bearer {made.stdout.strip()}"},
    ).request
    for code, scores in (("MBT-2208", ([3] * 9, [1] * 9)), ("MBT-2210", ([1] * 9, [2] * 9))):
        sent = api.post("/api/v1/patients/", data={"code": code})
        assert sent.status == 201, sent.text()
        pk = sent.json()["id"]
        for on, answers in zip((_day(-60), _day(-10)), scores, strict=True):
            sent = api.post(
                f"/api/v1/patients/{pk}/questionnaires/",
                data={"instrument": "phq9", "answers": answers, "date": on},
            )
            assert sent.status == 201, sent.text()
    api.dispose()


def _supervisor_comments(browser: Any, clinic: Clinic, urls: dict[str, str]) -> Page:
    """The supervisor logs in and leaves a comment; returns their page, still logged in."""
    page = new_page(browser, clinic)
    page.goto("/login/")
    page.get_by_label("User name").fill(SUPERVISOR)
    from tests.web.serving import PASSWORD

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Supervisees' patients")).to_be_visible()
    page.goto(urls["supervision"])
    page.get_by_label("About the session (optional)").select_option(index=1)
    page.get_by_role("textbox", name="Comment").fill(COMMENT)
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_text("Supervision comment saved.")).to_be_visible()
    return page


def _visit(page: Page, url: str, name: str, printed: bool = False) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    if name == "session" and not printed:  # on paper the frame gives way to a line about it
        report = page.frame_locator("iframe.report")
        expect(report.get_by_role("heading", name="MBT session reading")).to_be_visible()


def _pass(
    page: Page,
    who: str,
    urls: dict[str, str],
    shots: Callable[[Any, str], Path],
    problems: list[str],
) -> None:
    """Each page at both sizes, then in print; what looks wrong goes to ``problems``."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, url in urls.items():
            _visit(page, url, name)
            measured = page.evaluate(MEASURE)
            if measured["scroll"] > measured["inner"]:
                problems.append(f"{who} {name} at {size}: {measured['scroll']} px wide")
            for card in measured["cards"]:
                problems.append(f"{who} {name} at {size}: '{card}' scrolls sideways")
            shots(page, f"layout-{who}-{name}-{size}")
    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    for name, url in urls.items():
        if name not in PRINTED:
            continue
        _visit(page, url, name, printed=True)
        measured = page.evaluate(MEASURE)
        if measured["scroll"] > measured["inner"]:
            problems.append(f"{who} {name} in print: {measured['scroll']} px wide on A4")
        for leftover in page.evaluate(PRINT_LEFTOVERS):
            problems.append(f"{who} {name} in print shows {leftover}")
        shots(page, f"layout-{who}-{name}-print")
    page.emulate_media(media="screen")


def test_every_clinic_page_at_two_widths_and_in_print(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    for user, role in ((CLINICIAN, "clinician"), (SUPERVISOR, "supervisor")):
        added = clinic.mentalize("users", "add", user, "--role", role)
        assert added.returncode == 0, added.stderr
    assigned = clinic.mentalize("users", "assign-supervisor", CLINICIAN, SUPERVISOR)
    assert assigned.returncode == 0, assigned.stderr
    problems: list[str] = []

    # Logged out: the log-in page.
    page = new_page(browser, clinic)
    _pass(page, "anyone", {"login": "/login/"}, shots, problems)

    log_in(page, CLINICIAN)
    urls = _make_record(page, clinic)
    _more_patients(page, clinic)
    supervisor = _supervisor_comments(browser, clinic, urls)
    selfreport = urls.pop("selfreport")

    _pass(page, "clinician", urls, shots, problems)
    page.goto(urls["patient"])
    expect(page.locator("section.supervision")).to_contain_text(COMMENT)
    page.context.close()

    # The supervisor reads the same record, and meets a page they may not use.
    seen = ("caseload", "patient", "session", "questionnaire", "overview", "crisis-plan")
    theirs = {name: urls[name] for name in seen}
    theirs["supervision"] = urls["supervision"]
    theirs["not-allowed"] = "/patients/new/"
    _pass(supervisor, "supervisor", theirs, shots, problems)
    supervisor.context.close()

    # The patient's one-time questionnaire link, on a machine with no one logged in.
    patient = new_page(browser, clinic)
    _pass(patient, "patient", {"selfreport": selfreport}, shots, problems)
    patient.context.close()

    assert not problems, "\n".join(problems)
