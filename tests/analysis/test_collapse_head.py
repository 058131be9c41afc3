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


def test_another_patients_turn_never_confirms_an_episode():
    """In a group, patient B's turn inside patient A's span does not keep A's episode."""
    turns = [
        turn(0, "T", "therapist", "What happened?"),
        hot(1),
        turn(2, "B", "patient", "I'm fine, honestly."),
        turn(3, "T", "therapist", "And then?"),
        hot(4),
        turn(5, "T", "therapist", "Go on."),
    ]
    assert len(episodes_with(turns, None)) == 1
    assert episodes_with(turns, CollapseHeadReading({1: 0.1, 2: 0.9, 4: 0.1}, 0.8, 0.5)) == ()
    assert len(episodes_with(turns, CollapseHeadReading({1: 0.1, 2: 0.1, 4: 0.9}, 0.8, 0.5))) == 1


def test_a_dropped_episode_does_not_cut_short_the_recovery_before_it():
    """The recovery after an episode is searched up to the next kept episode, not up to one
    the head dropped."""
    goal_bound = turn(
        5,
        "P",
        "patient",
        "So I just need him to fix the boiler and then everything is sorted, that's all.",
        arousal=0.2,
        mentalizing=0.5,
        mode="teleological",
    )
    turns = dyad({1: hot(1), 3: hot(3), 5: goal_bound, 7: hot(7), 9: hot(9)}, 14)
    rules = episodes_with(turns, None)
    assert [(e.start_turn, e.end_turn, e.recovery_turn) for e in rules] == [
        (1, 3, None),
        (7, 9, 11),
    ]
    first_only = CollapseHeadReading({1: 0.9, 3: 0.9, 7: 0.1, 9: 0.1}, 0.95, 0.5)
    (episode,) = episodes_with(turns, first_only)
    assert (episode.start_turn, episode.end_turn, episode.recovery_turn) == (1, 3, 11)


def test_the_shipped_head_is_read_by_this_version():
    """A renamed feature or a retrained reader would switch the head off without an error."""
    from mentalize import models

    if not models.models_available():
        return
    from mentalize.learned.layer import learned_layer

    head = learned_layer().collapse
    assert head is not None, "the layer refused the shipped collapse head"
    assert collapse_head_fits(head) is head


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


def test_the_probability_is_the_collapse_columns():
    """Weights on the therapist's demand: a demanding turn before raises P(collapse) when the
    weight sits on the collapse class, whichever column that class is."""
    turns = dyad({5: quiet(5), 7: quiet(7)}, 10)
    demand = COLLAPSE_FEATURES.index("therapist_intensity_before")
    for classes, sign in ((("collapse", "none"), 1.0), (("none", "collapse"), -1.0)):
        coef = np.zeros((1, len(COLLAPSE_FEATURES)), dtype=np.float32)
        coef[0, demand] = -4.0 * sign  # binary heads store the second class's weights
        head = replace(_head(), classes=classes, coef=coef)
        reading = read_collapse(head, turns, {4: 1.0, 6: 0.0})
        assert reading is not None
        assert reading.p[5] > 0.9 and reading.p[7] == 0.5, (classes, reading.p)


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


def test_the_neighbours_are_the_same_patients_and_the_demand_the_turn_before():
    sure = MBTReading(mode="teleological", mode_p=0.8, rf_level=1.0, strain="none", strain_p=0.9)
    other = turn(4, "B", "patient", "Not me.", reading=MBTReading(mode="mentalizing", rf_level=4.0))
    own = turn(2, "P", "patient", "He did it to hurt me.", arousal=0.1, reading=sure)
    turns = [
        turn(0, "T", "therapist", "Hello."),
        turn(1, "T", "therapist", "What happened?"),
        own,
        turn(3, "T", "therapist", "And you?"),
        other,
        turn(5, "T", "therapist", "What did you feel?"),
        quiet(6),
    ]
    features = collapse_features(turns, {5: 0.7, 3: 0.2}, 6)
    assert features is not None
    named = dict(zip(COLLAPSE_FEATURES, features, strict=True))
    assert named["before_rf_level"] == 1.0  # P's turn 2, not B's turn 4
    assert named["before_non_mentalizing_p"] == 0.8
    assert named["therapist_intensity_before"] == 0.7
