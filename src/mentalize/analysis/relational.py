"""Rupture and repair between patient and therapist.

Rupture: a patient turn that confronts the therapist ("you don't care", "this is pointless"),
withdraws ("forget it", "I don't want to talk about it" in a short turn), or answers a therapist
turn with sarcasm ("Oh, great. Thanks."), after the 3RS rupture markers (Eubanks, Muran & Safran
2015). Sarcastic words are often meant ("Oh great, I got the job!"), so they count only as a reply
to the therapist and not when the trained reader reads the turn as pleased. With the reader, two
more: a reply it reads as confrontation with near certainty and as displeased, and a flat reply it
reads as withdrawal from a patient who had been elaborating. The strain head alone fires far too
often on calm talk, hence the thresholds and the context (docs/validation.md).

Repair: within the next few turns after a rupture, a therapist turn that acknowledges their own
part or turns curiously to what happened between them. A therapist who owns a clumsy remark
before the patient shows strain ("I think I dropped that in very clumsily. I'm sorry.") repairs
too: that repair stands on its own, with no rupture turn (codebook 3.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from mentalize.analysis.results import Repair, Rupture, TurnAnalysis
from mentalize.analysis.rupture_features import RUPTURE_FEATURES, rupture_features
from mentalize.language import MarkerSet

if TYPE_CHECKING:  # numpy and the heads load only with the learned layer, never at import
    from mentalize.learned.heads import LinearHead

WITHDRAWAL_MAX_WORDS = 15
SAME_RUPTURE_WITHIN = 3
REPAIR_WITHIN = 6
PLEASED_VALENCE = 3.5
"""A reader valence at or above this (1-5, 3 neutral) reads sarcastic-looking words as meant."""
WITHDRAWAL_P = 0.95
"""The reader's withdrawal probability a flat reply needs to count as a rupture."""
ELABORATED_WORDS = 10
"""A patient turn this long or longer was elaborating; a flat reply after it may be withdrawal
(10 against 15 on the dev sets: written dev recall 0.23 against 0.20, precision 0.62 against
0.59; docs/validation.md)."""
CONFRONTATION_P = 0.99
"""The reader's confrontation probability a reply to the therapist needs to count as a rupture."""
DISPLEASED_VALENCE = 3.0
"""A reader valence below this (1-5, 3 neutral) reads the turn as displeased."""
STANDALONE_REPAIR_P = 0.5
"""The reader's repair probability an owning turn needs to count as a repair on its own."""


def _goes_flat(turns: Sequence[TurnAnalysis], i: int, found: MarkerSet) -> bool:
    """A short reply the reader reads as withdrawal, after the therapist spoke and after this
    patient had been elaborating: the codebook's withdrawal (1.6), which a backchannel while
    listening is not."""
    turn = turns[i]
    reading = turn.reading
    if (
        reading is None
        or reading.strain != "withdrawal"
        or (reading.strain_p or 0.0) < WITHDRAWAL_P
    ):
        return False
    if found.word_count > WITHDRAWAL_MAX_WORDS or i == 0 or turns[i - 1].role != "therapist":
        return False
    earlier = next((t for t in reversed(turns[: i - 1]) if t.speaker == turn.speaker), None)
    return earlier is not None and len(earlier.text.split()) >= ELABORATED_WORDS


def _confronts(turns: Sequence[TurnAnalysis], i: int) -> bool:
    """A reply to the therapist that the reader reads as confrontation with high confidence and
    as displeased (its confrontation head alone also fires on "Thank you for listening")."""
    reading = turns[i].reading
    if reading is None or reading.strain != "confrontation" or i == 0:
        return False
    displeased = reading.valence is not None and reading.valence < DISPLEASED_VALENCE
    confident = (reading.strain_p or 0.0) >= CONFRONTATION_P
    return turns[i - 1].role == "therapist" and confident and displeased


def _sarcastic_reply(turn: TurnAnalysis, found: MarkerSet, previous: TurnAnalysis | None) -> bool:
    """Sarcastic words in a reply to the therapist that the reader does not read as pleased."""
    if not found.counts["sarcasm"] or previous is None or previous.role != "therapist":
        return False
    reading = turn.reading
    return reading is None or reading.valence is None or reading.valence < PLEASED_VALENCE


def _kind_by_words(
    turns: Sequence[TurnAnalysis], found: MarkerSet, i: int
) -> Literal["confrontation", "withdrawal"] | None:
    """The rupture words and sarcasm in a reply: strain said in so many words."""
    previous = turns[i - 1] if i else None
    if found.counts["rupture_confrontation"] or _sarcastic_reply(turns[i], found, previous):
        return "confrontation"
    if found.counts["rupture_withdrawal"] and found.word_count <= WITHDRAWAL_MAX_WORDS:
        return "withdrawal"
    return None


def _kind_by_rules(
    turns: Sequence[TurnAnalysis], found: MarkerSet, i: int
) -> Literal["confrontation", "withdrawal"] | None:
    """The rupture words, sarcasm in a reply, and the reader's strain at its thresholds."""
    said = _kind_by_words(turns, found, i)
    if said is not None:
        return said
    if _confronts(turns, i):
        return "confrontation"
    if _goes_flat(turns, i, found):
        return "withdrawal"
    return None


def _kind_by_head(
    head: LinearHead, turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet], i: int
) -> Literal["confrontation", "withdrawal"] | None:
    """The rupture head's reading of a patient turn the rules left alone: strained when its
    probability reaches the head's threshold; confrontation where the reader reads
    confrontation, else withdrawal."""
    import numpy as np

    features = rupture_features(turns, markers, i)
    if features is None:
        return None
    column = head.classes.index("rupture")
    p = float(head.predict_proba(np.asarray([features], dtype=np.float64))[0, column])
    if p < float(head.meta["threshold"]):
        return None
    reading = turns[i].reading
    return (
        "confrontation"
        if reading is not None and reading.strain == "confrontation"
        else "withdrawal"
    )


def rupture_head_fits(head: LinearHead | None) -> LinearHead | None:
    """``head`` when it reads the features this module computes, in this order, and says which
    class is a rupture and where its threshold lies; else None (a head from another version is
    never fed inputs it was not trained on). That it was trained on the shipped reader heads'
    outputs is checked where the heads load (:class:`mentalize.learned.layer.LearnedLayer`)."""
    if (
        head is None
        or list(head.meta.get("features", [])) != list(RUPTURE_FEATURES)
        or "threshold" not in head.meta
        or "rupture" not in head.classes
    ):
        return None
    return head


def _could_repair(turn: TurnAnalysis, found: MarkerSet) -> bool:
    """A therapist turn that owns their part or turns to what happened between them: what
    :func:`find_repairs` takes as a rupture's repair."""
    owns_part = found.counts["therapist_acknowledgement"] > 0
    return turn.role == "therapist" and (owns_part or turn.intervention == "relationship")


def _repair_between(
    turns: Sequence[TurnAnalysis], markers: Sequence[MarkerSet], start: int, end: int
) -> bool:
    """A turn between ``start`` and ``end`` that could repair: moving a rupture past it would
    cut the repair off."""
    return any(_could_repair(turns[j], markers[j]) for j in range(start + 1, end))


def find_ruptures(
    turns: Sequence[TurnAnalysis],
    markers: Sequence[MarkerSet],
    head: LinearHead | None = None,
) -> tuple[Rupture, ...]:
    """Ruptures in transcript order: the rupture words and the reader's strain at their
    thresholds, and, where the learned layer ships it, the rupture head for the milder strain
    those miss. The same patient's strain carried on over a few turns counts once; where the
    head read strain a turn or two before the rules find it, and the therapist did not try a
    repair in between, the rupture is put where the rules find it."""
    ruptures: list[Rupture] = []
    by_head: list[bool] = []
    last_of: dict[str, int] = {}
    for i, (turn, found) in enumerate(zip(turns, markers, strict=True)):
        if turn.role != "patient":
            continue
        kind = _kind_by_rules(turns, found, i)
        from_head = kind is None and head is not None
        if from_head:
            assert head is not None
            kind = _kind_by_head(head, turns, markers, i)
        if kind is None:
            continue
        k = last_of.get(turn.speaker)
        if k is not None and turn.index - ruptures[k].turn <= SAME_RUPTURE_WITHIN:
            earlier = ruptures[k]
            if (
                by_head[k]
                and not from_head
                and not _repair_between(turns, markers, earlier.turn, i)
            ):
                ruptures[k] = Rupture(turn=turn.index, speaker=turn.speaker, kind=kind)
                by_head[k] = False
            continue  # the same strain carried on over a few turns
        ruptures.append(Rupture(turn=turn.index, speaker=turn.speaker, kind=kind))
        by_head.append(from_head)
        last_of[turn.speaker] = len(ruptures) - 1
    return tuple(sorted(ruptures, key=lambda r: r.turn))


def find_repairs(
    ruptures: Sequence[Rupture],
    turns: Sequence[TurnAnalysis],
    markers: Sequence[MarkerSet],
) -> tuple[Repair, ...]:
    repairs: list[Repair] = []
    for rupture in ruptures:
        window = range(rupture.turn + 1, min(len(turns), rupture.turn + 1 + REPAIR_WITHIN))
        for i in window:
            if _could_repair(turns[i], markers[i]):
                repairs.append(Repair(turn=i, rupture_turn=rupture.turn))
                break
    counted = {r.turn for r in repairs}
    for i, (turn, found) in enumerate(zip(turns, markers, strict=True)):
        if i not in counted and _owns_on_its_own(turn, found):
            repairs.append(Repair(turn=i, rupture_turn=None))
    return tuple(sorted(repairs, key=lambda r: r.turn))


def _owns_on_its_own(turn: TurnAnalysis, found: MarkerSet) -> bool:
    """A therapist turn that owns their part ("I got that wrong") and that the trained reader
    reads as a repair. Without the reader there is none: the owning words alone ("I'm sorry")
    are too often sympathy ("I'm sorry to hear that")."""
    if turn.role != "therapist" or not found.counts["therapist_acknowledgement"]:
        return False
    reading = turn.reading
    return reading is not None and (reading.repair_p or 0.0) >= STANDALONE_REPAIR_P
