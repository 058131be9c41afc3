"""Bands in words beside every score (issue 19), and one name per level of the MBT spectrum.

The tests never hard-code which word a number gets: they read each "number — word" pair the
report and the summary print and check it against the one band table, its edges and its key.
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import replace

import pytest
from rich.console import Console

from mentalize.analysis import recommend
from mentalize.analysis.results import ReadingProfile, SessionAnalysis
from mentalize.outputs.labels import BANDS, SPECTRUM_LABELS, band, band_meaning, spectrum_label
from mentalize.outputs.summary import print_summary
from mentalize.report import render_html
from mentalize.report.bands import KEY_ORDER, banded
from mentalize.report.polarities import patient_profiles, rf_band
from mentalize.report.profile import LEVELS
from mentalize.report.text import fmt
from tests.report.test_report import FIXED, group_session, rich_session

PAIR = re.compile(r"\b(mentalizing|arousal|stance|calibration) (\d\.\d\d) — ([a-z][a-z ]*[a-z])")
"""A score as the report prints it: "mentalizing 0.42 — partial"."""


def _text(document: str) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", document)))


def _summary(analysis: SessionAnalysis) -> str:
    out = io.StringIO()
    print_summary(analysis, console=Console(file=out, width=200, color_system=None))
    return out.getvalue()


# ------------------------------------------------------------------------------ the table


@pytest.mark.parametrize("scale", sorted(BANDS))
def test_band_edges(scale: str) -> None:
    table = BANDS[scale]
    step = 10.0**-table.decimals
    assert len(table.words) == len(table.edges) + 1
    assert list(table.edges) == sorted(table.edges)
    for i, edge in enumerate(table.edges):
        at = math.ceil(round(edge / step, 6)) * step  # the first shown number at the edge
        assert band(scale, at) == table.words[i + 1]
        assert band(scale, at - step) == table.words[i]
    assert band(scale, -5.0) == table.words[0]  # off the scale: the nearest band
    assert band(scale, 50.0) == table.words[-1]
    assert band(scale, None) == band(scale, float("nan")) == ""


@pytest.mark.parametrize("scale", ["mentalizing", "arousal", "stance", "calibration"])
def test_the_word_follows_the_number_shown(scale: str) -> None:
    """Banded as printed: two values that print alike never get different words."""
    for k in range(0, 1001):
        value = k / 1000
        assert band(scale, value) == band(scale, float(fmt(value))), value


def test_mentalizing_and_the_rf_level_share_their_words() -> None:
    """The marker score is named on the rf_level scale: each of its bands takes the word and the
    description of an rf level, in order, and the reader's mean level is named the same way."""
    mentalizing, rf = BANDS["mentalizing"], BANDS["rf_level"]
    offset = rf.words.index(mentalizing.words[0])
    assert mentalizing.words == rf.words[offset : offset + len(mentalizing.words)]
    assert mentalizing.meanings == rf.meanings[offset : offset + len(mentalizing.words)]
    for level in (0.2, 1.0, 2.0, 3.0, 3.9):
        assert rf_band(level) == band_meaning("rf_level", level)
        assert rf.words.index(band("rf_level", level)) == round(level)


def test_banded_puts_the_word_beside_the_number() -> None:
    assert banded("mentalizing", 0.42) == f"0.42 — {band('mentalizing', 0.42)}"
    assert banded("stance", None) == "—"  # no number, no word
    assert banded("rf_level", 2.04) == f"2.0 — {band('rf_level', 2.04)}"


# ------------------------------------------------------------------------------ the report


@pytest.mark.parametrize("build", [rich_session, group_session])
def test_every_score_in_the_report_carries_its_own_band(build) -> None:
    text = _text(render_html(build(), generated=FIXED))
    pairs = PAIR.findall(text)
    scales = {scale for scale, _, _ in pairs}
    assert {"mentalizing", "arousal"} <= scales  # header means, chart tooltips
    for scale, number, word in pairs:
        assert word.startswith(band(scale, float(number))), (scale, number, word)


def test_profile_shows_stance_and_calibration_with_bands() -> None:
    analysis = rich_session()
    document = render_html(analysis, generated=FIXED)
    section = document[document.index('id="therapist"') :]
    section = section[: section.index("</section>")]
    for scale in ("stance", "calibration"):
        value = getattr(analysis.session, scale)
        assert f"<strong>{banded(scale, value)}</strong>" in section


def test_header_means_carry_bands() -> None:
    analysis = group_session()
    header = render_html(analysis, generated=FIXED).split("</header>")[0]
    for s in analysis.series:
        mean = sum(s.arousal) / len(s.arousal)
        assert f"arousal {banded('arousal', mean)}" in header


def test_chart_tooltips_carry_bands() -> None:
    analysis = rich_session()
    document = render_html(analysis, generated=FIXED)
    svg = _text(document[document.index("<svg") : document.index("</svg>")])
    turn = next(t for t in analysis.turns if t.role == "patient" and not t.minimal)
    assert f"mentalizing {banded('mentalizing', turn.mentalizing)}" in svg


def test_polarity_profile_level_in_words() -> None:
    analysis = group_session()
    profile = ReadingProfile("Maya", 3, {}, hyper=1, hypo=1, rf_level=1.44, valence=None)
    with_profile = replace(analysis, session=replace(analysis.session, profiles=(profile,)))
    section = _text(patient_profiles(with_profile))
    assert f"1.4 of 4 — {band('rf_level', 1.44)} ({rf_band(1.44)})" in section


def test_the_key_explains_each_band_once_and_agrees_with_the_table() -> None:
    document = render_html(rich_session(), generated=FIXED)
    assert document.count('id="bands"') == 1
    key = _text(document[document.index('id="bands"') :].split("</div>")[0])
    for scale in KEY_ORDER:
        table = BANDS[scale]
        assert table.title in key
        for word in table.words:
            found = re.search(rf"\b{word} (\d\.\d\d)–(\d\.\d\d)", key)
            if found:  # an inner band: both its ends read as this word, beyond them not
                low, high = (float(x) for x in found.groups())
                assert band(scale, low) == band(scale, high) == word
                assert band(scale, round(low - 0.01, 2)) != word
                assert band(scale, round(high + 0.01, 2)) != word
            else:
                assert re.search(rf"\b{word} (below|from) \d\.\d\d", key), word


# ------------------------------------------------------------------------------ the summary


def test_summary_scores_carry_bands(group: SessionAnalysis) -> None:
    text = _summary(group)
    s = group.session
    assert (
        f"Calibration to arousal: {s.calibration:.2f} — {band('calibration', s.calibration)}"
        in text
    )
    assert f"MBT stance: {s.stance:.2f} — {band('stance', s.stance)}" in text
    for episode in group.episodes:
        peak = episode.peak_arousal
        assert f"{peak:.2f} — {band('arousal', peak)}" in text


# ------------------------------------------------------------------- one name per spectrum level


def test_one_table_names_the_spectrum_levels() -> None:
    assert SPECTRUM_LABELS == recommend.LABELS  # the analysis words its recommendation with it
    assert list(LEVELS) == [SPECTRUM_LABELS[level] for level in (1, 2, 3, 4)]
    assert spectrum_label(7) == "Level 7"


@pytest.mark.parametrize("fixture", ["attuned", "misattuned", "group"])
def test_heading_tile_and_summary_name_the_level_alike(fixture: str, request) -> None:
    analysis: SessionAnalysis = request.getfixturevalue(fixture)
    level = analysis.recommendation.level
    document = render_html(analysis, generated=FIXED)
    section = document[document.index('id="next"') :]
    section = section[: section.index("</section>")]
    heading = re.search(r"<strong>Level (\d) of 4: ([^<]+)</strong>", section)
    tile = re.search(r'<li class="on"><span>(\d)</span>([^<]+)</li>', section)
    assert heading and tile
    assert heading.group(1) == tile.group(1) == str(level)
    assert html.unescape(heading.group(2)) == html.unescape(tile.group(2))
    assert f"level {level} of 4, {html.unescape(tile.group(2))}." in _summary(analysis)
