"""Therapist interventions: what counts as advice, and the moves a turn makes sentence by
sentence."""

from __future__ import annotations

import pytest

import mentalize
from mentalize.analysis.interventions import classify, moves
from mentalize.language import read_markers


@pytest.mark.parametrize(
    "text",
    [
        "Tell me more about that.",
        "Why don't you fill me in on what's been going on?",
        "What do you think you need to do next?",
        "Do you have an idea of where you might want to go with it?",
        "It sounds like you have to quit, for yourself.",
    ],
)
def test_invitations_and_reflected_obligations_are_not_advice(text):
    assert classify(read_markers(text)) != "advice"


@pytest.mark.parametrize(
    "text",
    [
        "You need to call her tonight.",
        "Tell him you are upset.",
        "Why don't you call her?",
        "Have you tried talking to your sister?",
        "I wonder, have you considered telling him?",
    ],
)
def test_directives_and_suggestions_stay_advice(text):
    assert classify(read_markers(text)) == "advice"


def test_a_turn_that_validates_then_explores_has_both_moves_in_order():
    text = "That sounds really frightening. What went through your mind when she left?"
    markers = read_markers(text)
    found = moves(markers, classify(markers))
    assert found == ("empathic_validation", "curious_question")


def test_moves_never_repeat_and_leave_out_other():
    text = "Okay. What did you feel? And what did you feel after that? See you next week."
    markers = read_markers(text)
    found = moves(markers, classify(markers))
    assert found == ("curious_question",)


def test_the_turns_intervention_is_always_among_its_moves():
    # One sentence alone reads differently from the whole (the rule order picks advice first).
    text = "I can see how hard this is. You should tell her how you feel."
    markers = read_markers(text)
    primary = classify(markers)
    found = moves(markers, primary)
    assert primary == "advice"
    assert found[0] == "empathic_validation" and "advice" in found


def test_a_greeting_has_no_moves():
    markers = read_markers("Good morning. Come in.")
    assert moves(markers, classify(markers)) == ()


def test_session_turns_carry_moves_only_for_therapists():
    analysis = mentalize.analyze_text(
        "Therapist: That sounds awful. What was going on for you when he shouted?\n"
        "Patient: I don't know. I just froze. It was horrible.\n"
    )
    therapist, patient = analysis.turns
    assert therapist.moves == ("empathic_validation", "curious_question")
    assert patient.moves == ()


def test_a_hedge_is_not_a_question_move_but_an_invitation_is():
    hedge = read_markers("I'm not sure what to say. You should get some rest.")
    assert not set(moves(hedge, classify(hedge))) & {"curious_question", "clarification"}
    invitation = read_markers("That must have hurt. Tell me more about what happened")
    assert "curious_question" in moves(invitation, classify(invitation))
