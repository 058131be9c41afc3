"""The collapse head's part in the episode logic: turns it reads as collapse join the cold
collapse (two are needed), and an episode is kept only when one of its turns reaches its keep
level (docs/validation.md, "Collapse head")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mentalize.analysis.collapse_features import (
    COLLAPSE_FEATURES,
    collapse_features,
    collapse_head_fits,
    read_collapse,
)
from mentalize.analysis.episodes import CollapseHeadReading, find_episodes
from mentalize.analysis.series import patient_series
from mentalize.learned.heads import LinearHead
from mentalize.learned.reading import MBTReading
from tests.analysis.test_episode_units import dyad, hot, thinking, turn


def episodes_with(turns, collapse):
    intensities = {t.index: 0.3 for t in turns if t.role == "therapist"}
    return find_episodes(turns, patient_series(turns), intensities, None, collapse)


def quiet(index: int) -> object:
    """A calm patient turn the rules do not read as collapse ("I suppose it was fine.")."""
    reading = MBTReading(mode="concrete", mode_p=0.5, rf_level=1.5, strain="none", strain_p=0.9)
    return turn(
        index, "P", "patient", "I suppose it was fine. Whatever.", arousal=0.1, reading=reading
    )


def test_two_turns_the_head_reads_as_collapse_make_an_episode_the_rules_miss():
    turns = dyad({5: quiet(5), 7: quiet(7)}, 12)
    assert episodes_with(turns, None) == ()
    head = CollapseHeadReading({5: 0.9, 7: 0.85}, threshold=0.8, keep=0.5)
    assert [(e.start_turn, e.end_turn) for e in episodes_with(turns, head)] == [(5, 7)]


def test_one_turn_the_head_reads_as_collapse_is_not_an_episode():
    turns = dyad({5: quiet(5), 7: quiet(7)}, 12)
    head = CollapseHeadReading({5: 0.9, 7: 0.2}, threshold=0.8, keep=0.5)
    assert episodes_with(turns, head) == ()


def test_an_episode_no_turn_of_which_reaches_the_keep_level_is_dropped():
    turns = dyad({3: hot(3), 5: hot(5)}, 12)
    assert len(episodes_with(turns, None)) == 1
    unconfirmed = CollapseHeadReading({3: 0.2, 5: 0.3}, threshold=0.8, keep=0.5)
    assert episodes_with(turns, unconfirmed) == ()
    confirmed = CollapseHeadReading({3: 0.2, 5: 0.6}, threshold=0.8, keep=0.5)
    assert len(episodes_with(turns, confirmed)) == 1


def _head(features=COLLAPSE_FEATURES, **meta) -> LinearHead:
    n = len(features)
    return LinearHead(
        name="collapse",
        kind="classifier",
        classes=("collapse", "none"),
        mean=np.zeros(n, dtype=np.float32),
        scale=np.ones(n, dtype=np.float32),
        coef=np.zeros((1, n), dtype=np.float32),
        intercept=np.zeros(1, dtype=np.float32),
        meta={"features": list(features), "threshold": 0.8, "keep": 0.5, **meta},
    )


def test_a_head_for_other_inputs_is_never_fed_these():
    ok = _head()
    assert collapse_head_fits(ok) is ok
    assert collapse_head_fits(_head(COLLAPSE_FEATURES[:-1])) is None
    assert collapse_head_fits(replace(ok, meta={"features": list(COLLAPSE_FEATURES)})) is None
    assert collapse_head_fits(None) is None


def test_the_head_reads_every_patient_turn_the_reader_read_and_no_other():
    turns = dyad({5: quiet(5), 7: quiet(7)}, 10)
    reading = read_collapse(_head(), turns, {})
    assert reading is not None
    assert sorted(reading.p) == [5, 7]  # the other patient turns carry no reader reading
    assert all(0.0 <= p <= 1.0 for p in reading.p.values())
    assert collapse_features(turns, {}, 4) is None  # a therapist turn


def test_a_turn_between_two_collapsed_ones_reads_its_neighbours():
    lone = dyad({5: quiet(5)}, 10)
    flanked = dyad({3: quiet(3), 5: quiet(5), 7: quiet(7)}, 10)
    before = COLLAPSE_FEATURES.index("before_present")
    after = COLLAPSE_FEATURES.index("after_present")
    alone, between = collapse_features(lone, {}, 5), collapse_features(flanked, {}, 5)
    assert alone is not None and between is not None
    assert (alone[before], alone[after]) == (0.0, 0.0)
    assert (between[before], between[after]) == (1.0, 1.0)
    assert thinking(1).reading is None
