"""The group view of the report (issue 19): every member named, no line through turns a member
did not speak, a few turns shown as points, and chart labels clear of the data and of each other.

Geometry is read back from the SVG itself, so the tests hold whatever the layout constants are.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

import pytest
from rich.console import Console

from mentalize.analysis.results import Episode, Recommendation, SessionAnalysis
from mentalize.outputs.summary import print_summary
from mentalize.report import render_html
from mentalize.report.chart import LINE_GAP, MIN_LINE_TURNS, as_points, timeline_svg
from mentalize.report.geometry import Axis, n_turns
from mentalize.report.palette import patient_colours
from mentalize.report.strips import place_labels
from tests.report.test_report import FIXED, make_analysis, make_turn

CHAR_W = 6.6
"""Width of one character of a 10.5 px semibold label: measured glyphs run 5.8-6.6 (digits and
"B" in the report's sans-serif), so boxes from this never under-state a label."""
LABEL_H = 10.5


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


def _svg(analysis: SessionAnalysis) -> ET.Element:
    return ET.fromstring(timeline_svg(analysis))


def _label_boxes(svg: ET.Element) -> list[tuple[str, Box]]:
    """Every breakdown label as drawn (text-anchor middle, baseline at y)."""
    out = []
    for el in svg.iter("text"):
        if el.get("class") == "bl":
            x, y, text = float(el.get("x", 0)), float(el.get("y", 0)), el.text or ""
            half = CHAR_W * len(text) / 2
            out.append((text, Box(x - half, y - LABEL_H * 0.8, x + half, y + LABEL_H * 0.2)))
    return out


def _data_boxes(svg: ET.Element) -> list[Box]:
    """Every plotted reading: dots and points by their radius, each vertex of a line, and the
    polyline segments' bounding boxes (a label on a line's path is on the data too)."""
    boxes = []
    for el in svg.iter("circle"):
        if el.get("class") in ("dt", "pm") or el.get("r") == "3.2":
            cx, cy, r = (float(el.get(k, 0)) for k in ("cx", "cy", "r"))
            boxes.append(Box(cx - r, cy - r, cx + r, cy + r))
    for el in svg.iter("polyline"):
        pts = [tuple(map(float, p.split(","))) for p in (el.get("points") or "").split()]
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            boxes.append(Box(min(ax, bx), min(ay, by) - 1.1, max(ax, bx), max(ay, by) + 1.1))
    return boxes


def _panels(svg: ET.Element) -> list[Box]:
    """The arousal and mentalizing panels: where the data lives."""
    out = []
    for el in svg.iter("rect"):
        if el.get("class") == "pf":
            x, y, w, h = (float(el.get(k, 0)) for k in ("x", "y", "width", "height"))
            out.append(Box(x, y, x + w, y + h))
    assert len(out) == 2
    return out


def _lines_of(svg: ET.Element, colour: str) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, p.split(","))) for p in (el.get("points") or "").split()]
        for el in svg.iter("polyline")
        if el.get("class") == "ln" and el.get("stroke") == colour
    ]


def _points_of(svg: ET.Element, colour: str) -> list[ET.Element]:
    return [el for el in svg.iter("circle") if el.get("class") == "pm" and el.get("fill") == colour]


# ------------------------------------------------------------------------------ built sessions


def spread_group(priya_turns: tuple[int, ...] = (2, 17, 32)) -> SessionAnalysis:
    """33 turns: Dev and Maya speak throughout, Priya only at ``priya_turns``; Maya falls silent
    for a long stretch in the middle."""
    turns = []
    for i in range(33):
        if i in priya_turns:
            turns.append(
                make_turn(i, "Priya", "patient", f"Priya {i}.", arousal=0.3, mentalizing=0.7)
            )
        elif i % 3 == 0:
            turns.append(make_turn(i, "Facilitator", "therapist", "What was that like?"))
        elif i % 3 == 1:
            turns.append(make_turn(i, "Dev", "patient", f"Dev {i}.", arousal=0.2, mentalizing=0.3))
        elif i < 12 or i > 24:
            # Maya: calm and reflective before the gap, aroused after it.
            high = i > 24
            turns.append(
                make_turn(
                    i,
                    "Maya",
                    "patient",
                    f"Maya {i}.",
                    arousal=0.9 if high else 0.1,
                    mentalizing=0.1 if high else 0.8,
                )
            )
        else:
            turns.append(make_turn(i, "Facilitator", "therapist", "Mm, go on."))
    return make_analysis(
        turns,
        recommendation=Recommendation(
            level=3,
            label="Basic mentalizing: stop, rewind and explore",
            reason="Dev: Arousal is moderate to low (0.20) and the patient is mentalizing: "
            "rewind to the moment it became difficult.",
        ),
        source="group.csv",
    )


# ------------------------------------------------------------------------------ tests


def test_a_member_with_few_turns_is_drawn_as_points_not_a_line() -> None:
    analysis = spread_group()
    svg = _svg(analysis)
    colour = patient_colours(analysis)["Priya"]
    priya = next(s for s in analysis.series if s.speaker == "Priya")
    assert len(priya.turns) < MIN_LINE_TURNS and as_points(priya)
    assert _lines_of(svg, colour) == []  # no path spanning turns 3 to 33
    points = _points_of(svg, colour)
    assert len(points) == 2 * len(priya.turns)  # each reading, in both panels
    axis = Axis(n_turns(analysis))
    assert sorted({round(float(p.get("cx", 0)), 1) for p in points}) == [
        round(axis.x(t), 1) for t in priya.turns
    ]
    assert all("Priya" in (p.findtext("title") or "") for p in points)


def test_a_line_breaks_where_a_member_did_not_speak() -> None:
    analysis = spread_group()
    svg = _svg(analysis)
    axis = Axis(n_turns(analysis))
    for s in analysis.series:
        if as_points(s):
            continue
        for line in _lines_of(svg, patient_colours(analysis)[s.speaker]):
            xs = [x for x, _ in line]
            steps = [(b - a) / axis.slot for a, b in itertools.pairwise(xs)]
            assert max(steps) <= LINE_GAP + 1e-6, (s.speaker, steps)
    maya = patient_colours(analysis)["Maya"]
    assert len(_lines_of(svg, maya)) == 2 * 2  # before and after her silence, in both panels


def test_a_line_is_not_smoothed_across_a_silence() -> None:
    """Maya's last reading before her silence is drawn at its own stretch's level: smoothing
    across the gap would pull it towards the aroused readings that came after."""
    analysis = spread_group()
    svg = _svg(analysis)
    maya = next(s for s in analysis.series if s.speaker == "Maya")
    lines = _lines_of(svg, patient_colours(analysis)["Maya"])
    before = [line for line in lines if line[-1][0] < Axis(n_turns(analysis)).x(20)]
    y_before = {y for line in before for _, y in line}
    # Within each panel, every vertex before the gap sits at one height (all readings equal).
    assert len(before) == 2 and all(len({y for _, y in line}) == 1 for line in before)
    assert maya.arousal_smoothed[3] != maya.arousal[3]  # the analysis smoothed across the gap
    assert len(y_before) == 2


def test_a_gap_of_exactly_the_limit_keeps_the_line() -> None:
    turns = [make_turn(i, "P", "patient", f"t{i}") for i in range(0, 6 * LINE_GAP, LINE_GAP)]
    svg = _svg(make_analysis(turns))
    assert len([el for el in svg.iter("polyline") if el.get("class") == "ln"]) == 2


@pytest.mark.parametrize("episode_count", [1, 3, 12, 40])
def test_breakdown_labels_clear_each_other_and_the_data(episode_count: int) -> None:
    n = 200
    turns = [
        make_turn(i, "P", "patient", f"t{i}", arousal=(i % 7) / 6, mentalizing=1 - (i % 5) / 4)
        if i % 2
        else make_turn(i, "T", "therapist", "Mm?")
        for i in range(n)
    ]
    episodes = tuple(
        Episode("P", s, s + 1, 1.0, ("psychic_equivalence",), "mixed", (s + 2,))
        for s in range(11, 11 + 4 * episode_count, 4)
    )
    svg = _svg(make_analysis(turns, episodes=episodes))
    labels = _label_boxes(svg)
    assert labels, "at least the first breakdown is named"
    assert len({text for text, _ in labels}) == len(labels)
    panels = _panels(svg)
    for i, (a_text, a) in enumerate(labels):
        assert not any(a.hits(p) for p in panels), a_text  # in the margin, off every peak
        for b_text, b in labels[i + 1 :]:
            assert not a.hits(b), (a_text, b_text)
        for point in _data_boxes(svg):
            assert not a.hits(point), a_text
    if episode_count <= 3:
        assert [t for t, _ in labels] == [f"B{k}" for k in range(1, episode_count + 1)]


def test_group_example_labels_clear_the_peaks(group: SessionAnalysis) -> None:
    svg = _svg(group)
    labels = _label_boxes(svg)
    assert [t for t, _ in labels] == [f"B{k}" for k in range(1, len(group.episodes) + 1)]
    data = _data_boxes(svg)
    assert data
    for text, box in labels:
        assert not any(box.hits(d) for d in data), text
        assert not any(box.hits(p) for p in _panels(svg)), text


def test_group_example_few_turn_members_are_points(group: SessionAnalysis) -> None:
    svg = _svg(group)
    few = [s for s in group.series if len(s.turns) < MIN_LINE_TURNS]
    assert few, "the group example has a member who spoke only a few times"
    colours = patient_colours(group)
    for s in few:
        assert _lines_of(svg, colours[s.speaker]) == []
        assert len(_points_of(svg, colours[s.speaker])) == 2 * len(s.turns)
    document = render_html(group, generated=FIXED)
    legend = document[document.index("</svg>") : document.index("</svg>") + 3000]
    assert all(f"{s.speaker} (points" in legend for s in few)


def test_place_labels_never_overlaps_and_stays_inside() -> None:
    wanted = [(100.0 + 3 * i, f"B{i + 1}") for i in range(30)] + [(5.0, "B99"), (995.0, "B98")]
    placed = place_labels(wanted, 86.0, 978.0, lanes=2)
    assert placed
    by_lane: dict[int, list[tuple[float, float]]] = {}
    for centre, lane, text in placed:
        half = CHAR_W * len(text) / 2
        assert centre - half >= 86.0 and centre + half <= 978.0
        by_lane.setdefault(lane, []).append((centre - half, centre + half))
    for spans in by_lane.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


# ------------------------------------------------------------------------- the member is named


def _summary(analysis: SessionAnalysis) -> str:
    out = io.StringIO()
    print_summary(analysis, console=Console(file=out, width=200, color_system=None))
    return out.getvalue()


def _next_section(document: str) -> str:
    return document[
        document.index('id="next"') : document.index("</section>", document.index('id="next"'))
    ]


def test_recommendation_names_the_member_in_report_and_summary() -> None:
    analysis = spread_group()
    section = _next_section(render_html(analysis, generated=FIXED))
    assert "Dev is mentalizing" in section and "the patient is" not in section
    summary = _summary(analysis)
    assert "Dev is mentalizing" in summary and "the patient is" not in summary


def test_with_one_patient_the_reason_is_unchanged() -> None:
    analysis = spread_group()
    alone = replace(
        analysis,
        turns=tuple(t for t in analysis.turns if t.speaker in ("Dev", "Facilitator")),
        series=tuple(s for s in analysis.series if s.speaker == "Dev"),
        speakers={"Dev": "patient", "Facilitator": "therapist"},
        recommendation=replace(
            analysis.recommendation, reason="Arousal is low and the patient is mentalizing."
        ),
    )
    assert "the patient is mentalizing" in _next_section(render_html(alone, generated=FIXED))


def test_risk_reason_names_the_member_who_disclosed(group: SessionAnalysis) -> None:
    from mentalize.analysis.results import RiskFlag

    maya_turn = next(t.index for t in group.turns if t.speaker == "Maya")
    flagged = replace(
        group,
        session=replace(
            group.session,
            risk_flags=(RiskFlag(turn=maya_turn, speaker="Maya", risk="ideation", words=("x",)),),
        ),
        recommendation=Recommendation(
            1, "Empathic validation and support", "Risk disclosed: check how safe the patient is."
        ),
    )
    assert "how safe Maya is" in _next_section(render_html(flagged, generated=FIXED))
    assert "how safe Maya is" in _summary(flagged)


def test_summary_names_the_member_of_each_rupture(group: SessionAnalysis) -> None:
    text = _summary(group)
    for rupture in group.session.ruptures:
        assert re.search(rf"turn {rupture.turn + 1}, {re.escape(rupture.speaker)} ", text)


def test_header_gives_each_member_their_own_readings(group: SessionAnalysis) -> None:
    document = render_html(group, generated=FIXED)
    header = document[: document.index("</header>")]
    for s in group.series:
        item = header[header.index(f'<span class="sp">{s.speaker}</span>') :]
        item = item[: item.index("</li>")]
        mean = sum(s.mentalizing) / len(s.mentalizing)
        assert f"mentalizing {mean:.2f} — " in item
