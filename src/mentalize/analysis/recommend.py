"""What would fit next: a level of the MBT spectrum for the current state of the session.

Levels (Bateman & Fonagy 2016): 1 empathic validation and support; 2 clarification, affect
identification and elaboration, challenge; 3 basic mentalizing (stop, rewind, explore,
alternative perspectives); 4 mentalizing the relationship. The current state is read from the
last few readable turns of each patient; risk language always comes first.

What is read: backchannels, turns the trained reader reads as too short to show anything
(``minimal``) and short closing turns ("Yeah. See you then.") say nothing about the state of
mentalizing, so they are left out; otherwise a session's goodbye decided what fits next. In a
group, each member who spoke near the end is read apart, the member who needs the most support
decides, and the reason names them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mentalize.analysis.results import (
    NON_MENTALIZING_MODES,
    Recommendation,
    Repair,
    RiskFlag,
    Rupture,
    TurnAnalysis,
)

LABELS = {
    1: "Empathic validation and support",
    2: "Clarification, affect identification and elaboration",
    3: "Basic mentalizing: stop, rewind and explore",
    4: "Mentalizing the relationship",
}
RECENT = 3
CLOSING_MAX_WORDS = 12
_CLOSING = re.compile(
    r"\b(?:see\s+you|bye|goodbye|take\s+care|next\s+(?:week|time|session)|same\s+time|"
    r"thank(?:s|\s+you)|cheers|have\s+a\s+good)\b",
    re.IGNORECASE,
)
"""A short turn that closes the session rather than says anything about minds."""
GROUP_WINDOW = 6
"""Readable patient turns at the end of a session whose speakers are read in a group."""
_SAFETY = re.compile(
    r"\b(?:crisis\s+plan|safe|safety|hurt(?:ing)?\s+yourself|harm(?:ing)?\s+yourself|"
    r"end(?:ing)?\s+your\s+life|kill(?:ing)?\s+yourself|suicid\w*|not\s+wak\w+\s+up)\b",
    re.IGNORECASE,
)
"""A therapist turn that takes up safety after a disclosure."""


def _turns(indices: Sequence[int]) -> str:
    """ "turn 4" or "turns 28, 30": 1-based, as the report and the terminal number turns."""
    numbers = ", ".join(str(i + 1) for i in indices)
    return f"turn {numbers}" if len(indices) == 1 else f"turns {numbers}"


def recommend(
    turns: Sequence[TurnAnalysis],
    risk_flags: Sequence[RiskFlag],
    ruptures: Sequence[Rupture],
    repairs: Sequence[Repair],
) -> Recommendation:
    readable = [t for t in turns if _tells_state(t)]
    speakers = list(dict.fromkeys(t.speaker for t in readable[-GROUP_WINDOW:]))
    current_risk = [f for f in risk_flags if f.temporal != "past"]
    if current_risk:
        turn_list = _turns([f.turn for f in current_risk])
        addressed = [
            t.index
            for t in turns
            if t.role == "therapist" and t.index > current_risk[0].turn and _SAFETY.search(t.text)
        ]
        if addressed:
            return Recommendation(
                1,
                LABELS[1],
                f"Risk disclosed ({turn_list}); safety was taken up at "
                f"{_turns(addressed[:3])}. The safety step stays first: "
                "before the session ends, check again how safe the patient is now, that the "
                "crisis plan is in hand, and follow your service's risk protocol.",
            )
        return Recommendation(
            1,
            LABELS[1],
            f"Risk disclosed ({turn_list}): the safety step comes first. Ask directly "
            "about it now, go through the crisis plan together and follow your service's risk "
            "protocol; support, do not explore, until safety is addressed.",
        )
    history = [f for f in risk_flags if f.temporal == "past"]
    history_note = (
        f"Past risk was disclosed ({_turns([f.turn for f in history])}): ask how things are now. "
        if history
        else ""
    )
    if not readable:
        return Recommendation(
            1,
            LABELS[1],
            "No readable patient turns: start by engaging and "
            "validating before asking for reflection.",
        )
    if len({t.speaker for t in readable}) == 1:
        return _for_turns(readable[-RECENT:], ruptures, repairs, history_note)
    found = [
        (
            speaker,
            _for_turns(
                [t for t in readable if t.speaker == speaker][-RECENT:],
                [r for r in ruptures if r.speaker == speaker],
                repairs,
                history_note,
            ),
        )
        for speaker in speakers
    ]
    speaker, chosen = min(found, key=lambda pair: pair[1].level)
    return Recommendation(chosen.level, chosen.label, f"{speaker}: {chosen.reason}")


def _tells_state(turn: TurnAnalysis) -> bool:
    """A patient turn that says something about the state of mentalizing."""
    if turn.role != "patient" or turn.minimal:
        return False
    if turn.reading is not None and turn.reading.mode == "minimal":
        return False
    closing = len(turn.text.split()) <= CLOSING_MAX_WORDS and _CLOSING.search(turn.text)
    return not closing


def _for_turns(
    recent: Sequence[TurnAnalysis],
    ruptures: Sequence[Rupture],
    repairs: Sequence[Repair],
    history_note: str,
) -> Recommendation:
    """The level for one patient's last readable turns (no current risk)."""
    arousal = sum(t.arousal for t in recent[-2:]) / len(recent[-2:])
    mentalizing = sum(t.mentalizing for t in recent) / len(recent)
    modes = [t.mode for t in recent if t.mode in NON_MENTALIZING_MODES]
    last_mode = recent[-1].mode
    repaired = {r.rupture_turn for r in repairs}
    open_rupture = next((r for r in reversed(ruptures) if r.turn not in repaired), None)
    if arousal >= 0.6:
        return Recommendation(
            1,
            LABELS[1],
            f"{history_note}Arousal is high ({arousal:.2f} over the last "
            "turns): slow down, validate the feeling, keep interventions short "
            "and simple, and wait before exploring.",
        )
    if (
        len(modes) >= 2
        or (last_mode in NON_MENTALIZING_MODES and recent[-1].arousal >= 0.4)
        or arousal >= 0.45
    ):
        described = ", ".join(sorted({m.replace("_", " ") for m in modes})) or "raised arousal"
        return Recommendation(
            2,
            LABELS[2],
            f"{history_note}Mentalizing is unsteady ({described}; arousal "
            f"{arousal:.2f}): clarify what happened and identify the feeling "
            "before asking for alternative perspectives.",
        )
    if open_rupture is not None and mentalizing >= 0.4:
        return Recommendation(
            4,
            LABELS[4],
            f"{history_note}Arousal is low and the strain at turn "
            f"{open_rupture.turn + 1} has not been repaired: explore together "
            "what happened between you, owning your part.",
        )
    if mentalizing >= 0.6 and arousal < 0.3:
        return Recommendation(
            4,
            LABELS[4],
            f"{history_note}Mentalizing is steady and arousal low: there is room "
            "to look at what is happening between you and the patient.",
        )
    return Recommendation(
        3,
        LABELS[3],
        f"{history_note}Arousal is moderate to low ({arousal:.2f}) and the "
        "patient is mentalizing: rewind to the moment it became difficult and "
        "explore it, with alternative perspectives.",
    )
