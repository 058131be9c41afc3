"""Highlight colours come from each marker's declared reading, not from its name's spelling."""

from __future__ import annotations

from mentalize.analysis.results import Evidence
from mentalize.language.markers import HIGHLIGHTS, MARKERS
from mentalize.report.text import highlight, marker_family


def test_every_marker_and_everything_it_produces_has_a_reading() -> None:
    for spec in MARKERS.values():
        assert spec.highlight in HIGHLIGHTS, spec.name
        for produced in (spec.name, *spec.produces):
            assert marker_family([produced]) == spec.highlight, produced


def test_names_that_substring_matching_got_wrong_now_read_by_their_family() -> None:
    # Before: "repetition", "feeling_as_fact", "blanking" and "change_over_time" matched no stem
    # and were drawn as "other".
    assert marker_family(["repetition"]) == "arousal"
    assert marker_family(["feeling_as_fact"]) == "rigid"
    assert marker_family(["blanking"]) == "rigid"
    assert marker_family(["change_over_time"]) == "reflective"


def test_risk_outranks_everything_and_focus_alone_is_quiet() -> None:
    assert marker_family(["hedge", "risk_ideation"]) == "risk"
    assert marker_family(["intensity", "hedge"]) == "arousal"
    assert marker_family(["focus_self"]) == "quiet"
    assert marker_family(["focus_self", "validation"]) == "other"
    assert marker_family(["not_a_marker"]) == "other"


def test_the_report_marks_words_with_the_declared_reading() -> None:
    html = highlight("Maybe I was wrong.", [Evidence("hedge", 0, 5)])
    assert 'class="mk-reflective"' in html
