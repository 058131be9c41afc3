"""The HTML report: structure, safety (escaping, no external resources), content, atomic writes.

Analyses are built by hand so these tests pin the report, not the analyser.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mentalize.analysis.results import (
    Episode,
    Evidence,
    Recommendation,
    Repair,
    RiskFlag,
    Rupture,
    Series,
    SessionAnalysis,
    SessionSummary,
    TurnAnalysis,
)
from mentalize.report import render_html, write_html
from mentalize.report.text import highlight

FIXED = datetime(2024, 5, 6, 10, 30)


# --------------------------------------------------------------------------- builders


def make_turn(
    index: int,
    speaker: str,
    role: str,
    text: str,
    *,
    arousal: float = 0.2,
    mentalizing: float = 0.6,
    mode: str | None = None,
    intervention: str | None = None,
    risk: str = "none",
    marks: dict[str, str] | None = None,
    start: float | None = None,
    minimal: bool = False,
) -> TurnAnalysis:
    """A turn whose evidence spans are found by searching ``marks`` (marker -> words) in text."""
    evidence = []
    for marker, words in (marks or {}).items():
        at = text.find(words)
        assert at >= 0, (words, text)
        evidence.append(Evidence(marker, at, at + len(words)))
    if role == "patient" and mode is None and not minimal:
        mode = "mentalizing"
    if role == "therapist" and intervention is None and not minimal:
        intervention = "other"
    return TurnAnalysis(
        index=index,
        speaker=speaker,
        role=role,
        text=text,
        start=start,
        arousal=arousal,
        certainty=0.5,
        mentalizing=mentalizing,
        focus="self",
        risk=risk,
        mode=mode if role == "patient" else None,
        intervention=intervention if role == "therapist" else None,
        evidence=tuple(evidence),
        minimal=minimal,
    )


def _smooth(values: list[float]) -> tuple[float, ...]:
    out = []
    for i in range(len(values)):
        window = values[max(0, i - 1) : i + 2]
        out.append(round(sum(window) / len(window), 3))
    return tuple(out)


def make_series(turns: list[TurnAnalysis]) -> tuple[Series, ...]:
    speakers: dict[str, list[TurnAnalysis]] = {}
    for t in turns:
        if t.role == "patient" and not t.minimal:
            speakers.setdefault(t.speaker, []).append(t)
    return tuple(
        Series(
            speaker=s,
            turns=tuple(t.index for t in ts),
            arousal=tuple(t.arousal for t in ts),
            mentalizing=tuple(t.mentalizing for t in ts),
            arousal_smoothed=_smooth([t.arousal for t in ts]),
            mentalizing_smoothed=_smooth([t.mentalizing for t in ts]),
        )
        for s, ts in speakers.items()
    )


def make_analysis(
    turns: list[TurnAnalysis],
    *,
    episodes: tuple[Episode, ...] = (),
    ruptures: tuple[Rupture, ...] = (),
    repairs: tuple[Repair, ...] = (),
    risk_flags: tuple[RiskFlag, ...] = (),
    calibration: float | None = 0.8,
    stance: float | None = 0.75,
    source: str = "/clinic/sessions/session_2024-05-06.txt",
    recommendation: Recommendation | None = None,
) -> SessionAnalysis:
    counts: dict[str, int] = {}
    for t in turns:
        if t.intervention:
            counts[t.intervention] = counts.get(t.intervention, 0) + 1
    speakers: dict[str, str] = {}
    for t in turns:
        speakers.setdefault(t.speaker, t.role)
    return SessionAnalysis(
        source=source,
        format="text",
        turns=tuple(turns),
        series=make_series(turns),
        episodes=episodes,
        session=SessionSummary(
            calibration=calibration,
            stance=stance,
            intervention_counts=counts,
            ruptures=ruptures,
            repairs=repairs,
            risk_flags=risk_flags,
        ),
        recommendation=recommendation
        or Recommendation(
            level=2,
            label="Clarification and affect elaboration",
            reason="Arousal has settled to a moderate level and the patient is mentalizing "
            "tentatively again; clarifying what happened on Saturday night fits next.",
        ),
        speakers=speakers,
    )


T, P = "Therapist", "Patient"


def rich_session() -> SessionAnalysis:
    """A rich individual session: an episode, a rupture and its repair, a risk flag."""
    rows = [
        (T, "Hi, come in. How have things been since last week?", {}, dict(intervention="other")),
        (
            P,
            "Okay, I think. Maybe I was a bit less on edge than usual, though I'm not sure why.",
            {"hedge": "Maybe", "cognitive": "I think"},
            dict(arousal=0.15, mentalizing=0.7),
        ),
        (T, "Less on edge. What do you make of that?", {}, dict(intervention="curious_question")),
        (
            P,
            "I wonder if it's because I finally told my manager I couldn't do Saturdays. "
            "I'd built it up in my head a lot more than it needed.",
            {"hedge": "I wonder", "cognitive": "built it up in my head"},
            dict(arousal=0.2, mentalizing=0.78),
        ),
        (T, "And the not-so-good bit?", {}, dict(intervention="curious_question")),
        (
            P,
            "Saturday. With Lena. I texted her in the morning and she didn't reply. Nothing. "
            "All day. I was honestly going out of my mind.",
            {"affective": "going out of my mind"},
            dict(arousal=0.55, mentalizing=0.45),
        ),
        (
            T,
            "Going out of your mind. What was that like?",
            {},
            dict(intervention="curious_question"),
        ),
        (
            P,
            "Awful. My heart was pounding, I couldn't sit still. I was shaking!",
            {"bodily_arousal": "My heart was pounding", "exclamation": "shaking!"},
            dict(arousal=0.82, mentalizing=0.3, mode="psychic_equivalence"),
        ),
        (
            T,
            "That sounds really painful, being stuck there with it all evening.",
            {},
            dict(intervention="empathic_validation"),
        ),
        (
            P,
            "She did it on purpose. She did it to humiliate me. I KNOW she doesn't care. "
            "If she cared she would have called. Everyone always leaves!",
            {
                "absolutist": "Everyone always",
                "certainty_booster": "I KNOW",
                "teleological_proof": "If she cared she would have called",
                "motive_attribution": "She did it to humiliate me",
            },
            dict(arousal=0.93, mentalizing=0.12, mode="psychic_equivalence"),
        ),
        (
            T,
            "I can hear how hurt and angry you are. That makes sense. Let's slow down a moment.",
            {},
            dict(intervention="empathic_validation"),
        ),
        (
            P,
            "My chest is really tight. Look, my hands are shaking.",
            {"bodily_arousal": "My chest is really tight"},
            dict(arousal=0.78, mentalizing=0.2, mode="teleological"),
        ),
        (
            T,
            "Let's just take a breath together. Notice your feet on the floor. There's no rush.",
            {},
            dict(intervention="empathic_validation"),
        ),
        (
            P,
            "Sometimes I think everyone would be better off without me. I wished I could just "
            "disappear. Not wake up.",
            {"risk_ideation": "better off without me", "absolutist": "everyone"},
            dict(arousal=0.6, mentalizing=0.3, mode="concrete", risk="ideation"),
        ),
        (
            T,
            "Thank you for telling me. I want to ask you directly: have you had thoughts of "
            "ending your life?",
            {},
            dict(intervention="clarification"),
        ),
        (
            P,
            "You're just like her. You're paid to sit there, you don't actually care.",
            {"absolutist": "just like her"},
            dict(arousal=0.7, mentalizing=0.25, mode="psychic_equivalence"),
        ),
        (
            T,
            "I think I moved on too quickly just now. Can we look at what happened between us?",
            {},
            dict(intervention="relationship"),
        ),
        (
            P,
            "Maybe. I don't really know what was going on for her. Maybe she was exhausted.",
            {"hedge": "Maybe", "opacity": "I don't really know what was going on for her"},
            dict(arousal=0.3, mentalizing=0.72),
        ),
        (
            T,
            "You might be right. What else could have been happening for her?",
            {},
            dict(intervention="challenge"),
        ),
        (
            P,
            "I suppose I was expecting her to leave, so that's what I saw.",
            {"hedge": "I suppose", "perspective": "that's what I saw"},
            dict(arousal=0.22, mentalizing=0.8),
        ),
    ]
    turns = []
    for i, (speaker, text, marks, kw) in enumerate(rows):
        role = "therapist" if speaker == T else "patient"
        turns.append(make_turn(i, speaker, role, text, marks=marks, start=12.0 + 31.5 * i, **kw))
    return make_analysis(
        turns,
        episodes=(
            Episode(
                speaker=P,
                start_turn=7,
                end_turn=11,
                peak_arousal=0.93,
                modes=("psychic_equivalence", "teleological"),
                therapist_response="stepped_down",
                response_turns=(8, 10, 12),
            ),
        ),
        ruptures=(Rupture(turn=15, speaker=P, kind="confrontation"),),
        repairs=(Repair(turn=16, rupture_turn=15),),
        risk_flags=(
            RiskFlag(
                turn=13, speaker=P, risk="ideation", words=("better off without me", "not wake up")
            ),
        ),
    )


def group_session() -> SessionAnalysis:
    """A group session: two patients, a pushed-on episode, an unrepaired rupture, no risk."""
    turns = [
        make_turn(
            0,
            "Facilitator",
            "therapist",
            "Welcome back. Who'd like to start?",
            intervention="other",
        ),
        make_turn(
            1,
            "Dev",
            "patient",
            "Week was normal. I'm just a lazy person.",
            arousal=0.1,
            mentalizing=0.1,
            mode="concrete",
            marks={"structural_label": "lazy person"},
        ),
        make_turn(
            2,
            "Facilitator",
            "therapist",
            "What was it like on the inside?",
            intervention="curious_question",
        ),
        make_turn(
            3,
            "Maya",
            "patient",
            "You think I'm pathetic. I can see it on your face!",
            arousal=0.85,
            mentalizing=0.15,
            mode="psychic_equivalence",
            marks={"mind_reading": "You think I'm pathetic"},
        ),
        make_turn(
            4,
            "Facilitator",
            "therapist",
            "You're angry because Tom reminds you of home.",
            intervention="interpretation",
        ),
        make_turn(
            5,
            "Maya",
            "patient",
            "I know exactly what you all think of me.",
            arousal=0.9,
            mentalizing=0.1,
            mode="psychic_equivalence",
        ),
        make_turn(
            6,
            "Facilitator",
            "therapist",
            "You should try to see it differently.",
            intervention="advice",
        ),
        make_turn(7, "Dev", "patient", "Mm.", minimal=True),
        make_turn(
            8,
            "Maya",
            "patient",
            "Maybe I saw it because that's what I expected.",
            arousal=0.3,
            mentalizing=0.7,
            marks={"hedge": "Maybe"},
        ),
        make_turn(
            9,
            "Dev",
            "patient",
            "I suppose I wondered if she was alright.",
            arousal=0.2,
            mentalizing=0.6,
            marks={"hedge": "I suppose"},
        ),
    ]
    return make_analysis(
        turns,
        episodes=(
            Episode(
                speaker="Maya",
                start_turn=3,
                end_turn=5,
                peak_arousal=0.9,
                modes=("psychic_equivalence",),
                therapist_response="pushed_on",
                response_turns=(4, 6),
            ),
        ),
        ruptures=(Rupture(turn=5, speaker="Maya", kind="confrontation"),),
        calibration=0.31,
        stance=0.42,
        source="group_session.csv",
        recommendation=Recommendation(
            level=1, label="Empathic validation and support", reason="Arousal is high."
        ),
    )


def one_turn_session() -> SessionAnalysis:
    """The smallest session: one therapist turn, nothing to plot or judge."""
    return make_analysis(
        [make_turn(0, "Therapist", "therapist", "Hello?", intervention="other")],
        calibration=None,
        stance=None,
        source="tiny.txt",
    )


def huge(n: int = 10_000) -> SessionAnalysis:
    turns = []
    for i in range(n):
        if i % 2:
            turns.append(
                make_turn(
                    i,
                    "Patient",
                    "patient",
                    f"I think it was hard, maybe {i}.",
                    arousal=(i % 97) / 97,
                    mentalizing=1 - (i % 89) / 89,
                    marks={"hedge": "maybe"},
                )
            )
        else:
            turns.append(
                make_turn(
                    i,
                    "Therapist",
                    "therapist",
                    "What was that like for you?",
                    intervention="curious_question" if i % 4 else "clarification",
                )
            )
    episodes = tuple(
        Episode(
            speaker="Patient",
            start_turn=s,
            end_turn=s + 6,
            peak_arousal=0.9,
            modes=("psychic_equivalence",),
            therapist_response="mixed",
            response_turns=(s + 2, s + 8),
        )
        for s in range(101, n - 20, 1000)
    )
    return make_analysis(turns, episodes=episodes, source="long.txt")


# --------------------------------------------------------------------------- helpers


class _Checker(HTMLParser):
    """Collects tags and attributes, and checks that elements nest and close properly."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "wbr", "source", "col"})
    SVG_SELF_CLOSING = frozenset({"rect", "circle", "line", "path", "polyline", "polygon"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        ident = dict(attrs).get("id")
        if ident:
            self.order.append(ident)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def parse(document: str) -> _Checker:
    checker = _Checker()
    checker.feed(document)
    checker.close()
    return checker


def assert_well_formed(document: str) -> _Checker:
    checker = parse(document)
    assert not checker.errors, checker.errors[:5]
    assert checker.stack == [], checker.stack
    assert document.startswith("<!DOCTYPE html>")
    return checker


def assert_offline(document: str, checker: _Checker) -> None:
    for tag, attrs in checker.tags:
        for key in ("src", "href", "xlink:href", "action", "poster", "data"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value, re.I), (tag, key, value)
        if tag == "link":
            assert "stylesheet" not in (attrs.get("rel") or "").lower()
        if tag == "script":
            assert "src" not in attrs
    assert "@import" not in document
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", document, re.I)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("build", [rich_session, group_session, one_turn_session])
def test_structure_and_offline(build) -> None:
    document = render_html(build(), generated=FIXED)
    checker = assert_well_formed(document)
    assert_offline(document, checker)
    assert sum(1 for tag, _ in checker.tags if tag == "svg") == 1
    assert sum(1 for _, a in checker.tags if a.get("id") == "timeline") == 1
    ids = [a["id"] for _, a in checker.tags if a.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert "MBT session reading" in document
    assert "not a diagnosis or an assessment of the person" in document
    assert "nothing was sent over the network" in document


def test_sections_in_order() -> None:
    checker = assert_well_formed(render_html(rich_session(), generated=FIXED))
    wanted = ["risk", "timeline", "episodes", "therapist", "next", "transcript"]
    positions = [checker.order.index(i) for i in wanted]
    assert positions == sorted(positions)


def test_risk_flag_prominent_and_quoted() -> None:
    document = render_html(rich_session(), generated=FIXED)
    risk = document[document.index('id="risk"') : document.index('id="timeline"')]
    assert "Suicidal ideation language" in risk
    assert "Turn 14" in risk  # index 13 shown 1-based
    assert "follow your service's risk protocol" in risk
    assert "“better off without me”" in risk
    assert re.search(r'<mark class="mk-risk"[^>]*>better off without me</mark>', risk)
    assert re.search(r'<mark class="mk-risk"[^>]*>Not wake up</mark>', risk)


def test_no_risk_line_is_neutral() -> None:
    document = render_html(group_session(), generated=FIXED)
    assert "No risk language detected (this does not rule out risk" in document
    assert "seven in ten" in document
    assert 'role="alert"' not in document


def test_the_episode_list_says_breakdowns_are_under_read() -> None:
    """Blind validation finds under a third of labelled breakdowns, so the report says so with
    the list, and never words a missing episode as proof that mentalizing held."""
    import mentalize

    with_episodes = render_html(rich_session(), generated=FIXED)
    calm = mentalize.analyze_text("T: How was the week?\nP: Quite good. I think I was less tense.")
    assert calm.episodes == ()
    without = render_html(calm, generated=FIXED)
    for document in (with_episodes, without):
        section = document[document.index('id="episodes"') :]
        assert "fewer than a third" in section and "read the transcript too" in section
    assert "No breakdown episode was marked." in without
    assert "no stretch where arousal rose" not in without


def test_evidence_is_marked_with_marker_names() -> None:
    document = render_html(rich_session(), generated=FIXED)
    assert re.search(
        r'<mark class="mk-\w+" title="Teleological proof">'
        r"If she cared she would have called</mark>",
        document,
    )
    assert 'title="Hedge"' in document


def test_episode_card() -> None:
    document = render_html(rich_session(), generated=FIXED)
    assert "Breakdown 1: turns 8–12" in document
    assert "Psychic equivalence (inner experience taken as outer reality)" in document
    assert "Teleological (states only through actions)" in document
    assert "Stepped down" in document
    assert "0.93" in document
    group_doc = render_html(group_session(), generated=FIXED)
    assert "Pushed on" in group_doc


def test_therapist_profile_and_recommendation() -> None:
    document = render_html(rich_session(), generated=FIXED)
    assert "0.80" in document and "0.75" in document
    assert "repaired at" in document
    assert "Level 2 of 4" in document
    assert "not repaired in transcript" in render_html(group_session(), generated=FIXED)
    tiny = render_html(one_turn_session(), generated=FIXED)
    assert tiny.count("not enough therapist turns") == 2
    assert "No patient turns to plot" in tiny


def test_group_has_one_colour_per_patient() -> None:
    document = render_html(group_session(), generated=FIXED)
    svg = document[document.index("<svg") : document.index("</svg>")]
    # Two and three readable turns: each member's readings are points in their colour, and no
    # smoothed line is drawn through so few (tests/report/test_group_view.py).
    colours = set(re.findall(r'class="pm" [^>]*fill="(#[0-9a-f]{6})"', svg))
    assert len(colours) == 2
    assert 'class="ln"' not in svg
    legend = document[document.index("</svg>") :]
    assert "Maya" in legend[:2000] and "Dev" in legend[:2000]


def test_transcript_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    speaker = '<b onmouseover="x">Eve</b>'
    analysis = make_analysis(
        [
            make_turn(0, "Therapist", "therapist", "Hello.", intervention="other"),
            make_turn(1, speaker, "patient", evil, marks={"odd_marker<x>": "<script>"}),
        ],
        risk_flags=(RiskFlag(turn=1, speaker=speaker, risk="harm_to_others", words=("<script>",)),),
        source="<evil>.txt",
    )
    document = render_html(analysis, generated=FIXED)
    assert "<script>alert" not in document
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in document.replace(
        '<mark class="mk-risk" title="Risk">', ""
    ).replace("</mark>", "") or ("&lt;script&gt;" in document)
    assert "<img" not in document
    assert "<b onmouseover" not in document
    assert "<evil>" not in document
    checker = assert_well_formed(document)
    assert [t for t, _ in checker.tags].count("script") == 1  # only our own hover helper


def test_overlapping_spans_do_not_break_markup() -> None:
    text = "I always know exactly what she thinks"
    spans = [
        Evidence("absolutist", 2, 8),
        Evidence("certainty_booster", 2, 21),
        Evidence("mind_reading", 14, 37),
        Evidence("bad", 30, 999),
        Evidence("empty", 5, 5),
    ]
    out = highlight(text, spans)
    assert_well_formed("<!DOCTYPE html><p>" + out + "</p>")
    assert re.sub(r"<[^>]+>", "", out) == text
    assert 'title="Absolutist, Certainty booster"' in out
    assert 'title="Certainty booster, Mind reading"' in out


def test_robust_to_odd_values() -> None:
    long_name = "N" * 200
    turns = [
        make_turn(
            0,
            long_name,
            "patient",
            "word " * 5000,
            arousal=1.7,
            mentalizing=-0.2,
            mode="unknown_mode",
        ),
        make_turn(1, "T", "therapist", "", intervention="novel_move"),
        make_turn(2, "Observer", "other", "Note."),
    ]
    analysis = make_analysis(
        turns,
        episodes=(
            Episode(
                speaker=long_name,
                start_turn=0,
                end_turn=0,
                peak_arousal=1.0,
                modes=(),
                therapist_response=None,
                response_turns=(),
            ),
        ),
        ruptures=(Rupture(turn=0, speaker=long_name, kind="withdrawal"),),
        repairs=(Repair(turn=1, rupture_turn=99),),
        risk_flags=(RiskFlag(turn=42, speaker="ghost", risk="self_harm", words=()),),
        calibration=None,
        stance=0.0,
        source="",
        recommendation=Recommendation(level=9, label="", reason=""),
    )
    document = render_html(analysis, generated=FIXED)
    assert_well_formed(document)
    assert "No therapist response in transcript" in document
    assert "Self-harm language" in document
    assert "Novel move" in document


def test_write_html_atomic(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    write_html(rich_session(), target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert os.listdir(tmp_path) == ["report.html"]


def test_write_html_failure_leaves_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "report.html"
    with pytest.raises(OSError):
        write_html(rich_session(), missing)
    assert not missing.exists()
    assert os.listdir(tmp_path) == []


def test_write_html_render_failure_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")

    def boom(handle, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        write_html(rich_session(), target)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.html"]


def test_ten_thousand_turns_stays_small_and_fast() -> None:
    analysis = huge()
    started = time.perf_counter()
    document = render_html(analysis, generated=FIXED)
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0
    assert len(document.encode("utf-8")) < 3_000_000
    svg = document[document.index("<svg") : document.index("</svg>")]
    assert len(svg) < 400_000
    for points in re.findall(r'points="([^"]*)"', svg):
        assert points.count(",") <= 1500
    assert 'id="turn-10000"' in document


def test_public_api() -> None:
    import mentalize.report as report

    assert report.__all__ == ["render_html", "write_html"]


def test_one_patient_turn_is_plotted_as_a_point() -> None:
    analysis = make_analysis(
        [make_turn(0, "Client", "patient", "I don't know.", arousal=0.4, mentalizing=0.3)],
        calibration=None,
        stance=None,
    )
    document = render_html(analysis, generated=FIXED)
    assert_well_formed(document)
    svg = document[document.index("<svg") : document.index("</svg>")]
    assert "<circle" in svg and "No patient turns to plot" not in svg


def test_downsample_keeps_peaks_and_limit() -> None:
    from mentalize.report.chart import downsample

    points = [(i, 0.5) for i in range(10_000)]
    points[7_777] = (7_777, 1.0)
    points[123] = (123, 0.0)
    out = downsample(points, 1500)
    assert len(out) <= 1500
    assert (7_777, 1.0) in out and (123, 0.0) in out
    assert [t for t, _ in out] == sorted(t for t, _ in out)


def test_long_episode_is_quoted_around_its_ends() -> None:
    """An episode from a file written before turning points (no peak, no points) is quoted
    around its first and last turn, and the gap says how many turns it leaves out."""
    turns = [
        make_turn(i, "P", "patient", f"turn text {i}", arousal=0.9, mentalizing=0.1)
        for i in range(120)
    ]
    analysis = make_analysis(
        turns,
        episodes=(
            Episode(
                speaker="P",
                start_turn=0,
                end_turn=119,
                peak_arousal=0.95,
                modes=("pretend",),
                therapist_response=None,
                response_turns=(),
            ),
        ),
    )
    document = render_html(analysis, generated=FIXED)
    card = document[document.index('id="episodes"') : document.index('id="therapist"')]
    quoted = card.count('class="u ')
    assert 0 < quoted <= 24
    assert f"{120 - quoted} turns not quoted here" in card
    assert "Pretend (intellectualised, cut off from feeling)" in card
    assert "No therapist response in transcript" in card


def test_therapist_chip_names_the_turns_other_moves():
    from dataclasses import replace

    from mentalize.report.turns import chips

    turn = make_turn(0, "T", "therapist", "That sounds hard. What did you feel?")
    turn = replace(
        turn, intervention="curious_question", moves=("empathic_validation", "curious_question")
    )
    html = chips(turn)
    assert "also: empathic validation" in html
    single = replace(turn, moves=("curious_question",))
    assert "also:" not in chips(single)


def test_transcript_row_names_the_turns_other_moves():
    from dataclasses import replace

    from mentalize.report.turns import transcript_row

    turn = make_turn(0, "T", "therapist", "That sounds hard. What did you feel?")
    turn = replace(
        turn, intervention="curious_question", moves=("empathic_validation", "curious_question")
    )
    assert "also: empathic validation" in transcript_row(turn, "therapist")
    assert "also:" not in transcript_row(replace(turn, moves=()), "therapist")


def test_no_reassuring_badge_beside_a_risk_flag() -> None:
    from mentalize.analysis.session import analyze_transcript
    from mentalize.transcript import Transcript, Turn

    text = (
        "I think I was angry because I felt left out, and maybe she didn't realise. "
        "But honestly I keep thinking about killing myself."
    )
    analysis = analyze_transcript(
        Transcript("<t>", (Turn("P", text),), "text", {"P": "patient"}), model="markers"
    )
    document = render_html(analysis, generated=FIXED)
    flagged_row = document[document.index('id="turn-1"') :].split("</tr>")[0]
    assert "Suicidal ideation language" in flagged_row
    assert "Mentalizing" not in flagged_row and "mentalizing mode" not in flagged_row.lower()
    assert "Why flagged" in document


def test_polarity_section_names_each_patient_and_only_appears_with_the_reader() -> None:
    from dataclasses import replace

    from mentalize.analysis.results import ReadingProfile
    from mentalize.learned.reading import MBTReading

    plain = group_session()
    assert 'id="polarities"' not in render_html(plain, generated=FIXED)
    profiles = (
        ReadingProfile(
            speaker="Maya",
            turns=4,
            polarities={"self_other": {"other": 3, "self": 1}, "cognitive_affective": {}},
            hyper=2,
            hypo=1,
            rf_level=1.2,
            valence=2.0,
        ),
    )
    turns = list(plain.turns)
    first_patient = next(i for i, t in enumerate(turns) if t.role == "patient" and t.mode)
    reading = MBTReading(
        mode=turns[first_patient].mode, mode_p=0.81, evidence=(("mode", ("hedge",)),)
    )
    turns[first_patient] = replace(turns[first_patient], reading=reading)
    document = render_html(
        replace(
            plain,
            turns=tuple(turns),
            session=replace(plain.session, profiles=profiles),
        ),
        generated=FIXED,
    )
    section = document[document.index('id="polarities"') : document.index('id="therapist"')]
    assert "Maya" in section
    assert "leans to hypermentalizing" in section
    assert "other 3" in section and "mostly other" in section
    assert "did not apply" in section  # cognitive-affective never applied
    assert "mental states named as labels" in section  # rf 1.2 in words
    assert "not findings" in section
    assert "trained reader, confidence 0.81; markers that agreed: hedge" in document


def test_a_tied_polarity_has_no_lean_rather_than_an_arbitrary_one() -> None:
    from mentalize.analysis.results import ReadingProfile

    profile = ReadingProfile(
        speaker="Client",
        turns=21,
        polarities={"internal_external": {"internal": 10, "balanced": 1, "external": 10}},
        hyper=0,
        hypo=5,
        rf_level=1.8,
        valence=2.5,
    )
    assert profile.leaning("internal_external") is None
    assert profile.leaning("self_other") is None  # never applied
    from mentalize.report.polarities import _polarity_row

    row = _polarity_row(profile, "internal_external")
    assert "no lean (a tie)" in row and "mostly" not in row


def test_reader_note_gives_valence_and_spectrum_level_with_what_moved_them() -> None:
    from dataclasses import replace

    from mentalize.learned.reading import MBTReading
    from mentalize.report.turns import reader_note

    plain = group_session()
    patient = next(t for t in plain.turns if t.role == "patient" and t.mode)
    therapist = next(t for t in plain.turns if t.role == "therapist" and t.intervention)
    low = MBTReading(
        mode=patient.mode,
        mode_p=0.7,
        rf_level=1.0,
        valence=1.8,
        evidence=(("mode", ()), ("valence", ("affective", "absolutist"))),
    )
    note = reader_note(replace(patient, reading=low))
    assert "valence 1.8 of 5, lowered by: affective, absolutist" in note
    calm = replace(low, valence=3.6, evidence=(("mode", ()), ("valence", ())))
    assert "valence 3.6 of 5" in reader_note(replace(patient, reading=calm))
    assert "raised by" not in reader_note(replace(patient, reading=calm)).split("valence")[1]
    level = MBTReading(
        intervention=therapist.intervention,
        mbt_level=2.4,
        evidence=(("intervention", ()), ("mbt_level", ("not_knowing",))),
    )
    assert "spectrum level 2.4 of 4, raised by: not knowing" in reader_note(
        replace(therapist, reading=level)
    )


def test_no_therapist_move_is_suggested_for_a_patients_own_writing() -> None:
    """A transcript without a therapist turn (writing, a Reflect entry) gets no "what might fit
    next" for a therapist, in the report or the terminal summary; a session still does."""
    import io

    from rich.console import Console

    import mentalize
    from mentalize.outputs.summary import print_summary

    writing = mentalize.analyze_text(
        "Patient: I keep going over what she said. Maybe she was tired, maybe it was me.\n",
        model="markers",
    )
    assert all(t.role != "therapist" for t in writing.turns)
    session = mentalize.analyze_text(
        "Therapist: What was that like for you?\nPatient: Awful. I froze.\n", model="markers"
    )
    assert "What might fit next" not in render_html(writing, generated=FIXED)
    assert "What might fit next" in render_html(session, generated=FIXED)
    for analysis, shown in ((writing, False), (session, True)):
        out = io.StringIO()
        print_summary(analysis, console=Console(file=out, width=200))
        assert ("What might fit next" in out.getvalue()) is shown
