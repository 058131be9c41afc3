"""The overview chart's geometry, read back from the SVG it draws (issue 19), and the order of
its lists: panels tall enough to read in print, a label for every month on the date axis, event
lines that never cross a key, and sessions listed in the patient page's order.

Charts here are drawn from hand-built :class:`~mentalize.web.records.overview.Overview` values,
so a test can place data exactly where a label or a key could go wrong (a treatment starting late
in a month, a month with nothing in it, an event at the right-hand edge under the keys); the
order tests go through the pages, on whichever database the run uses.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from mentalize.report.palette import RISK_COLOUR
from mentalize.web.records import services
from mentalize.web.records.models import Patient
from mentalize.web.records.overview import (
    OutcomePoint,
    Overview,
    ScorePoint,
    ScoreSeries,
    SessionPoint,
)
from mentalize.web.records.overview_chart import overview_svg
from tests.web.test_overview import PHQ_9, PHQ_14, PHQ_16, _analysis, _session

SVG = "{http://www.w3.org/2000/svg}"
A4_WIDTH_PX = 718  # an A4 page less 1 cm margins each side, at 96 px to the inch
MIN_PANEL_PX = 120  # issue 19: the PHQ-9 panel printed 65 px tall


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


def _f(el: ET.Element, name: str) -> float:
    return float(el.attrib[name])


def _box(el: ET.Element) -> Box:
    return Box(_f(el, "x"), _f(el, "y"), _f(el, "width"), _f(el, "height"))


def _classes(el: ET.Element) -> set[str]:
    return set(el.attrib.get("class", "").split())


def _all(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [el for el in root.iter(SVG + tag) if cls in _classes(el)]


def _parse(overview: Overview) -> ET.Element:
    svg = overview_svg(overview)
    assert svg is not None
    return ET.fromstring(svg)


def _width(root: ET.Element) -> float:
    return float(root.attrib["viewBox"].split()[2])


def _session_point(n: int, on: dt.date, flags: int = 0) -> SessionPoint:
    value = (n % 5) / 4
    return SessionPoint(n, on, value, 1 - value, value, 0.5, 12, flags)


def _series(instrument: str, title: str, hi: float, dates: Sequence[dt.date]) -> ScoreSeries:
    points = tuple(
        ScorePoint(
            100 + n,
            on,
            float(5 + 3 * n),
            None if n == 0 else float(3 * n),
            None if n == 0 else "deteriorated",
        )
        for n, on in enumerate(dates)
    )
    return ScoreSeries(
        instrument, title, "total", f"{title} total", 0, hi, points, True, "lower", 6, 10
    )


def _rfq(dates: Sequence[dt.date]) -> tuple[ScoreSeries, ...]:
    return tuple(
        ScoreSeries(
            "rfq8",
            "RFQ-8",
            scale,
            f"{scale.upper()} (a scale)",
            0,
            3,
            tuple(ScorePoint(200 + n, on, 1.5, None, None) for n, on in enumerate(dates)),
            False,
        )
        for scale in ("rfq_c", "rfq_u")
    )


def _tip(el: ET.Element) -> str:
    return el.findtext(SVG + "title") or ""


def _overview(
    sessions: Sequence[dt.date],
    questionnaires: Sequence[dt.date] = (),
    events: Sequence[tuple[str, dt.date]] = (),
) -> Overview:
    series: tuple[ScoreSeries, ...] = ()
    if questionnaires:
        series = (
            _series("phq9", "PHQ-9", 27, questionnaires),
            _series("gad7", "GAD-7", 21, questionnaires),
            *_rfq(questionnaires),
        )
    return Overview(
        patient_id=1,
        today=max([*sessions, *questionnaires, *(on for _, on in events)]),
        sessions=tuple(_session_point(n, on, n % 3) for n, on in enumerate(sessions)),
        series=series,
        outcomes=tuple(
            OutcomePoint(n, on, kind, kind.replace("_", " ").capitalize())
            for n, (kind, on) in enumerate(events)
        ),
    )


# Weekly sessions from late October to mid-February with nothing in December (a break), the
# questionnaires monthly, a crisis contact in November and a suicide attempt on the last day:
# the right-hand edge, where every key sits.
AUTUMN = [dt.date(2025, 10, 27) + dt.timedelta(weeks=n) for n in range(5)] + [
    dt.date(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(7)
]
LAST = AUTUMN[-1]
COURSE = _overview(
    AUTUMN,
    [dt.date(2025, 10, 27), dt.date(2025, 11, 24), dt.date(2026, 1, 26), LAST],
    [("crisis_contact", dt.date(2025, 11, 12)), ("suicide_attempt", LAST)],
)


def _data_panels(root: ET.Element) -> list[Box]:
    """Plot areas with a value scale: a ``pf`` rect with at least two value labels beside it
    (the strips of risk flags and events have none)."""
    labels = [_f(t, "y") for t in _all(root, "text", "yl")]
    panels = [_box(r) for r in _all(root, "rect", "pf")]
    return [p for p in panels if sum(p.y <= y <= p.y + p.h + 4 for y in labels) >= 2]


def test_every_data_panel_is_tall_enough_in_print() -> None:
    root = _parse(COURSE)
    panels = _data_panels(root)
    # Two per-session panels and one per instrument (the RFQ-8's two scales share one).
    assert len(panels) == 5
    scale = A4_WIDTH_PX / _width(root)
    for panel in panels:
        assert panel.h * scale >= MIN_PANEL_PX, f"a panel {panel.h * scale:.0f} px tall"
    # And the whole chart is less tall than an A4 page's printable height (277 mm at 96 dpi),
    # so printing it on its own page leaves it whole and at full width.
    assert float(root.attrib["viewBox"].split()[3]) * scale < 277 / 25.4 * 96


def _month_labels(root: ET.Element) -> list[tuple[str, float, str]]:
    return [
        (t.attrib["data-month"], _f(t, "x"), t.text or "")
        for t in root.iter(SVG + "text")
        if "data-month" in t.attrib
    ]


def _months_between(first: dt.date, last: dt.date) -> list[str]:
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param(AUTUMN, id="across-new-year-with-an-empty-december"),
        pytest.param([dt.date(2024, 3, 30), dt.date(2026, 8, 2)], id="29-months"),
        pytest.param([dt.date(2026, 4, 14), dt.date(2026, 4, 28)], id="two-weeks"),
        pytest.param([dt.date(2025, 12, 31), dt.date(2026, 1, 1)], id="new-years-eve"),
    ],
)
def test_every_month_from_first_to_last_is_labelled_in_order(dates: list[dt.date]) -> None:
    root = _parse(_overview(dates))
    labels = _month_labels(root)
    expected = _months_between(min(dates), max(dates))
    assert [m for m, _x, _t in labels] == expected
    xs = [x for _m, x, _t in labels]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    for month, _x, label in labels:
        name = dt.date.fromisoformat(f"{month}-01").strftime("%b")
        assert label and name.startswith(label), (month, label)
    # Each session's mark sits between its own month's label and the next month's.
    for on in dates:
        marks = [
            _f(c, "cx")
            for c in root.iter(SVG + "circle")
            if f"Session {on:%Y-%m-%d}: mean patient mentalizing" in _tip(c)
        ]
        assert len(marks) == 1
        index = expected.index(f"{on:%Y-%m}")
        left = xs[index - 1] if index else float("-inf")
        right = xs[index + 1] if index + 1 < len(xs) else float("inf")
        assert left < marks[0] < right
    years = [t.attrib["data-year"] for t in root.iter(SVG + "text") if "data-year" in t.attrib]
    assert years == [str(y) for y in range(min(dates).year, max(dates).year + 1)]


def test_labels_of_a_long_treatment_do_not_overlap() -> None:
    root = _parse(_overview([dt.date(2024, 3, 30), dt.date(2026, 8, 2)]))
    xs = [x for _m, x, _t in _month_labels(root)]
    widest = max(len(t) for _m, _x, t in _month_labels(root)) * 7.5  # 11.5 px text, generously
    assert min(b - a for a, b in itertools.pairwise(xs)) > widest


def _event_lines(root: ET.Element) -> list[tuple[float, float, float]]:
    return [
        (_f(el, "x1"), min(_f(el, "y1"), _f(el, "y2")), max(_f(el, "y1"), _f(el, "y2")))
        for el in _all(root, "line", "ev")
    ]


def test_event_lines_never_cross_a_key() -> None:
    root = _parse(COURSE)
    keys = [_box(r) for r in _all(root, "rect", "lgb")]
    lines = _event_lines(root)
    # Keys on every panel with one, lines for both events: the check below is not vacuous.
    assert len(keys) == 6 and len({x for x, _a, _b in lines}) == 2
    right_edge = max(k.x + k.w for k in keys)
    assert any(x > right_edge - 120 for x, _a, _b in lines), "an event under the keys"
    for x, y1, y2 in lines:
        for key in keys:
            assert not (key.y < y2 and y1 < key.y + key.h), (x, y1, y2, key)
    # The lines run inside plot areas only, and the keys sit outside them.
    plots = [_box(r) for r in _all(root, "rect", "pf")]
    for x, y1, y2 in lines:
        assert any(p.x <= x <= p.x + p.w and p.y <= y1 and y2 <= p.y + p.h for p in plots)
    for key in keys:
        assert not any(key.overlaps(p) for p in plots)
        assert key.x >= 0 and key.x + key.w <= _width(root)


def test_keys_sit_beside_their_title_only_when_there_is_room() -> None:
    """A key that would run into its panel's title moves to its own line under it."""
    root = _parse(COURSE)
    titles = [t for t in root.iter(SVG + "text") if "pt" in _classes(t)]
    for key in (_box(r) for r in _all(root, "rect", "lgb")):
        for title in titles:
            y = _f(title, "y")
            if key.y < y < key.y + key.h:  # the same line: the title's text ends before the key
                asides = "".join(t.text or "" for t in title.iter(SVG + "tspan"))
                end = _f(title, "x") + 8.2 * len(title.text or "") + 10 + 6 * len(asides)
                assert end < key.x, (title.text, key)


def test_risk_flags_close_together_do_not_overlap() -> None:
    """Weekly sessions, each with flags, over a long treatment: flags stack in lanes."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(weeks=n) for n in range(100)]
    overview = Overview(
        1, days[-1], tuple(_session_point(n, on, 1 + n % 3) for n, on in enumerate(days)), (), ()
    )
    root = _parse(overview)
    flags = [
        tuple(float(v) for v in p.attrib["points"].split()[0].split(","))
        for p in root.iter(SVG + "polygon")
        if p.attrib.get("fill") == RISK_COLOUR
    ]
    assert len(flags) == 100
    for i, (x, y) in enumerate(flags):
        for x2, y2 in flags[i + 1 :]:
            assert abs(x - x2) >= 18 or abs(y - y2) >= 14


# The order of lists: the overview's tables follow the patient page (newest first).


def _links(body: str, heading: str, prefix: str) -> list[int]:
    section = re.search(rf"<h2>{heading}\b.*?</section>", body, re.S)
    assert section, f"no {heading} card"
    return [int(n) for n in re.findall(rf'href="/{prefix}/(\d+)/"', section.group(0))]


def test_lists_on_the_overview_follow_the_patient_page(client: Any, people: dict[str, Any]) -> None:
    owner = people["owner"]
    patient = services.create(owner, Patient, code="MBT-0191", clinician=owner)
    one = _analysis([([0.3], [0.4])], 0.5, 0.5, [])
    # Entered out of date order, two on one day (the later entry is listed first on both pages).
    for on in ("2026-03-16", "2026-01-05", "2026-03-02", "2026-03-02", "2025-12-15"):
        _session(owner, patient, dt.date.fromisoformat(on), one)
    add = services.add_questionnaire
    for answers, on in ((PHQ_16, "2026-03-01"), (PHQ_9, "2025-12-01"), (PHQ_14, "2026-02-01")):
        add(owner, patient, None, "phq9", answers, dt.date.fromisoformat(on))
    for kind, on in (("crisis_contact", "2026-01-20"), ("self_harm", "2026-03-05")):
        services.add_outcome(owner, patient, None, kind, dt.date.fromisoformat(on))
    client.force_login(owner)
    record = client.get(f"/patients/{patient.pk}/").content.decode()
    page = client.get(f"/patients/{patient.pk}/overview/").content.decode()

    sessions = _links(page, "Sessions", "sessions")
    assert sessions == _links(record, "Sessions", "sessions") and len(sessions) == 5
    from mentalize.web.records.models import QuestionnaireAdministration, Session

    found = {s.pk: s for s in Session.objects.filter(pk__in=sessions)}
    assert [(found[pk].date, pk) for pk in sessions] == sorted(
        ((found[pk].date, pk) for pk in sessions), reverse=True
    )
    phq = _links(page, "PHQ-9", "questionnaires")
    assert phq == _links(record, "Questionnaires", "questionnaires") and len(phq) == 3
    dates = [QuestionnaireAdministration.objects.get(pk=pk).date for pk in phq]
    assert dates == sorted(dates, reverse=True)
    events = re.search(r"<h2>Outcome events\b.*?</section>", page, re.S)
    assert events and re.findall(r"\d{4}-\d\d-\d\d", events.group(0)) == [
        "2026-03-05",
        "2026-01-20",
    ]
    # The chart still runs oldest to newest, left to right.
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg
    root = ET.fromstring(svg.group(0))
    marks = sorted(
        (_f(c, "cx"), _tip(c)[8:18])  # "Session YYYY-MM-DD: ..."
        for c in root.iter(SVG + "circle")
        if "mean patient mentalizing" in _tip(c)
    )
    shown = [day for _x, day in marks]
    assert shown == sorted(shown) and len(shown) == 5 and shown[0] == "2025-12-15"
