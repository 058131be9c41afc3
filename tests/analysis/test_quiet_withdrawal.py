"""Quiet collapse read as withdrawal: short, flat replies the trained reader reads as the patient
withdrawing from the therapist, at a label's mentalizing level, make a breakdown episode when
two or more come in a run, whatever their arousal (docs/validation.md, "Quiet withdrawal as
collapse")."""

from __future__ import annotations

from mentalize.analysis.episodes import READER_COLD_RF, READER_WITHDRAWN_P
from mentalize.learned.reading import MBTReading
from tests.analysis.test_episode_units import dyad, episodes_of, turn


def withdrawn(index: int, strain_p: float = 0.95, rf_level: float = 1.0, text: str = "") -> object:
    reading = MBTReading(
        mode="concrete", mode_p=0.5, rf_level=rf_level, strain="withdrawal", strain_p=strain_p
    )
    return turn(
        index,
        "P",
        "patient",
        text or "It's nothing. Yeah. Probably.",
        arousal=0.1,
        mentalizing=0.3,
        mode="concrete",
        reading=reading,
    )


def test_a_run_of_confident_withdrawal_at_a_labels_level_is_an_episode() -> None:
    episodes = episodes_of(dyad({5: withdrawn(5), 7: withdrawn(7)}, 12))
    assert [(e.start_turn, e.end_turn) for e in episodes] == [(5, 7)]


def test_one_withdrawn_reply_alone_is_not_an_episode() -> None:
    assert episodes_of(dyad({5: withdrawn(5)}, 12)) == ()


def test_withdrawal_the_reader_is_unsure_of_is_not_collapse() -> None:
    unsure = READER_WITHDRAWN_P - 0.05
    turns = dyad({5: withdrawn(5, strain_p=unsure), 7: withdrawn(7, strain_p=unsure)}, 12)
    assert episodes_of(turns) == ()


def test_withdrawal_with_mentalizing_above_a_label_is_not_collapse() -> None:
    """ "I'd rather not go into that today, it still makes me feel ashamed" withdraws, and
    mentalizes while doing it."""
    level = READER_COLD_RF + 1.0
    turns = dyad({5: withdrawn(5, rf_level=level), 7: withdrawn(7, rf_level=level)}, 12)
    assert episodes_of(turns) == ()
