"""What might fit next: closings and backchannels do not decide it, and a group names the member."""

from __future__ import annotations

import mentalize

BODY = (
    "T: How was it when your sister cancelled again?\n"
    "P: I'm absolutely furious!!! She ALWAYS does this, she knows it drives me mad, "
    "she did it on purpose to hurt me!\n"
    "T: That sounds really painful.\n"
    "P: It is! My heart is pounding just saying it, I can't stand it!\n"
)


def test_a_closing_turn_does_not_decide_what_fits_next():
    plain = mentalize.analyze_text(BODY)
    closed = mentalize.analyze_text(
        BODY + "T: We'll stop there for today.\nP: Okay, thanks, see you same time next week.\n"
    )
    assert closed.recommendation == plain.recommendation


def test_a_group_recommendation_names_the_member_who_needs_most_support():
    text = (
        "Facilitator: Where shall we start today?\n"
        "Maya: I'm absolutely furious!!! She ALWAYS does this, she knows it drives me mad, "
        "she did it on purpose to hurt me!\n"
        "Tom: I wondered whether she was just tired, maybe she didn't realise how it landed.\n"
        "Maya: It is! My heart is pounding just saying it, I can't stand it!\n"
        "Tom: I suppose I'd feel hurt too, though I'm not sure what was going on for her.\n"
    )
    analysis = mentalize.analyze_text(text)
    reason = analysis.recommendation.reason
    assert reason.startswith("Maya: "), reason
    assert analysis.recommendation.level == 1
