"""Episodes as units a supervisor can discuss (issue 19): the peak, the turning points, and the
phases of a long episode, read on constructed turn sequences so each rule is pinned on its own.

Detection is unchanged by the phases: splitting episodes apart at an easing lowered a guarded
held-out figure (see :mod:`mentalize.analysis.episodes`), so an episode that eased and returned
stays one episode with two phases.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from mentalize.analysis.episodes import EASED_TURNS, find_episodes
from mentalize.analysis.results import Episode, TurnAnalysis
from mentalize.analysis.series import patient_series
from mentalize.outputs.schema import from_dict, json_schema, to_dict

HOT = "He always does this to me, I know exactly what he wants, he does it on purpose to hurt me."
FLAT = "Fine."
THINKING = (
    "I suppose I wonder whether he was worried too, maybe I read it as contempt because I "
    "was already expecting it."
)


def turn(index: int, speaker: str, role: str, text: str, **values: object) -> TurnAnalysis:
    """A turn read as given: patient turns default to calm mentalizing, therapist turns to a
    clarification."""
    patient = role == "patient"
    fields: dict[str, object] = {
        "arousal": 0.1,
        "certainty": 0.5,
        "mentalizing": 0.7 if patient else 0.5,
        "mode": "mentalizing" if patient else None,
        "intervention": None if patient else "clarification",
    }
    fields.update(values)
    return TurnAnalysis(
        index=index,
        speaker=speaker,
        role=role,  # type: ignore[arg-type]
        text=text,
        start=None,
        focus="self",
        risk="none",
        evidence=(),
        **fields,  # type: ignore[arg-type]
    )


def hot(index: int, arousal: float = 0.8, mentalizing: float = 0.1) -> TurnAnalysis:
    return turn(
        index,
        "P",
        "patient",
        HOT,
        arousal=arousal,
        mentalizing=mentalizing,
        mode="psychic_equivalence",
    )


def flat(index: int) -> TurnAnalysis:
    return turn(index, "P", "patient", FLAT, arousal=0.05, mentalizing=0.1, mode="concrete")


def thinking(index: int, arousal: float = 0.1) -> TurnAnalysis:
    return turn(index, "P", "patient", THINKING, arousal=arousal)


def dyad(patient: dict[int, TurnAnalysis], length: int) -> list[TurnAnalysis]:
    """Therapist on even turns, the given patient turns on odd ones (calm mentalizing where
    none is given)."""
    out = []
    for i in range(length):
        if i % 2 == 0:
            out.append(turn(i, "T", "therapist", "What happened then?"))
        else:
            out.append(patient.get(i, thinking(i)))
    return out


def episodes_of(turns: list[TurnAnalysis]) -> tuple[Episode, ...]:
    intensities = {t.index: 0.3 for t in turns if t.role == "therapist"}
    return find_episodes(turns, patient_series(turns), intensities)


def kinds(ep: Episode) -> list[tuple[int, str]]:
    return [(p.turn, p.kind) for p in ep.turning_points]


def eased_and_returned() -> list[TurnAnalysis]:
    """Hot collapse (1-5, peak at 3), two calm flat replies (7, 9), hot again (11-13), then
    mentalizing from 15."""
    return dyad(
        {
            1: hot(1, 0.7),
            3: hot(3, 0.95),
            5: hot(5, 0.6),
            7: flat(7),
            9: flat(9),
            11: hot(11, 0.8),
            13: hot(13, 0.7),
        },
        length=20,
    )


def test_an_episode_that_eased_and_returned_is_one_episode_in_two_phases():
    (ep,) = episodes_of(eased_and_returned())
    assert (ep.start_turn, ep.end_turn) == (1, 13)
    assert [(x.start_turn, x.end_turn, x.peak_turn) for x in ep.phases] == [(1, 5, 3), (11, 13, 11)]
    assert kinds(ep) == [
        (1, "onset"),
        (3, "peak"),
        (7, "goes_quiet"),
        (11, "flares"),
        (14, "step_in"),
        (15, "recovery"),
    ]


def test_the_peak_is_the_highest_arousal_then_the_least_mentalizing():
    turns = dyad({1: hot(1, 0.9, 0.3), 3: hot(3, 0.9, 0.05), 5: hot(5, 0.7)}, length=10)
    (ep,) = episodes_of(turns)
    assert ep.peak_turn == 3
    assert ep.peak_arousal == pytest.approx(turns[3].arousal)
    assert ep.phases[0].peak_turn == 3


def test_fewer_calm_turns_than_an_easing_leave_one_phase():
    assert EASED_TURNS >= 2  # one flat reply after a collapse is the collapse going on quietly
    turns = dyad({1: hot(1), 3: hot(3), 5: flat(5), 7: hot(7)}, length=12)
    (ep,) = episodes_of(turns)
    assert len(ep.phases) == 1
    assert "goes_quiet" not in {p.kind for p in ep.turning_points}


def test_aroused_turns_between_collapses_are_not_an_easing():
    """Two uncollapsed but heated turns inside an episode have not calmed: no phase break."""
    heated = {
        i: turn(i, "P", "patient", FLAT, arousal=0.5, mentalizing=0.1, mode="mentalizing")
        for i in (5, 7)
    }
    turns = dyad({1: hot(1), 3: hot(3), **heated, 9: hot(9)}, length=14)
    (ep,) = episodes_of(turns)
    assert (ep.start_turn, ep.end_turn) == (1, 9)
    assert len(ep.phases) == 1


def test_no_recovery_when_the_patient_stays_flat_or_heated():
    heated_thinking = thinking(9, arousal=0.35)  # mental-state words, but not calm
    turns = dyad({1: hot(1), 3: hot(3), 5: flat(5), 7: flat(7), 9: heated_thinking}, length=12)
    turns[11] = flat(11)
    (ep,) = episodes_of(turns)
    assert ep.recovery_turn is None
    assert {p.kind for p in ep.turning_points} == {"onset", "peak"}


def test_recovery_is_looked_for_only_before_the_patients_next_episode():
    """A calm reply that is neither flat nor mentalizing ends the first episode without
    recovering from it; the recovery after the second belongs to the second."""
    closing = turn(5, "P", "patient", THINKING, arousal=0.1, mentalizing=0.5, mode="concrete")
    turns = dyad({1: hot(1), 3: hot(3), 5: closing, 7: hot(7), 9: hot(9)}, length=14)
    first, second = episodes_of(turns)
    assert (first.end_turn, second.start_turn) == (3, 7)
    assert first.recovery_turn is None
    assert second.recovery_turn == 11
    assert (10, "step_in") in kinds(second)


def test_in_a_group_the_facilitator_turn_before_another_member_still_steps_in():
    turns = [
        turn(0, "F", "therapist", "What happened?"),
        hot(1),
        turn(2, "F", "therapist", "That sounds painful."),
        hot(3),
        turn(4, "F", "therapist", "Maya, can we slow down?", intervention="empathic_validation"),
        turn(5, "Tom", "patient", THINKING),
        turn(6, "P", "patient", THINKING),
    ]
    (ep,) = episodes_of(turns)
    assert ep.recovery_turn == 6
    assert [p.turn for p in ep.turning_points if p.kind == "step_in"] == [4]


def test_turning_points_round_trip_through_json_and_validate():
    from mentalize.analysis.results import Recommendation, SessionAnalysis, SessionSummary

    turns = eased_and_returned()
    analysis = SessionAnalysis(
        source="constructed.txt",
        format="txt",
        turns=tuple(turns),
        series=patient_series(turns),
        episodes=episodes_of(turns),
        session=SessionSummary(
            calibration=None,
            stance=None,
            intervention_counts={},
            ruptures=(),
            repairs=(),
            risk_flags=(),
        ),
        recommendation=Recommendation(level=1, label="x", reason="y"),
    )
    data = json.loads(json.dumps(to_dict(analysis)))
    jsonschema.Draft202012Validator(json_schema()).validate(data)
    assert from_dict(data).episodes == analysis.episodes


def test_an_episode_stored_before_turning_points_still_loads_as_unknown(misattuned):
    data = to_dict(misattuned)
    for episode in data["episodes"]:
        for key in ("peak_turn", "recovery_turn", "turning_points", "phases"):
            del episode[key]
    jsonschema.Draft202012Validator(json_schema()).validate(data)
    loaded = from_dict(data)
    assert loaded.episodes
    for old, new in zip(loaded.episodes, misattuned.episodes, strict=True):
        assert (old.start_turn, old.end_turn) == (new.start_turn, new.end_turn)
        assert old.peak_turn is None and old.recovery_turn is None
        assert old.turning_points == () and old.phases == ()


def test_the_misattuned_example_names_its_peak_inside_and_no_recovery(misattuned):
    """The misattuned client ends in withdrawal and compliance (examples/README.md): the episode
    has a peak among its collapsed turns and no recovery is claimed."""
    (ep,) = misattuned.episodes
    assert ep.start_turn <= ep.peak_turn <= ep.end_turn
    assert misattuned.turns[ep.peak_turn].arousal == max(
        misattuned.turns[i].arousal
        for i in range(ep.start_turn, ep.end_turn + 1)
        if misattuned.turns[i].role == "patient" and misattuned.turns[i].mode != "mentalizing"
    )
    assert ep.recovery_turn is None
    assert len(ep.phases) >= 2


def test_the_group_example_recovers_where_maya_mentalizes_again(group):
    """Maya returns to mentalizing at turn 43 (examples/README.md)."""
    (ep,) = [e for e in group.episodes if e.speaker == "Maya"]
    assert ep.recovery_turn == 43
    assert group.turns[ep.recovery_turn].speaker == "Maya"
    steps = [p.turn for p in ep.turning_points if p.kind == "step_in"]
    assert steps and all(group.turns[i].role == "therapist" for i in steps)
