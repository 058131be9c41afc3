"""Episode cards a supervisor can discuss (issue 19): a long episode is quoted around its onset,
peak and turning points, each named, with gaps that say how many turns are left out; risk turns
inside are always quoted. Analyses are built by hand so these tests pin the card, not the
analyser (the last test reads the misattuned example end to end)."""

from __future__ import annotations

import re

from mentalize.analysis.results import Episode, Phase, RiskFlag, TurningPoint
from mentalize.report import render_html
from mentalize.report.episode_quotes import POINT_WORDS, QUOTE_LIMIT
from tests.report.test_report import FIXED, make_analysis, make_turn

LENGTH = 200
START, END = 11, 181
POINTS = (
    TurningPoint(11, "onset"),
    TurningPoint(91, "peak"),
    TurningPoint(121, "goes_quiet"),
    TurningPoint(141, "flares"),
    TurningPoint(184, "step_in"),
    TurningPoint(185, "recovery"),
)


def dyad(risk_at: tuple[int, ...] = ()):
    """Therapist on even turns, patient on odd ones; ``risk_at`` turns carry risk language."""
    return [
        make_turn(i, "Therapist", "therapist", f"therapist words {i}", intervention="challenge")
        if i % 2 == 0
        else make_turn(
            i,
            "Patient",
            "patient",
            f"patient words {i}",
            arousal=0.8,
            mentalizing=0.1,
            mode="psychic_equivalence",
            risk="ideation" if i in risk_at else "none",
        )
        for i in range(LENGTH)
    ]


def long_episode(**changes: object) -> Episode:
    fields: dict[str, object] = {
        "speaker": "Patient",
        "start_turn": START,
        "end_turn": END,
        "peak_arousal": 0.95,
        "modes": ("psychic_equivalence",),
        "therapist_response": "pushed_on",
        "response_turns": (*range(START + 1, END, 2), END + 1),
        "peak_turn": 91,
        "recovery_turn": 185,
        "turning_points": POINTS,
        "phases": (Phase(11, 119, 91), Phase(141, 181, 151)),
    }
    fields.update(changes)
    return Episode(**fields)  # type: ignore[arg-type]


def card_of(document: str) -> str:
    return document[document.index('<article class="card episode">') : document.index("</article>")]


def quoted(card: str) -> dict[int, str]:
    """1-based turn number -> the tag the card gives it ("" when none)."""
    out = {}
    for block in card.split('<div class="u ')[1:]:
        number = int(re.search(r'href="#turn-(\d+)"', block).group(1))
        tag = re.search(r'<span class="tag">(.*?)</span>', block)
        out[number] = tag.group(1) if tag else ""
    return out


def gaps(card: str) -> list[int]:
    return [int(n) for n in re.findall(r'<p class="gap">… (\d+) turns? not quoted', card)]


def test_a_long_episode_is_quoted_around_its_turning_points_within_a_bound():
    card = card_of(render_html(make_analysis(dyad(), episodes=(long_episode(),)), generated=FIXED))
    shown = quoted(card)
    assert len(shown) <= QUOTE_LIMIT
    assert len(shown) < END - START  # not the whole span
    first, last = min(shown), max(shown)
    assert len(shown) + sum(gaps(card)) == last - first + 1  # every turn quoted or counted
    for point in POINTS:
        number = point.turn + 1
        assert POINT_WORDS[point.kind] in shown[number], (point, shown.get(number))
    peak = 91 + 1
    assert {peak - 1, peak, peak + 1} <= set(shown)  # what led into the peak and what answered


def test_turning_points_are_named_in_words_and_phases_listed():
    card = card_of(render_html(make_analysis(dyad(), episodes=(long_episode(),)), generated=FIXED))
    for words in ("collapse begins", "peak", "therapist steps in", "recovers"):
        assert words in card
    assert "It flared in 2 phases" in card
    assert "No calm return" not in card  # a recovery was read


def test_risk_turns_inside_the_episode_are_always_quoted():
    inside, outside = 57, 197  # far from every turning point; the second after the episode
    analysis = make_analysis(
        dyad(risk_at=(inside, outside)),
        episodes=(long_episode(),),
        risk_flags=tuple(
            RiskFlag(turn=i, speaker="Patient", risk="ideation", words=("words",))
            for i in (inside, outside)
        ),
    )
    shown = quoted(card_of(render_html(analysis, generated=FIXED)))
    assert "risk language" in shown[inside + 1]
    assert outside + 1 not in shown


def test_a_short_episode_is_quoted_whole():
    episode = long_episode(
        start_turn=3,
        end_turn=7,
        response_turns=(4, 6, 8),
        peak_turn=5,
        recovery_turn=None,
        turning_points=(TurningPoint(3, "onset"), TurningPoint(5, "peak")),
        phases=(Phase(3, 7, 5),),
    )
    card = card_of(render_html(make_analysis(dyad(), episodes=(episode,)), generated=FIXED))
    assert set(quoted(card)) == {4, 5, 6, 7, 8, 9}
    assert gaps(card) == []
    assert "No calm return to mentalizing was read before the session ended." in card


def test_an_episode_from_an_older_file_claims_no_turning_points():
    episode = long_episode(peak_turn=None, recovery_turn=None, turning_points=(), phases=())
    card = card_of(render_html(make_analysis(dyad(), episodes=(episode,)), generated=FIXED))
    assert "Turning points" not in card and "No calm return" not in card
    shown = quoted(card)
    assert "collapse begins" in shown[START + 1]
    assert len(shown) <= QUOTE_LIMIT


def test_the_misattuned_example_card_quotes_its_points_not_the_whole_session(misattuned):
    (ep,) = misattuned.episodes
    card = card_of(render_html(misattuned, generated=FIXED))
    shown = quoted(card)
    span = max((ep.end_turn, *ep.response_turns)) - ep.start_turn + 1
    assert len(shown) < span / 2
    for point in ep.turning_points:
        assert POINT_WORDS[point.kind] in shown[point.turn + 1]


def test_a_risk_answer_inside_an_episode_is_marked_in_its_card() -> None:
    """ "Yes." to a safety question keeps its risk words only in the flag, not in the turn's
    markers; the card must still mark them, as the full transcript does."""
    from mentalize.analysis.entrypoints import analyze_text
    from mentalize.analysis.results import Episode
    from mentalize.report.sections import _episode_turns

    analysis = analyze_text(
        "T: How have things been since last week?\n"
        "P: Everything fell apart, he always does this, I know he wants to hurt me!\n"
        "T: Have you had thoughts of ending your life?\n"
        "P: Yes.\n"
        "T: Thank you for telling me.\n",
        model="markers",
    )
    assert [f.turn for f in analysis.session.risk_flags] == [3]
    episode = Episode(
        speaker="P",
        start_turn=1,
        end_turn=3,
        peak_arousal=0.8,
        modes=("psychic_equivalence",),
        therapist_response=None,
        response_turns=(2,),
    )
    by_index = {t.index: t for t in analysis.turns}
    card = _episode_turns(episode, by_index, analysis)
    assert '<mark class="mk-risk"' in card and ">Yes</mark>" in card
