"""Session-level readings of the therapist: calibration to arousal and the MBT stance.

Calibration (0-1): for each therapist intervention, the strain of the patient turn it answers
(its arousal, raised to a floor when the turn is in a non-mentalizing mode or inside a breakdown
episode) sets a target intensity on the MBT spectrum (high arousal → validation and support;
moderate → clarification and exploration; low → challenge and relational work). Fit falls off
faster when the therapist asks *more* than the target than when they ask less, because pushing
through a breakdown is the error MBT warns about most (Bateman & Fonagy 2016). Moments of high
strain weigh more. Advice fits at most :data:`ADVICE_FIT` at any strain.

Stance (0-1): the mean MBT-stance credit of the therapist's interventions (curious,
not-knowing, validating, non-directive, non-interpretive), lowered by certainty.
"""

from __future__ import annotations

from collections.abc import Sequence

from mentalize.analysis.results import Episode, TurnAnalysis

LOOKBACK = 3
MIN_JUDGED = 2
OVERSHOOT_TOLERANCE = 0.6
UNDERSHOOT_TOLERANCE = 1.6
STRAINED_MODES = frozenset({"psychic_equivalence", "teleological", "pretend"})
MODE_STRAIN = 0.5
EPISODE_STRAIN = 0.7
ADVICE_FIT = 0.3
"""The most an advice turn can fit, whatever the patient's strain. Advice asks compliance, not
mentalizing (codebook 2.2): under strain it demands the patient take on the therapist's mind,
and when the patient is calm it neither supports nor stretches their own. Without this cap a calm,
advice-giving session scored as well calibrated, and AnnoMI's low-quality MI sessions outscored
the high-quality ones (AUC 0.18; 0.91 with the cap, 0.92 with 0; docs/validation.md). Not 0,
because practical steps can fit, e.g. in safety planning."""


def target_intensity(arousal: float) -> float:
    return 0.9 - 0.8 * arousal


def fit(arousal: float, intensity: float) -> float:
    gap = intensity - target_intensity(arousal)
    tolerance = OVERSHOOT_TOLERANCE if gap > 0 else UNDERSHOOT_TOLERANCE
    return max(0.0, 1.0 - abs(gap) / tolerance)


def answered_patient_turn(turns: Sequence[TurnAnalysis], index: int) -> TurnAnalysis | None:
    """The readable patient turn a therapist turn responds to (within a few turns back)."""
    for i in range(index - 1, max(-1, index - 1 - LOOKBACK), -1):
        turn = turns[i]
        if turn.role == "patient" and not turn.minimal:
            return turn
    return None


def strain(patient: TurnAnalysis, in_episode: bool) -> float:
    """How much support the answered turn calls for: its arousal, raised when mentalizing has
    given way to a non-mentalizing mode, since MBT steps down when mentalizing collapses, not only
    when arousal shows (Bateman & Fonagy 2016)."""
    value = patient.arousal
    if patient.mode in STRAINED_MODES:
        value = max(value, MODE_STRAIN)
    if in_episode:
        value = max(value, EPISODE_STRAIN)
    return value


def calibration(
    turns: Sequence[TurnAnalysis],
    intensities: dict[int, float],
    episodes: Sequence[Episode] = (),
) -> float | None:
    inside = {
        i
        for e in episodes
        for i in range(e.start_turn, e.end_turn + 1)
        if turns[i].role == "patient"
    }
    total = weight_sum = 0.0
    judged = 0
    for index, value in intensities.items():
        patient = answered_patient_turn(turns, index)
        if patient is None:
            continue
        need = strain(patient, patient.index in inside)
        weight = 0.5 + need
        value_fit = fit(need, value)
        if turns[index].intervention == "advice":
            value_fit = min(value_fit, ADVICE_FIT)
        total += weight * value_fit
        weight_sum += weight
        judged += 1
    if judged < MIN_JUDGED:
        return None
    return round(total / weight_sum, 4)


def stance(credits: Sequence[float]) -> float | None:
    if len(credits) < MIN_JUDGED:
        return None
    return round(sum(credits) / len(credits), 4)
