"""Rupture and repair between patient and therapist.

Rupture: a patient turn that confronts the therapist ("you don't care", "this is pointless") or
withdraws ("forget it", "I don't want to talk about it" in a short turn), after the 3RS rupture
markers (Eubanks, Muran & Safran 2015). Repair: within the next few turns, a therapist turn that
acknowledges their own part or turns curiously to what happened between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from mentalize.analysis.results import Repair, Rupture, TurnAnalysis
from mentalize.language import MarkerSet

WITHDRAWAL_MAX_WORDS = 15
SAME_RUPTURE_WITHIN = 3
REPAIR_WITHIN = 6


def find_ruptures(
    turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet]
) -> tuple[Rupture, ...]:
    ruptures: list[Rupture] = []
    for turn, found in zip(turns, markers, strict=True):
        if turn.role != "patient":
            continue
        kind: Literal["confrontation", "withdrawal"]
        if found.counts["rupture_confrontation"]:
            kind = "confrontation"
        elif found.counts["rupture_withdrawal"] and found.word_count <= WITHDRAWAL_MAX_WORDS:
            kind = "withdrawal"
        else:
            continue
        previous = ruptures[-1] if ruptures else None
        if (
            previous
            and previous.speaker == turn.speaker
            and turn.index - previous.turn <= SAME_RUPTURE_WITHIN
        ):
            continue  # the same strain carried on over a few turns
        ruptures.append(Rupture(turn=turn.index, speaker=turn.speaker, kind=kind))
    return tuple(ruptures)


def find_repairs(
    ruptures: Sequence[Rupture],
    turns: Sequence[TurnAnalysis],
    markers: Sequence[MarkerSet],
) -> tuple[Repair, ...]:
    repairs: list[Repair] = []
    for rupture in ruptures:
        window = range(rupture.turn + 1, min(len(turns), rupture.turn + 1 + REPAIR_WITHIN))
        for i in window:
            turn, found = turns[i], markers[i]
            if turn.role != "therapist":
                continue
            owns_part = found.counts["therapist_acknowledgement"] > 0
            explores_together = turn.intervention == "relationship"
            if owns_part or explores_together:
                repairs.append(Repair(turn=i, rupture_turn=rupture.turn))
                break
    return tuple(repairs)
