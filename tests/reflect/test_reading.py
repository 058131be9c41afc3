"""What Reflect reads in a journal entry or a draft message, and what it quotes."""

from __future__ import annotations

import pytest

from mentalize.reflect.help import DEFAULT_LINES, CrisisLine
from mentalize.reflect.reading import Reflection, reflect

HEATED = (
    "She didn't answer my texts. She obviously did it on purpose to punish me, she always "
    "does this. Everyone leaves in the end.\n\n"
    "My heart was pounding and I was shaking!!! I'm worthless. If she cared she would have "
    "called."
)
CALM = (
    "We disagreed about the holiday. Maybe she was worried about money; I'm not sure what was "
    "going on for her. Looking back, I think I was hurt that she didn't ask me first."
)


def kinds(reflection: Reflection) -> list[str]:
    return [s.kind for s in reflection.signs]


def assert_quotes_point_into(text: str, reflection: Reflection) -> None:
    for sign in (*reflection.signs, *reflection.strengths):
        assert sign.quotes, sign.kind
        for q in sign.quotes:
            assert text[q.start : q.end] == q.words, (sign.kind, q)


def test_a_heated_certain_entry_shows_its_signs_with_the_words() -> None:
    r = reflect(HEATED, model="markers")
    assert r.risk is None
    assert {
        "high_arousal",
        "certainty_about_minds",
        "all_or_nothing",
        "feelings_as_facts",
        "proof_by_action",
    } <= set(kinds(r))
    assert kinds(r)[0] == "high_arousal"
    assert r.high_arousal and r.grounding  # grounding offered, coming back later suggested
    assert any("later" in g for g in r.grounding)
    certainty = next(s for s in r.signs if s.kind == "certainty_about_minds")
    assert "did it on purpose" in [q.words for q in certainty.quotes]
    # Quotes in the second paragraph carry offsets into the whole text.
    arousal = next(s for s in r.signs if s.kind == "high_arousal")
    assert any(q.start > HEATED.index("\n\n") for q in arousal.quotes)
    assert_quotes_point_into(HEATED, r)
    assert r.counts == {k: 1 for k in kinds(r)}


def test_a_calm_tentative_entry_gets_questions_not_signs() -> None:
    r = reflect(CALM, model="markers")
    assert r.risk is None and not r.grounding
    assert r.signs == ()
    assert r.strengths and "Maybe she" in [q.words for q in r.strengths[0].quotes]
    assert len(r.prompts) == 3
    assert_quotes_point_into(CALM, r)


def test_mind_stuck_on_the_other_quotes_sentences() -> None:
    text = "She thinks I'm useless. She wants to leave me. She hates my friends and my job."
    r = reflect(text, model="markers")
    sign = next(s for s in r.signs if s.kind == "mind_on_other")
    assert sign.quotes[0].words == "She thinks I'm useless."
    assert_quotes_point_into(text, r)


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking I should just kill myself. Maybe she is tired of me.",
        "Last night I cut myself again after the call.",
        "I'm so angry I could hurt him, I want to make him pay!!!",
        "I would never kill myself, but I feel so tired.",  # negated: help is shown anyway
    ],
)
def test_risk_language_shows_help_first_and_stops_the_reading(text: str) -> None:
    local = (CrisisLine("Local line", "0800 000 000", "test"),)
    r = reflect(text, model="markers", lines=local + DEFAULT_LINES)
    assert r.risk is not None
    assert r.risk.lines[0].name == "Local line"
    assert any(line.contact.startswith("https://findahelpline.com") for line in r.risk.lines)
    assert r.risk.quotes and all(text[q.start : q.end] == q.words for q in r.risk.quotes)
    assert r.signs == () and r.strengths == () and r.prompts == () and r.grounding == ()


def test_risk_uses_the_default_lines_when_none_are_given() -> None:
    r = reflect("I want to die.", model="markers")
    assert r.risk is not None and r.risk.lines == DEFAULT_LINES


def test_message_check_points_at_claims_about_the_reader() -> None:
    text = "You NEVER listen!!! You obviously don't care, you always do this."
    r = reflect(text, "message", model="markers")
    assert {"heat", "reader_motives", "all_or_nothing"} <= set(kinds(r))
    assert "How might they read this?" in [p for s in r.signs for p in s.prompts]
    assert_quotes_point_into(text, r)


def test_message_without_a_reader_addressed_makes_no_claim_about_them() -> None:
    r = reflect("He obviously did it on purpose. Typical.", "message", model="markers")
    assert "reader_motives" not in kinds(r)


def test_a_plain_message_stands_out_for_nothing() -> None:
    r = reflect(
        "Are we still on for Friday? Let me know what suits you.", "message", model="markers"
    )
    assert r.signs == () and r.empty_note and r.prompts


def test_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        reflect("  \n\n ", model="markers")


def test_a_stretch_of_time_is_not_quoted_as_all_or_nothing() -> None:
    text = "She didn't answer all evening, the whole day in fact. She ignores me all the time."
    r = reflect(text, model="markers")
    (sign,) = [s for s in r.signs if s.kind == "all_or_nothing"]
    assert [text[q.start :].startswith("all the time") for q in sign.quotes] == [True]


def test_someone_elses_risk_and_everyday_wording_bring_help_first():
    """Issue 14: a friend's self-harm and risk said in everyday words both put the help lines
    first, with the words that prompted them."""
    from mentalize.reflect.reading import reflect

    friend = reflect("My best mate has been cutting again and I don't know what to do.")
    assert friend.risk is not None and any("cutting" in q.words for q in friend.risk.quotes)
    saving = reflect("I've been saving my tablets in a sock at the back of the wardrobe.")
    assert saving.risk is not None and saving.signs == ()
