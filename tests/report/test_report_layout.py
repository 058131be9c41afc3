"""The standalone report as a browser lays it out: the three examples in headless Chromium.

What the screenshot pass of issue 19 looked at, kept as checks: nothing wider than a 1024 px
window (the transcript opened, as a clinician reading it would), the print stylesheet hiding what
only works on a screen and saying what it leaves out, and every highlight naming what it marks.

One Chromium for the module (Debian's, as the clinic's browser tests use it: see
``tests/web/browser/conftest.py``). Without the ``playwright`` package or a Chromium binary these
tests skip and say which is missing; in CI (``CI=true``, tests/ci.py) the run stops instead.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import mentalize
from mentalize.analysis.results import Episode, Repair, Rupture, TurnAnalysis
from mentalize.learned.reading import MBTReading
from mentalize.report import render_html, write_html
from mentalize.report.turns import chips, strain_target, transcript_row
from tests.ci import fail_run, in_ci
from tests.report.test_report import FIXED, P, T, make_analysis, make_turn
from tests.web.browser.conftest import CHROMIUM_ENV, chromium_binary, headless_chromium

NARROW = {"width": 1024, "height": 768}
EXAMPLES = ("attuned", "misattuned", "group")

# Every element whose content is wider than its box, in the document and inside any box that
# clips or scrolls its overflow (where the page itself would not grow a scroll bar).
OVERFLOWING = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push('document ' + root.scrollWidth);
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    const clips = ['auto', 'scroll', 'hidden'].includes(style.overflowX);
    const box = el.getBoundingClientRect();
    if (box.right > root.clientWidth + 0.5 && style.position !== 'fixed') {
      out.push((el.id || el.tagName + '.' + el.className) + ' right ' + Math.round(box.right));
    } else if (clips && el.scrollWidth > el.clientWidth + 1) {
      out.push((el.id || el.tagName + '.' + el.className) + ' scrolls ' + el.scrollWidth);
    }
  }
  return out.slice(0, 10);
}"""


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_binary() is None:
        return f"no Chromium binary (apt-get install chromium, or set {CHROMIUM_ENV})"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if in_ci():
            fail_run(f"the report layout tests cannot run: {reason}")
        pytest.skip(reason)
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def reports(
    tmp_path_factory: pytest.TempPathFactory,
    attuned: mentalize.SessionAnalysis,
    misattuned: mentalize.SessionAnalysis,
    group: mentalize.SessionAnalysis,
) -> dict[str, str]:
    """Each example's report written to a file, by name, as a ``file://`` address."""
    folder = tmp_path_factory.mktemp("report-layout")
    out = {}
    for key, analysis in zip(EXAMPLES, (attuned, misattuned, group), strict=True):
        path = folder / f"{key}.html"
        write_html(analysis, path)
        out[key] = Path(path).as_uri()
    return out


def _open(browser: Any, url: str, *, media: str = "screen", transcript: bool = True) -> Any:
    page = browser.new_page(viewport=NARROW)
    page.set_default_timeout(10_000)
    page.emulate_media(media=media)
    page.goto(url)
    if transcript:
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return page


@pytest.mark.parametrize("example", EXAMPLES)
def test_nothing_is_wider_than_a_1024_window(
    browser: Any, reports: dict[str, str], example: str
) -> None:
    page = _open(browser, reports[example])
    try:
        assert page.locator("table.tt").is_visible()  # the transcript was opened and is laid out
        assert page.evaluate(OVERFLOWING) == []
    finally:
        page.close()


def test_print_hides_what_only_a_screen_can_do_and_says_what_it_leaves_out(
    browser: Any, reports: dict[str, str]
) -> None:
    screen = _open(browser, reports["attuned"])
    paper = _open(browser, reports["attuned"], media="print")
    try:
        hints = screen.locator(".screen-only")
        count = hints.count()
        assert count >= 3  # the chart's hover hint and each highlight key's
        assert all(hints.nth(i).is_visible() for i in range(count))
        assert "Hover" in screen.inner_text("main")
        assert paper.locator(".screen-only").count() == count
        assert not any(paper.locator(".screen-only").nth(i).is_visible() for i in range(count))
        assert "Hover" not in paper.inner_text("main")
        # A closed transcript prints as a line saying it is not printed, not as a toggle.
        after = "() => getComputedStyle(document.querySelector('summary'), '::after').content"
        assert "not printed" not in paper.evaluate(after)  # opened: it prints
        for page in (screen, paper):
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
        assert "not printed" in paper.evaluate(after)
        assert "not printed" not in screen.evaluate(after)
    finally:
        screen.close()
        paper.close()


def test_print_keeps_each_quoted_turn_on_one_page(browser: Any, reports: dict[str, str]) -> None:
    """A card may run over a page, but never through the middle of a turn or a risk flag."""
    page = _open(browser, reports["misattuned"], media="print", transcript=False)
    try:
        kept = page.evaluate(
            "[...document.querySelectorAll('.card .u, .flag, .card > header')]"
            ".map(el => getComputedStyle(el).breakInside)"
        )
        assert kept and set(kept) == {"avoid"}
    finally:
        page.close()


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_highlight_names_what_it_marks(
    browser: Any, reports: dict[str, str], example: str
) -> None:
    page = _open(browser, reports[example])
    try:
        titles = page.eval_on_selector_all("mark", "marks => marks.map(m => m.title.trim())")
        assert len(titles) > 20  # the examples have plenty of deciding words
        assert all(titles), f"{titles.count('')} of {len(titles)} highlights have no title"
    finally:
        page.close()


# What the pass changed in the words, checked without a browser.


def _strained(index: int, speaker: str, text: str) -> TurnAnalysis:
    reading = MBTReading(mode="psychic_equivalence", mode_p=0.8, strain="confrontation")
    return replace(make_turn(index, speaker, "patient", text), reading=reading)


def test_strain_names_only_someone_who_is_in_the_room() -> None:
    """ "Confronting the therapist" in a patient's own writing contradicts the transcript; in a
    group the strain may be aimed at another member."""
    episode = Episode(P, 0, 1, 0.9, ("psychic_equivalence",), None, ())
    alone = make_analysis(
        [_strained(0, P, "You never listen."), make_turn(1, P, "patient", "Ok.")],
        episodes=(episode,),
    )
    dyad = make_analysis([make_turn(0, T, "therapist", "Go on."), _strained(1, P, "You never.")])
    group = make_analysis(
        [
            make_turn(0, T, "therapist", "Go on."),
            _strained(1, "Maya", "You always do this."),
            make_turn(2, "Tom", "patient", "I wasn't."),
        ]
    )
    card = render_html(alone, generated=FIXED).split('id="episodes"')[1].split("</section>")[0]
    assert "You never listen." in card and "mode: mentalizing" in card  # it is quoted
    assert "confronting" not in card
    assert strain_target(alone) is None
    chip = chips(dyad.turns[1], strain_target(dyad))
    assert ">confronting the therapist<" in chip
    group_chip = chips(group.turns[1], strain_target(group))
    assert ">confronting the therapist or the group<" in group_chip


def test_a_transcript_without_a_therapist_gets_no_empty_therapist_figures() -> None:
    document = render_html(
        make_analysis([make_turn(i, P, "patient", f"I think it was hard {i}.") for i in range(6)]),
        generated=FIXED,
    )
    therapist = document[document.index('id="therapist"') :].split("</section>")[0]
    assert "No therapist turns in this transcript" in therapist
    assert 'class="bar"' not in therapist and "not enough therapist turns" not in therapist
    assert "Therapist turns:" not in document  # no key to an empty strip
    key = document[document.index('id="bands"') :].split("</div>")[0]
    assert "Mentalizing" in key and "Stance" not in key and "Calibration" not in key


def test_the_mode_chip_is_not_read_as_the_mentalizing_score() -> None:
    turn = make_turn(0, P, "patient", "Maybe I was tired.", mentalizing=0.08, mode="mentalizing")
    html = chips(turn)
    assert ">mode: mentalizing<" in html and "mentalizing 0.08 — absent" in html


def test_ruptures_none_of_which_was_repaired_are_counted_once() -> None:
    turns = [
        make_turn(i, T if i % 2 else P, "therapist" if i % 2 else "patient", "x") for i in range(8)
    ]
    ruptures = tuple(Rupture(turn=i, speaker=P, kind="confrontation") for i in (2, 4))
    header = render_html(make_analysis(turns, ruptures=ruptures), generated=FIXED)
    assert "2 ruptures, none repaired" in header
    repaired = make_analysis(turns, ruptures=ruptures, repairs=(Repair(turn=3, rupture_turn=2),))
    assert "2 ruptures (1 not repaired)" in render_html(repaired, generated=FIXED)


def test_the_transcript_does_not_repeat_a_role_the_name_already_says() -> None:
    named = transcript_row(make_turn(0, "Maya", "patient", "Hello."), "patient")
    plain = transcript_row(make_turn(0, P, "patient", "Hello."), "patient")
    assert "<i>patient</i>" in named and "<i>patient</i>" not in plain
