"""Breakdown episodes and how the therapist responded to them.

A patient turn is *collapsed* when it is in a non-mentalizing mode, its arousal (raw or
smoothed) is raised (or moderately raised with rigid certainty), and its mentalizing estimate is
low ("hot" collapse); or when it holds psychic-equivalent or teleological certainty with low
mentalizing whatever its arousal ("cold" collapse, which MBT describes as just as much a loss of
mentalizing), or when the patient goes blank in a short turn ("I don't know. Nothing.").
With the trained reader, a confident non-mentalizing mode read at a label's mentalizing level is
cold collapse too (quiet collapse in plain words), and going blank counts only under pressure.
Collapsed turns of one patient are joined into an episode when at most one still-aroused or
withdrawn turn separates them and they are at most six turns apart. An episode is kept when it
is sustained (two or more collapsed turns, reaching raised arousal unless two are cold) or a
single turn is clearly high in arousal, which keeps passing flickers out.

Long episodes are read as phases a supervisor can discuss: where two or more readable patient turns
in a row are calm with no collapse read, the episode *went quiet*, and the collapsed turn after
them is where it *flared* again and a new phase begins. Inside an episode such calm turns are flat,
short replies (a turn that mentalizes again ends the episode), which MBT reads as the collapse
going on quietly, so they are named as that and never as recovery. Splitting there into separate
episodes was tried and left: the held-out authors label such stretches as one episode, and judged
apart the therapist's response to the first part no longer matched theirs (held-out agreement on
the therapist's response fell from 0.83 to 0.67). Each episode names its peak (the collapsed turn
of highest arousal) and, where the session shows one, its recovery: the patient's first calm turn
read as mentalizing again, with the therapist turn(s) just before (MBT's codebook ends an episode
at the patient's next mentalizing turn, section 3.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from mentalize.analysis.results import (
    NON_MENTALIZING_MODES,
    TURNING_POINT_KINDS,
    Episode,
    Phase,
    Series,
    TherapistResponse,
    TurnAnalysis,
    TurningPoint,
    TurningPointKind,
)

AROUSAL_RAISED = 0.42
CERTAIN_AROUSAL = 0.3
CERTAIN = 0.85
MENTALIZING_LOW = 0.45
SINGLE_TURN_PEAK = 0.62
EPISODE_MIN_PEAK = 0.5
GAP_AROUSAL = 0.3
STEP_DOWN_MAX = 0.5
MOSTLY = 2 / 3
"""Share of response turns on one side that names the response; between, it is ``mixed``."""
COLD_MODES = frozenset({"psychic_equivalence", "teleological", "concrete"})
COLD_CERTAIN = 0.75
MIND_CLAIMS = ("intent_certainty", "global_attribution", "feeling_as_fact", "action_as_proof")
"""Markers of certainty about minds (or of actions as proof of them). A concrete turn's rigid
certainty counts as cold collapse only with one: certainty about facts alone ("I've definitely
never driven after drinking") is not psychic equivalence."""
COLD_MENTALIZING_LOW = 0.35
READER_COLD_MODES = frozenset(
    {"psychic_equivalence", "teleological", "pretend", "hypermentalizing"}
)
READER_COLD_P = 0.6
READER_COLD_RF = 1.5
READER_WITHDRAWN_P = 0.9
"""With the trained reader, a reply read as withdrawal from the therapist (strain P ≥ 0.9) at a
label's mentalizing level is quiet collapse too: the hypomentalizing shut-down the coders mark
as "flat, short replies after a remark" ("It's nothing.", "Yeah. Probably."), which neither the
words' arousal nor their certainty shows. Chosen on development data (docs/validation.md, "Quiet
withdrawal as collapse"): written dev episode recall 0.39 → 0.48 and precision 0.56 → 0.62, the
held-out sets unchanged, AnnoMI's calm sessions 5 → 6 episodes; at P ≥ 0.8 AnnoMI got 10, and
letting rf_level reach 2 moved the held-out sets' response agreement below their guard."""
READER_PRESSED_AROUSAL = 3.0
"""With the trained reader, going blank counts as collapse only under pressure: the reader reads
the patient withdrawing from the therapist, or arousal at least 3 of 5. On AnnoMI's calm MI
sessions this took spurious episodes from 9 to 5 (docs/validation.md)."""
WITHDRAWN_MENTALIZING = 0.35
BLANK_MENTALIZING_LOW = 0.2
BLANK_MAX_WORDS = 20
MAX_JOIN_DISTANCE = 6
"""Turns apart (all speakers) beyond which two collapsed turns are separate episodes, even when
the patient's turns between them were too short to read."""
EASED_TURNS = 2
"""Readable patient turns in a row, calm (arousal below raised) with no collapse read, that mark
where an episode went quiet; the next collapsed turn starts a new phase. Chosen on the written dev
sessions: with the learned reader all 4 boundaries it drew fell between or outside the coded
episodes (3 of 5 on markers alone); at one turn, 3 of 12 cut through a coded episode."""


@dataclass(frozen=True)
class CollapseHeadReading:
    """The collapse head's reading of one session (:mod:`mentalize.analysis.collapse_features`):
    for each patient turn the reader read, the probability that it lies inside a collapse
    episode. A turn at ``threshold`` or above counts as quiet collapse (cold: two are needed);
    an episode is kept only when one of the patient's own turns in its span reaches ``keep``,
    which drops the calm stretches the single-turn rules string together ("I don't know" about
    a neutral topic). A dropped episode is dropped before recoveries are looked for, so it
    never cuts short the search after the episode before it."""

    p: Mapping[int, float]
    threshold: float
    keep: float

    def reads_collapse(self, index: int) -> bool:
        return self.p.get(index, 0.0) >= self.threshold

    def confirms(self, own_turns: Iterable[int]) -> bool:
        """True when one of the patient's own turns in the episode's span reaches ``keep``
        (another patient's turn in the span never confirms it)."""
        return any(self.p.get(i, 0.0) >= self.keep for i in own_turns)


def _collapsed(turn: TurnAnalysis, smoothed_arousal: float, rigid: float) -> bool:
    """Non-mentalizing, low mentalizing, and aroused; rigid certainty counts at lower arousal,
    since hypermentalizing collapse can be cold rather than loud."""
    arousal = max(turn.arousal, smoothed_arousal)
    aroused = arousal >= AROUSAL_RAISED or (rigid >= CERTAIN and arousal >= CERTAIN_AROUSAL)
    return turn.mode in NON_MENTALIZING_MODES and aroused and turn.mentalizing <= MENTALIZING_LOW


def _cold_collapsed(turn: TurnAnalysis, rigid: float) -> bool:
    """Psychic equivalence, teleological or concrete thinking held with certainty but little
    visible arousal ("it isn't a feeling, it's a conclusion"; "I have the bank statement, it is
    in black and white"), pretend mode (mental-state talk cut loose from feeling, which MBT
    describes as arousal masked rather than absent), or going blank. Alone such a turn is too
    weak a sign, so it only counts inside a run of at least two (see ``find_episodes``)."""
    if _reader_cold(turn):
        return True
    if turn.mentalizing > COLD_MENTALIZING_LOW:
        return False
    certain = (
        turn.mode in COLD_MODES
        and rigid >= COLD_CERTAIN
        and (turn.mode != "concrete" or bool(turn.evidence_for(*MIND_CLAIMS)))
    )
    return certain or turn.mode == "pretend" or _gone_blank(turn)


def _reader_cold(turn: TurnAnalysis) -> bool:
    """The trained reader's quiet collapse: a confident non-mentalizing mode with the mentalizing
    level of a label at most (rf_level ≤ 1.5), whatever the words' certainty or arousal. Pretend
    talk without psychological vocabulary and cold certainty in plain words, which the marker
    rules miss, are read here, and so is confident withdrawal from the therapist at that level
    (:func:`_reader_withdrawn`)."""
    reading = turn.reading
    if reading is None or reading.rf_level is None or reading.rf_level > READER_COLD_RF:
        return False
    non_mentalizing = reading.mode in READER_COLD_MODES and (reading.mode_p or 0.0) >= READER_COLD_P
    return non_mentalizing or _reader_withdrawn(turn)


def _reader_withdrawn(turn: TurnAnalysis) -> bool:
    """The reader reads the patient withdrawing from the therapist, confidently, at a label's
    mentalizing level at most (:data:`READER_WITHDRAWN_P`)."""
    reading = turn.reading
    return (
        reading is not None
        and reading.strain == "withdrawal"
        and (reading.strain_p or 0.0) >= READER_WITHDRAWN_P
        and reading.rf_level is not None
        and reading.rf_level <= READER_COLD_RF
    )


def _cold_run(cold: Iterable[TurnAnalysis]) -> bool:
    """Two or more cold turns make a breakdown when something in them is about minds (a claim of
    intent, a feeling taken as fact, action as proof) or is pretend or blank: two boosted
    affirmations ("Yeah, for sure.") are certainty about nothing in particular."""
    found = list(cold)
    return len(found) >= 2 and any(
        t.mode == "pretend"
        or _gone_blank(t)
        or _reader_withdrawn(t)
        or t.evidence_for(*MIND_CLAIMS)
        for t in found
    )


def _flat(turn: TurnAnalysis) -> bool:
    """A short reply with no mental states in it ("Fine.", "He said next time. He gave me a
    mint."): after a collapse, MBT reads a run of these as the collapse going on quietly
    (hypomentalizing withdrawal), not as recovery."""
    return turn.mentalizing <= BLANK_MENTALIZING_LOW and len(turn.text.split()) <= BLANK_MAX_WORDS


def _gone_blank(turn: TurnAnalysis) -> bool:
    """The hypomentalizing shut-down: "I don't know. Nothing. It's blank." MBT reads going blank
    under pressure as a collapse of mentalizing even though arousal does not show in the words."""
    reading = turn.reading
    if reading is not None and not (
        reading.strain == "withdrawal" or (reading.arousal or 0.0) >= READER_PRESSED_AROUSAL
    ):
        return False  # "I don't know" about something neutral is not a collapse
    return turn.mode == "concrete" and _flat(turn) and bool(turn.evidence_for("blanking"))


def find_episodes(
    turns: Sequence[TurnAnalysis],
    series: Sequence[Series],
    intensities: dict[int, float],
    rigidity: dict[int, float] | None = None,
    collapse: CollapseHeadReading | None = None,
) -> tuple[Episode, ...]:
    """Episodes for every patient, in session order. ``intensities`` maps therapist turn index to
    how demanding that turn was (turns of type ``other`` are absent).

    ``rigidity`` maps patient turn index to the certainty the markers read in its words
    (boosters, absolutes, claims about minds: :func:`.estimates.certainty`); where it is given,
    the rules for rigid certainty use it rather than the turn's ``certainty``. That may blend in
    the learned head, which was trained on hedging in science news and pulls rigid talk about
    minds toward the middle (a rigid "he has been lying to me since the spring" reads 0.84 from
    the words, 0.73 blended), so the rules would treat the same words differently by model.

    ``collapse`` (the trained reader's sessions only) adds the turns the collapse head reads as
    collapse and keeps only the episodes it confirms (:class:`CollapseHeadReading`).
    """
    rigidity = rigidity or {}
    episodes: list[Episode] = []
    for s in series:
        chains, cold = _chains(turns, s, rigidity, collapse)
        collapsed = {i for chain in chains for i in chain}
        settled = {i for i in s.turns if i not in collapsed and turns[i].arousal < AROUSAL_RAISED}
        head_read = {i for i in cold if collapse is not None and collapse.reads_collapse(i)}
        kept = [
            chain
            for chain in chains
            if _kept(chain, cold, turns, head_read)
            and (
                collapse is None
                or collapse.confirms(i for i in s.turns if chain[0] <= i <= chain[-1])
            )
        ]
        for n, group in enumerate(kept):
            before = kept[n + 1][0] if n + 1 < len(kept) else len(turns)
            recovery = _recovery(turns, s.turns, group[-1], before, collapsed)
            phases, eased = _phases(group, s.turns, settled)
            episodes.append(
                _episode(s.speaker, group, (phases, eased), recovery, turns, intensities)
            )
    return tuple(sorted(episodes, key=lambda e: e.start_turn))


def _chains(
    turns: Sequence[TurnAnalysis],
    s: Series,
    rigidity: dict[int, float],
    collapse: CollapseHeadReading | None = None,
) -> tuple[list[list[int]], set[int]]:
    """One patient's collapsed turns joined into chains, and which of them are cold."""
    groups: list[list[int]] = []
    cold: set[int] = set()
    # The bridge from the last collapsed turn: open while the patient's replies stay flat
    # (collapse lasts until mentalizing recovers), and across one aroused or withdrawn turn.
    bridge_open, bridge_last, gap_used = False, -1, False
    for pos, index in enumerate(s.turns):
        turn = turns[index]
        rigid = rigidity.get(index, turn.certainty)
        is_cold = _cold_collapsed(turn, rigid) or (
            collapse is not None and collapse.reads_collapse(index)
        )
        near = bridge_open and index - bridge_last <= MAX_JOIN_DISTANCE
        if is_cold or _collapsed(turn, s.arousal_smoothed[pos], rigid):
            if is_cold:
                cold.add(index)
            if near:
                groups[-1].append(index)
            else:
                groups.append([index])
            bridge_open, bridge_last, gap_used = True, index, False
        elif near and _flat(turn):
            bridge_last = index
        elif (
            near
            and not gap_used
            and (turn.arousal >= GAP_AROUSAL or turn.mentalizing <= WITHDRAWN_MENTALIZING)
        ):
            bridge_last, gap_used = index, True
        else:
            bridge_open = False
    return groups, cold


def _kept(
    group: list[int], cold: set[int], turns: Sequence[TurnAnalysis], head_read: set[int]
) -> bool:
    """Sustained (two or more collapsed turns, raised arousal or a cold run about minds or read
    as collapse by the collapse head) or one turn clearly high in arousal; anything less is a
    passing flicker."""
    peak = max(turns[i].arousal for i in group)
    cold_turns = [i for i in group if i in cold]
    sustained = len(group) >= 2 and (
        peak >= EPISODE_MIN_PEAK
        or _cold_run(turns[i] for i in cold_turns)
        or sum(i in head_read for i in group) >= 2
    )
    return sustained or peak >= SINGLE_TURN_PEAK


def _calm_run(readable: Sequence[int], after: int, before: int, settled: set[int]) -> list[int]:
    """The first longest run of settled turns among the readable turns between two collapsed
    ones (a run of calm, uncollapsed replies: the collapse lifting)."""
    best: list[int] = []
    run: list[int] = []
    for i in readable:
        if not after < i < before:
            continue
        run = [*run, i] if i in settled else []
        if len(run) > len(best):
            best = run
    return best


def _phases(
    chain: list[int], readable: Sequence[int], settled: set[int]
) -> tuple[list[list[int]], list[int]]:
    """The collapsed turns of an episode cut where it eased for ``EASED_TURNS`` calm turns, and
    the first calm turn of each such easing."""
    parts, eased = [[chain[0]]], []
    for a, b in pairwise(chain):
        run = _calm_run(readable, a, b, settled)
        if len(run) >= EASED_TURNS:
            parts.append([b])
            eased.append(run[0])
        else:
            parts[-1].append(b)
    return parts, eased


def _recovery(
    turns: Sequence[TurnAnalysis],
    readable: Sequence[int],
    end: int,
    before: int,
    collapsed: set[int],
) -> int | None:
    """The patient's first readable turn after ``end`` (and before their next episode at
    ``before``) read as mentalizing above the withdrawn level and calm: below the arousal at
    which the bridge still counts a turn as aroused. A flat or compliant reply after a collapse
    is not a recovery, nor is a heated one with some mental-state words in it ("He hates me, my
    dad was critical, so obviously I'm the problem")."""
    for i in readable:
        turn = turns[i]
        if (
            end < i < before
            and i not in collapsed
            and turn.mode == "mentalizing"
            and turn.mentalizing > WITHDRAWN_MENTALIZING
            and turn.arousal < GAP_AROUSAL
        ):
            return i
    return None


def _stepping_in(turns: Sequence[TurnAnalysis], recovery: int) -> list[int]:
    """The therapist turn(s) last before the recovery since the patient last spoke: in a group
    another member may speak between the facilitator's invitation and the patient's answer."""
    speaker = turns[recovery].speaker
    found: list[int] = []
    for i in range(recovery - 1, -1, -1):
        turn = turns[i]
        if turn.speaker == speaker:
            break
        if turn.role == "therapist":
            found.append(i)
        elif found:
            break
    return found[::-1]


def _peak(group: list[int], turns: Sequence[TurnAnalysis]) -> int:
    """Highest arousal; among equals the least mentalizing, then the first."""
    return min(group, key=lambda i: (-turns[i].arousal, turns[i].mentalizing, i))


def _turning_points(
    phases: list[list[int]],
    eased: list[int],
    peak: int,
    recovery: int | None,
    turns: Sequence[TurnAnalysis],
) -> tuple[TurningPoint, ...]:
    points: list[tuple[int, TurningPointKind]] = [(phases[0][0], "onset"), (peak, "peak")]
    for calm, phase in zip(eased, phases[1:], strict=True):
        points += [(calm, "goes_quiet"), (phase[0], "flares")]
    if recovery is not None:
        points += [(i, "step_in") for i in _stepping_in(turns, recovery)]
        points.append((recovery, "recovery"))
    order = {kind: n for n, kind in enumerate(TURNING_POINT_KINDS)}
    points.sort(key=lambda p: (p[0], order[p[1]]))
    return tuple(TurningPoint(turn=t, kind=k) for t, k in points)


def _episode(
    speaker: str,
    group: list[int],
    phasing: tuple[list[list[int]], list[int]],
    recovery: int | None,
    turns: Sequence[TurnAnalysis],
    intensities: dict[int, float],
) -> Episode:
    start, end = group[0], group[-1]
    modes = []
    for i in group:
        mode = turns[i].mode
        if mode in NON_MENTALIZING_MODES and mode not in modes:
            modes.append(mode)
    inside = [i for i in range(start + 1, end) if i in intensities]
    after = next((i for i in range(end + 1, len(turns)) if i in intensities), None)
    response_turns = tuple(inside + ([after] if after is not None else []))
    peak = _peak(group, turns)
    phases, eased = phasing
    return Episode(
        speaker=speaker,
        start_turn=start,
        end_turn=end,
        peak_arousal=round(turns[peak].arousal, 4),
        modes=tuple(modes),
        therapist_response=_response(response_turns, intensities),
        response_turns=response_turns,
        peak_turn=peak,
        recovery_turn=recovery,
        turning_points=_turning_points(phases, eased, peak, recovery, turns),
        phases=tuple(
            Phase(start_turn=p[0], end_turn=p[-1], peak_turn=_peak(p, turns)) for p in phases
        ),
    )


def _response(
    response_turns: tuple[int, ...], intensities: dict[int, float]
) -> TherapistResponse | None:
    if not response_turns:
        return None
    down = sum(1 for i in response_turns if intensities[i] <= STEP_DOWN_MAX)
    if down == len(response_turns):
        return "stepped_down"
    if down == 0:
        return "pushed_on"
    share = down / len(response_turns)
    if share >= MOSTLY:
        return "stepped_down"
    if share <= 1 - MOSTLY:
        return "pushed_on"
    return "mixed"
