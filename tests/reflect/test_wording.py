"""Reflect's words against the not-knowing stance: every prompt a question or an invitation;
nothing says what the person or the other "really" feels; no labels, no diagnoses.

Checked twice: over every string in ``mentalize.reflect.wording`` and over every string a set of
varied entries and messages actually produce, so a prompt built anywhere else would be caught.
"""

from __future__ import annotations

import re

import pytest

from mentalize.reflect import wording
from mentalize.reflect.reading import Reflection, reflect
from mentalize.reflect.wording import INVITATION_OPENERS

#: Patterns no word of Reflect may hold (case-insensitive), with why.
FORBIDDEN = {
    r"\breally\b": "says what someone really feels or means",
    r"\bactually\b": "claims to know the truth behind the words",
    r"\bthe truth\b": "claims to know the truth",
    r"\byou are\b|\byou're\b": "labels the person",
    r"\bshould\b|\bmust\b|\bhave to\b": "a directive, not an invitation",
    r"\bobviously\b|\bclearly\b|\bof course\b": "certainty, the opposite of the stance",
    r"borderline|personality|disorder|narcissis|manipulat|toxic|abusive|gaslight": "a label",
    r"psychic equivalence|teleological|pretend mode|hypermentaliz|mentaliz": "clinical jargon",
    r"\bsymptom|\bpatholog|\bdysfunction": "clinical framing",
}
#: "not a diagnosis" is the one permitted use of the word.
DIAGNOSIS = re.compile(r"diagnos", re.IGNORECASE)


def _all_prompts() -> list[str]:
    prompts = [p for w in wording.SIGNS.values() for p in w.prompts]
    prompts += [*wording.JOURNAL_PROMPTS, *wording.MESSAGE_PROMPTS, *wording.STRENGTH_PROMPTS]
    prompts += list(wording.GROUNDING)
    return prompts


def _all_strings() -> list[str]:
    strings = _all_prompts()
    strings += [w.title for w in wording.SIGNS.values()]
    strings += [w.observation for w in wording.SIGNS.values()]
    strings += [
        value for name, value in vars(wording).items() if name.isupper() and isinstance(value, str)
    ]
    return strings


def is_question_or_invitation(prompt: str) -> bool:
    return prompt.rstrip().endswith("?") or prompt.startswith(INVITATION_OPENERS)


def check(text: str) -> list[str]:
    problems = [why for pattern, why in FORBIDDEN.items() if re.search(pattern, text, re.I)]
    if DIAGNOSIS.search(text) and "not a diagnosis" not in text:
        problems.append("speaks of diagnosis")
    return problems


@pytest.mark.parametrize("prompt", _all_prompts())
def test_every_prompt_is_a_question_or_an_invitation(prompt: str) -> None:
    assert is_question_or_invitation(prompt), prompt


@pytest.mark.parametrize("text", _all_strings())
def test_no_word_asserts_labels_or_diagnoses(text: str) -> None:
    assert check(text) == [], text


def test_observations_talk_about_the_words_not_the_person() -> None:
    for kind, w in wording.SIGNS.items():
        assert re.search(r"\bwords\b|\bwritten\b|^Here\b", w.observation, re.I), kind
        assert w.observation.endswith(":"), kind  # the quoted words follow


def test_the_checks_catch_what_they_are_for() -> None:
    # The rules must be able to fail: verdicts like these are refused.
    assert not is_question_or_invitation("He did it because he was jealous.")
    assert check("What does she really feel?")
    assert check("You are overreacting.")
    assert check("This looks like borderline thinking.")
    assert check("This could be a diagnosis.")


ENTRIES = [
    "She didn't answer all evening. She obviously did it on purpose to punish me, she always "
    "does this!!! Everyone leaves in the end.",
    "My heart was POUNDING. I was shaking, I can't breathe, this is the worst day ever.",
    "I feel like I'm worthless. If he cared he would have called.",
    "She thinks I'm stupid. She wants to leave. She hates my friends.",
    "I went to work, I came home, I cooked dinner. My brother shouted at me about the car.",
    "Maybe she was just tired. I'm not sure what was going on for her; I wonder if she felt "
    "ignored too.",
    "I don't want to be here anymore. I keep thinking about ending it.",
]
MESSAGES = [
    "You NEVER listen!!! You obviously did this on purpose, you always do.",
    "Are we still on for Friday? Let me know when suits you.",
    "If you cared you would have called. Everyone can see what you are like.",
]


def _shown(reflection: Reflection) -> list[tuple[str, bool]]:
    """Every string shown, with whether it is a prompt."""
    out: list[tuple[str, bool]] = [(p, True) for p in reflection.prompts]
    out += [(g, True) for g in reflection.grounding]
    for sign in (*reflection.signs, *reflection.strengths):
        out += [(sign.title, False), (sign.observation, False)]
        out += [(p, True) for p in sign.prompts]
    if reflection.risk is not None:
        out += [(reflection.risk.message, False), (reflection.risk.stopped, False)]
    out += [(reflection.caution, False), (reflection.empty_note, False)]
    return out


@pytest.mark.parametrize(
    ("text", "kind"), [(t, "journal") for t in ENTRIES] + [(m, "message") for m in MESSAGES]
)
def test_what_reflections_show_follows_the_rules(text: str, kind: str) -> None:
    reflection = reflect(text, kind, model="markers")  # type: ignore[arg-type]
    for shown, is_prompt in _shown(reflection):
        assert check(shown) == [], shown
        if is_prompt:
            assert is_question_or_invitation(shown), shown
