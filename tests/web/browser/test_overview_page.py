"""The treatment overview as a clinician sees it (issue 19), measured in Chromium: at 1024 px wide
no horizontal scrollbar, every key visible and clear of titles, plot areas and event lines, every
data panel at least 120 px tall, a label for every month; the same in print, where the chart
fits the page; sessions listed in the patient page's order.

The record is made through the API (sessions uploaded and analysed by the server's workers,
questionnaires scored by the engine) and the outcome events through the form, over five months
that cross a new year and leave December empty. Screenshots at 1400 and 1024 px and in print
are saved as ``overview-1400``, ``overview-1024`` and ``overview-print`` (to
``MENTALIZE_SCREENSHOTS``, e.g. ``out/screens``, when set).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import CLINICIAN, Clinic, log_in, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from playwright.sync_api import Page, expect

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CODE = "MBT-0531"
SESSIONS = ("2025-10-20", "2025-11-03", "2025-11-17", "2026-01-12", "2026-02-09")
QUESTIONNAIRES = {
    "phq9": [
        ("2025-10-20", [1, 1, 1, 1, 1, 1, 1, 2, 0]),
        ("2026-01-12", [2, 2, 2, 2, 2, 2, 2, 2, 0]),
        ("2026-02-09", [2, 2, 2, 2, 2, 2, 1, 1, 0]),
    ],
    "gad7": [("2025-10-20", [2, 2, 2, 2, 2, 2, 3]), ("2026-02-09", [2, 2, 2, 1, 1, 1, 1])],
    "rfq8": [("2025-10-20", [1, 2, 3, 4, 5, 6, 7, 1]), ("2026-02-09", [7, 7, 7, 7, 7, 7, 7, 7])],
}
# A suicide attempt the day after the last session: the right-hand edge, under the keys.
EVENTS = (("Crisis contact", "2025-11-18"), ("Suicide attempt", "2026-02-10"))
MONTHS = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
A4 = {"width": 718, "height": 1046}  # A4 less 1 cm margins, at 96 px to the inch
MIN_PANEL_PX = 120

# Boxes (in CSS px) of what the checks compare, measured by the browser.
GEOMETRY = """() => {
  const svg = document.querySelector('section.overview-chart svg');
  const box = el => { const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const union = els => { const rs = els.map(box).filter(r => r.w || r.h);
    const x = Math.min(...rs.map(r => r.x)), y = Math.min(...rs.map(r => r.y));
    return {x, y, w: Math.max(...rs.map(r => r.x + r.w)) - x,
            h: Math.max(...rs.map(r => r.y + r.h)) - y}; };
  const all = sel => [...svg.querySelectorAll(sel)];
  const values = all('text.yl').map(box);
  const plots = all('rect.pf').map(box);
  return {
    svg: box(svg),
    page: {scroll: document.documentElement.scrollWidth,
           client: document.documentElement.clientWidth},
    cards: [...document.querySelectorAll('section')].filter(s => s.scrollWidth > s.clientWidth)
      .map(s => s.querySelector('h2').textContent),
    keys: all('g.key').map(g => union([...g.children].filter(c => !c.matches('.lgb')))),
    titles: all('text.pt').map(box),
    plots,
    panels: plots.filter(p => values.filter(v => v.y >= p.y - 8 && v.y <= p.y + p.h).length >= 2),
    events: all('line.ev').map(box),
    axis: all('text.xm, text.xy').map(box),
    months: all('text[data-month]').map(t => t.getAttribute('data-month')),
  };
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def _api(page: Page, clinic: Clinic) -> Any:
    made = clinic.mentalize("users", "token", CLINICIAN)
    assert made.returncode == 0, made.stderr
    return page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=clinic.base,
        extra_http_headers={"Authorization": f"Bearer {made.stdout.strip()}"},
    ).request


def _make_record(page: Page, clinic: Clinic) -> int:
    api = _api(page, clinic)
    made = api.post("/api/v1/patients/", data={"code": CODE})
    assert made.status == 201, made.text()
    pk = made.json()["id"]
    transcripts = [EXAMPLES / "attuned_session.txt", EXAMPLES / "misattuned_session.vtt"]
    uploaded = []
    for n, on in enumerate(SESSIONS):
        path = transcripts[n % 2]
        sent = api.post(
            f"/api/v1/patients/{pk}/sessions/",
            multipart={
                "transcript": {
                    "name": path.name,
                    "mimeType": "text/plain",
                    "buffer": path.read_bytes(),
                },
                "date": on,
            },
        )
        assert sent.status == 201, sent.text()
        uploaded.append(sent.json()["id"])
    for instrument, entries in QUESTIONNAIRES.items():
        for on, answers in entries:
            sent = api.post(
                f"/api/v1/patients/{pk}/questionnaires/",
                data={"instrument": instrument, "answers": answers, "date": on},
            )
            assert sent.status == 201, sent.text()
    deadline = time.monotonic() + 120
    for session in uploaded:  # the server's workers analyse the uploads
        while api.get(f"/api/v1/sessions/{session}/").json()["analysis_status"] != "done":
            assert time.monotonic() < deadline, "the analyses did not finish in 120 s"
            time.sleep(0.3)
    for kind, on in EVENTS:
        page.goto(f"/patients/{pk}/outcomes/new/")
        page.get_by_label("Kind").select_option(label=kind)
        page.get_by_label("Date").fill(on)
        page.get_by_role("button", name="Record event").click()
        expect(page.get_by_text("Outcome event recorded.")).to_be_visible()
    return int(pk)


def _check_chart(geometry: dict[str, Any], where: str) -> None:
    svg = geometry["svg"]
    assert geometry["cards"] == [], f"{where}: cards cut off at the side"
    assert geometry["months"] == MONTHS, where
    assert len(geometry["panels"]) == 5, where  # two per session, PHQ-9, GAD-7, RFQ-8
    for panel in geometry["panels"]:
        assert panel["h"] >= MIN_PANEL_PX, f"{where}: a data panel {panel['h']:.0f} px tall"
    assert len(geometry["keys"]) == 6 and len(geometry["events"]) >= 2, where
    right = max(p["x"] + p["w"] for p in geometry["plots"])
    for key in geometry["keys"]:  # within the chart, ending by the plot areas' right edge
        assert svg["x"] <= key["x"] and key["x"] + key["w"] <= right + 1, where
        for other in geometry["titles"] + geometry["plots"] + geometry["events"]:
            assert not _overlap(key, other), f"{where}: a key overlaps {other}"
    axis = geometry["axis"]
    for label in axis:  # not clipped at either end of the chart
        assert svg["x"] <= label["x"] and label["x"] + label["w"] <= svg["x"] + svg["w"], where
    for a, b in itertools.combinations(axis, 2):
        assert not _overlap(a, b), f"{where}: axis labels overlap"


def _sessions_listed(page: Page, heading: str) -> list[str]:
    card = page.locator("section", has=page.get_by_role("heading", name=re.compile(heading)))
    return [
        href or ""
        for href in card.get_by_role("link", name="Open reading").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]


def test_the_overview_reads_at_every_width_and_in_print(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    page = new_page(browser, clinic)
    page.set_viewport_size({"width": 1024, "height": 900})
    log_in(page)
    pk = _make_record(page, clinic)

    page.goto(f"/patients/{pk}/")
    on_record = _sessions_listed(page, "^Sessions")
    page.goto(f"/patients/{pk}/overview/")
    chart = page.locator("section.overview-chart svg")
    expect(chart).to_be_visible()
    # Newest first, as on the patient page; the chart alone runs oldest to newest.
    assert _sessions_listed(page, "^Sessions") == on_record and len(on_record) == len(SESSIONS)

    geometry = page.evaluate(GEOMETRY)
    assert geometry["page"]["scroll"] <= geometry["page"]["client"], "a horizontal scrollbar"
    _check_chart(geometry, "1024 px")
    for key in chart.locator("g.key").all():
        key.scroll_into_view_if_needed()
        expect(key).to_be_visible()
    shots(page, "overview-1024")

    page.set_viewport_size({"width": 1400, "height": 900})
    _check_chart(page.evaluate(GEOMETRY), "1400 px")
    shots(page, "overview-1400")

    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    printed = page.evaluate(GEOMETRY)
    _check_chart(printed, "print")
    # The chart fits the page: its width, and its height with room for the card's heading.
    assert printed["svg"]["w"] <= A4["width"] and printed["svg"]["h"] <= A4["height"] - 40
    shots(page, "overview-print")
    page.context.close()
