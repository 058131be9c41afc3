"""The words every output uses for the analysis's values: modes, interventions, risk kinds,
rungs and times, and the therapist's response to high arousal.

One table per value, shared by the terminal summary, the HTML report, the clinic and Reflect, so a
rung reads the same wherever a clinician meets it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mentalize.analysis.recommend import LABELS as _SPECTRUM

__all__ = [
    "BANDS",
    "INTERVENTION_LABELS",
    "MODE_LABELS",
    "MODE_SHORT",
    "POLARITY_LABELS",
    "RESPONSE_LABELS",
    "RISK_LABELS",
    "RISK_SEVERITY_LABELS",
    "RISK_TEMPORAL_LABELS",
    "SPECTRUM_LABELS",
    "STRAIN_LABELS",
    "BandScale",
    "band",
    "band_meaning",
    "for_member",
    "risk_rung",
    "spectrum_label",
]

MODE_LABELS: dict[str, str] = {
    "mentalizing": "Mentalizing (reflective, tentative)",
    "psychic_equivalence": "Psychic equivalence (inner experience taken as outer reality)",
    "teleological": "Teleological (states only through actions)",
    "pretend": "Pretend (intellectualised, cut off from feeling)",
    "concrete": "Concrete (no mental states)",
    "hypermentalizing": "Hypermentalizing (confident chains of hidden motives)",
}
MODE_SHORT: dict[str, str] = {
    "mentalizing": "Mentalizing",
    "psychic_equivalence": "Psychic equivalence",
    "teleological": "Teleological",
    "pretend": "Pretend",
    "concrete": "Concrete",
    "hypermentalizing": "Hypermentalizing",
}
POLARITY_LABELS: dict[str, tuple[str, str, str]] = {
    # polarity -> (name, first pole, second pole)
    "self_other": ("Self - other", "self", "other"),
    "cognitive_affective": ("Cognitive - affective", "cognitive", "affective"),
    "internal_external": ("Internal - external", "internal", "external"),
    "automatic_controlled": ("Automatic - controlled", "automatic", "controlled"),
}
STRAIN_LABELS: dict[str, str] = {
    "withdrawal": "withdrawing from the therapist",
    "confrontation": "confronting the therapist",
}
INTERVENTION_LABELS: dict[str, str] = {
    "curious_question": "Curious question",
    "empathic_validation": "Empathic validation",
    "clarification": "Clarification",
    "challenge": "Challenge",
    "relationship": "Relationship",
    "interpretation": "Interpretation",
    "advice": "Advice",
    "other": "Other",
}
RISK_LABELS: dict[str, str] = {
    "ideation": "Suicidal ideation language",
    "self_harm": "Self-harm language",
    "harm_to_others": "Harm-to-others language",
    "none": "No risk language",
}
RISK_SEVERITY_LABELS: dict[str, str] = {
    "unspecified": "extent not stated",
    "wish_to_be_dead": "wish to be dead",
    "active_thoughts": "active thoughts of suicide",
    "method": "thoughts with a method",
    "intent": "intent to act",
    "plan": "plan or preparation",
    "behaviour": "suicidal act or attempt",
    "urge": "urge",
    "thoughts": "thoughts",
    "act": "act",
}
"""The rung of a flag in words (the Columbia ladder for ideation; urge or act for self-harm;
thoughts, intent or act for harm to others)."""
RISK_TEMPORAL_LABELS: dict[str, str] = {
    "current": "now",
    "past": "in the past",
    "hypothetical": "if something happens",
}


def risk_rung(severity: str, temporal: str) -> str:
    """ "wish to be dead, now" — the rung and the time of a flag, for every output."""
    rung = RISK_SEVERITY_LABELS.get(severity, severity)
    return f"{rung}, {RISK_TEMPORAL_LABELS.get(temporal, temporal)}"


RESPONSE_LABELS: dict[str | None, tuple[str, str, str]] = {
    # value -> (badge text, css modifier, one-line explanation)
    "stepped_down": (
        "Stepped down",
        "good",
        "The therapist moved toward validation, slowing and simple questions.",
    ),
    "pushed_on": (
        "Pushed on",
        "warn",
        "The therapist kept up demanding interventions (interpretation, advice, challenge) "
        "while arousal was high.",
    ),
    "mixed": ("Mixed", "neutral", "Some stepping down and some pushing on."),
    None: ("No therapist response in transcript", "muted", "No therapist turn followed."),
}


SPECTRUM_LABELS: dict[int, str] = dict(_SPECTRUM)
"""Level -> name on the MBT spectrum of interventions (1 least, 4 most demanding), for every
heading, tile and line that names a level. The analysis words the recommendation with the same
table, so a level has one name wherever it is read."""


def spectrum_label(level: int) -> str:
    """The name of a spectrum level; a level outside 1-4 still reads as words, never crashes."""
    return SPECTRUM_LABELS.get(level, f"Level {level}")


@dataclass(frozen=True, slots=True)
class BandScale:
    """How a score reads in words: upper edges of every band but the last, and its words.

    A value is banded as shown (rounded to ``decimals``), so the number and the word beside it
    can never disagree at an edge ("0.12 — absent" and "0.13 — very low", never "0.12 — very low").
    """

    title: str
    edges: tuple[float, ...]
    words: tuple[str, ...]
    anchor: str
    """Where the words come from, in a few words for the report's key (the sources: the
    codebook, docs/codebook.md 1.2 and 1.4, and the blind test sessions, docs/validation.md)."""
    meanings: tuple[str, ...] = ()
    """A longer description per band, where a reader needs more than the word."""
    decimals: int = 2
    high: float = 1.0
    """The top of the scale, for the key."""


_RF_WORDS = ("negative", "absent", "thin", "ordinary", "marked")
"""The codebook's names of rf_level 0-4 (docs/codebook.md 1.2; "thin" is its word for 2)."""
_RF_MEANINGS = (
    "mental states absent or refused",
    "mental states named as labels, little more",
    "mental states described, links thin",
    "states linked to behaviour, held tentatively",
    "rich, flexible mentalizing",
)

BANDS: dict[str, BandScale] = {
    "rf_level": BandScale(
        title="Mentalizing level",
        edges=(0.5, 1.5, 2.5, 3.5),
        words=_RF_WORDS,
        meanings=_RF_MEANINGS,
        anchor="the trained reader's mean level, named by the codebook's nearest level",
        decimals=1,
        high=4.0,
    ),
    "mentalizing": BandScale(
        title="Mentalizing",
        # The marker score on the rf_level scale by what coders made of it, not by 4 × score:
        # on the corpus's written sessions (train and dev, 2,900 patient turns) turns scoring
        # below 0.10 (no mental-state marker; the floor is 0.08) were coded rf_level 1.4 on
        # average, 0.10-0.39 about 1.8-2.4, and 0.40 or more about 2.6-2.9, whatever the score
        # above that. 4 × score would have called ordinary turns (median score 0.21-0.30) "absent"
        # and no score earns "marked". 0.40 is also where the analysis reads a turn as
        # mentalizing (analysis.estimates.mode).
        edges=(0.10, 0.40),
        words=_RF_WORDS[1:4],
        meanings=_RF_MEANINGS[1:4],
        anchor="how corpus coders rated turns with these scores: about level 1, 2 and 3 of "
        "the codebook's 0–4; the markers alone never show marked mentalizing",
    ),
    "arousal": BandScale(
        title="Arousal",
        # The recommendation's own steps (analysis.recommend: low below 0.30, high from 0.60,
        # where it steps down to validation). Corpus coders (arousal 1-5, docs/codebook.md 1.4)
        # put turns below 0.30 at 2.2-2.5 on average, 0.30-0.59 at 2.7-3.0, and 0.60 or more at
        # 2.8-3.5: the score orders arousal but does not reach "overwhelmed" reliably.
        edges=(0.30, 0.60),
        words=("low", "moderate", "high"),
        anchor="the analyser's own steps: from 0.60 it suggests stepping down to validation",
    ),
    "stance": BandScale(
        title="Stance",
        edges=(0.5, 0.75),
        words=("seldom held", "partly held", "mostly held"),
        anchor="test sessions: attuned therapists averaged 0.80–0.89, misattuned 0.55–0.69",
    ),
    "calibration": BandScale(
        title="Calibration",
        edges=(0.5, 0.75),
        words=("often mismatched", "partly matched", "mostly matched"),
        anchor="test sessions: attuned 0.73–0.78, misattuned 0.61–0.73; a hint, not a verdict",
    ),
}
"""Every score a clinician reads, with its bands: one table for the report, the summary and
any other output, so "partial" means the same range wherever it is printed."""


def _band_index(scale: BandScale, value: float | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    shown = round(number, scale.decimals)
    return sum(1 for edge in scale.edges if shown >= edge)


def band(scale: str, value: float | None) -> str:
    """The band of ``value`` on the named scale in words ("partial"); "" when there is no value
    to band (None, NaN). Values off the scale take the nearest band."""
    table = BANDS[scale]
    at = _band_index(table, value)
    return "" if at is None else table.words[at]


def band_meaning(scale: str, value: float | None) -> str:
    """The longer description of the band (the word where the scale has none)."""
    table = BANDS[scale]
    at = _band_index(table, value)
    if at is None:
        return ""
    return table.meanings[at] if table.meanings else table.words[at]


_THE_PATIENT = re.compile(r"\b([Tt])he patient('s)?\b")


def _replace_patient(text: str, who: str, whose: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = whose if match.group(2) else who
        return word[:1].upper() + word[1:] if match.group(1) == "T" else word

    return _THE_PATIENT.sub(swap, text)


def for_member(reason: str, patients: Sequence[str], risk_speakers: Sequence[str] = ()) -> str:
    """A recommendation's reason with "the patient" named, in a session with several patients.

    In a group "the patient is mentalizing" does not say who. The analysis prefixes the member
    whose turns decided ("Dev: ..."), and risk comes from the members who disclosed it, so the
    phrase is replaced by that name; with several such members by "each of them". With one
    patient the reason is returned as it is.
    """
    members = list(dict.fromkeys(patients))
    if len(members) < 2:
        return reason
    for member in members:
        prefix = f"{member}: "
        if reason.startswith(prefix):
            return prefix + _replace_patient(reason[len(prefix) :], member, f"{member}'s")
    named = list(dict.fromkeys(s for s in risk_speakers if s in members))
    if len(named) == 1:
        return f"{named[0]}: " + _replace_patient(reason, named[0], f"{named[0]}'s")
    if named:
        return ", ".join(named) + ": " + _replace_patient(reason, "each of them", "their")
    return _replace_patient(reason, "each member", "each member's")
