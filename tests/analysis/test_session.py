"""Session logic on the example sessions and on small hand-made ones."""

from __future__ import annotations

import dataclasses

import mentalize
from mentalize.analysis.results import MODES, NON_MENTALIZING_MODES


def _overlaps(episode, start: int, end: int) -> bool:
    return episode.start_turn <= end and start <= episode.end_turn


def test_attuned_session_breakdown_is_found_and_stepped_down(attuned):
    # examples/README.md: arousal rises from turn 9, breakdown 11-19, therapist steps down.
    matching = [e for e in attuned.episodes if _overlaps(e, 11, 19)]
    assert matching, attuned.episodes
    assert matching[0].therapist_response == "stepped_down"
    assert set(matching[0].modes) & {"psychic_equivalence", "teleological"}


def test_misattuned_session_breakdown_is_found_and_pushed_on(misattuned):
    matching = [e for e in misattuned.episodes if _overlaps(e, 7, 17)]
    assert matching, misattuned.episodes
    assert matching[0].therapist_response == "pushed_on"


def test_attuned_scores_higher_calibration_and_stance_than_misattuned(attuned, misattuned):
    assert attuned.session.calibration > misattuned.session.calibration
    assert attuned.session.stance > misattuned.session.stance


def test_misattuned_therapist_interprets_and_advises_attuned_does_not(attuned, misattuned):
    assert attuned.session.intervention_counts["interpretation"] == 0
    assert attuned.session.intervention_counts["advice"] == 0
    assert misattuned.session.intervention_counts["interpretation"] >= 2
    assert misattuned.session.intervention_counts["advice"] >= 2


def test_risk_language_in_attuned_session_is_flagged_with_words(attuned):
    turns = {f.turn for f in attuned.session.risk_flags if f.risk == "ideation"}
    assert 27 in turns
    flag = next(f for f in attuned.session.risk_flags if f.turn == 27)
    assert any("better off" in w for w in flag.words)
    assert attuned.turns[27].risk == "ideation"


def test_no_risk_flags_in_sessions_without_risk_language(misattuned, group):
    assert misattuned.session.risk_flags == ()
    assert group.session.risk_flags == ()


def test_rupture_repaired_in_attuned_not_in_misattuned(attuned, misattuned):
    assert any(r.turn == 39 for r in attuned.session.ruptures)
    assert any(r.rupture_turn == 39 and r.turn == 40 for r in attuned.session.repairs)
    assert any(7 <= r.turn <= 19 for r in misattuned.session.ruptures)
    assert misattuned.session.repairs == ()


def test_group_session_keeps_every_speaker_and_one_series_per_patient(group):
    patients = [s for s, role in group.speakers.items() if role == "patient"]
    therapists = [s for s, role in group.speakers.items() if role == "therapist"]
    assert therapists == ["Facilitator"]
    assert len(patients) >= 3
    assert {s.speaker for s in group.series} == set(patients)


def test_group_breakdown_attributed_to_the_right_member(group):
    # examples/README.md: Maya's breakdown around turns 16-22.
    maya = [e for e in group.episodes if e.speaker == "Maya"]
    assert any(_overlaps(e, 16, 22) for e in maya), group.episodes


def test_per_turn_fields_follow_roles(attuned):
    for turn in attuned.turns:
        assert 0 <= turn.arousal <= 1 and 0 <= turn.certainty <= 1 and 0 <= turn.mentalizing <= 1
        if turn.role == "patient":
            assert turn.mode in MODES and turn.intervention is None
        elif turn.role == "therapist":
            assert turn.intervention is not None and turn.mode is None
            assert turn.risk == "none"
        for e in turn.evidence:
            assert 0 <= e.start < e.end <= len(turn.text)


def test_episode_turns_are_patient_turns_in_non_mentalizing_modes(attuned, misattuned, group):
    for analysis in (attuned, misattuned, group):
        for e in analysis.episodes:
            assert analysis.turns[e.start_turn].role == "patient"
            assert analysis.turns[e.start_turn].mode in NON_MENTALIZING_MODES
            assert set(e.modes) <= NON_MENTALIZING_MODES
            for i in e.response_turns:
                assert analysis.turns[i].role == "therapist"


def test_calm_reflective_session_has_no_episode():
    text = "\n".join(
        [
            "T: What was going through your mind when she left?",
            "P: I think maybe I felt a bit hurt, because I'd hoped she would stay longer.",
            "T: Hurt. I wonder what it was like for her?",
            "P: I can't really know. Perhaps she was tired, she'd had a long week.",
            "T: That makes sense. What do you make of it now?",
            "P: Looking back, I think I assumed she didn't want to be there,"
            " and maybe that wasn't fair.",
        ]
    )
    analysis = mentalize.analyze_text(text)
    assert analysis.episodes == ()
    assert all(t.mode == "mentalizing" for t in analysis.patient_turns)
    assert analysis.recommendation.level >= 3


def test_escalation_with_interpretation_is_pushed_on_and_recommends_support():
    text = "\n".join(
        [
            "T: How was your week?",
            "P: Fine until Friday. He didn't even text me back. If he cared he would have called!",
            "T: You're angry because deep down you're afraid of abandonment,"
            " like with your father.",
            "P: No! He did it to humiliate me! I KNOW he doesn't care! Everyone always leaves!",
            "T: You should just tell him how you feel.",
            "P: Words mean nothing! My heart is pounding, I'm shaking, I can't fucking stand this!",
        ]
    )
    analysis = mentalize.analyze_text(text)
    assert len(analysis.episodes) == 1
    assert analysis.episodes[0].therapist_response == "pushed_on"
    assert analysis.recommendation.level == 1


def test_one_speaker_piece_of_writing_has_no_therapist_scores():
    analysis = mentalize.analyze_text(
        "Me: I keep thinking she hates me, but maybe she was just busy."
    )
    assert analysis.session.calibration is None and analysis.session.stance is None
    assert analysis.turns[0].role == "patient"


def test_progress_is_reported_up_to_the_total():
    calls = []
    text = "\n".join(f"{'T' if i % 2 else 'P'}: turn number {i}, I think." for i in range(1200))
    mentalize.analyze_text(text, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1200, 1200)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


COLD_CERTAINTY = [
    "T: What did you make of the photo?",
    "P: It is a conclusion, not a feeling. She did it on purpose to leave me out."
    " I know she doesn't want me there.",
    "T: That sounds painful to carry.",
    "P: Obviously they all think I'm boring. That's just the truth.",
]
"""Psychic-equivalent certainty about others' minds at low arousal, over two patient turns."""


def test_cold_certainty_without_arousal_is_a_breakdown():
    more = ["T: Mm.", "P: I know he's laughing at me too. That's a fact."]
    text = "\n".join([*COLD_CERTAINTY, *more])
    analysis = mentalize.analyze_text(text)
    assert len(analysis.episodes) == 1
    assert analysis.episodes[0].peak_arousal < 0.42  # found without raised arousal


def test_one_cold_turn_alone_is_not_an_episode():
    text = "\n".join(
        [
            "T: What did you make of it?",
            "P: She did it to humiliate me, I know she doesn't care.",
            "T: What else might have been going on for her?",
            "P: Maybe she was tired, I can't really know. I think I felt hurt because I'd hoped"
            " she would ask me.",
        ]
    )
    assert mentalize.analyze_text(text).episodes == ()


def test_a_run_of_pretend_mode_is_a_breakdown_without_arousal():
    """Pretend mode is mental-state talk cut loose from feeling: MBT reads a run of it as a
    collapse whose arousal is masked, not as mentalizing."""
    pretend = (
        "P: On some level it's about attachment patterns and the dynamics of projection, which"
        " fundamentally stem from my schemas in terms of the framework we discussed, conceptually."
    )
    text = "\n".join(
        [
            "T: What happened in you when she put the phone down?",
            pretend,
            "T: That's a lot of layers.",
            pretend.replace("conceptually", "theoretically"),
            "T: I'm getting a bit lost. Can we go back to the moment itself?",
        ]
    )
    analysis = mentalize.analyze_text(text, model="markers")
    assert [t.mode for t in analysis.turns if t.role == "patient"] == ["pretend", "pretend"]
    assert len(analysis.episodes) == 1
    assert analysis.episodes[0].modes == ("pretend",)
    assert analysis.episodes[0].peak_arousal < 0.42


def test_concrete_certainty_counts_only_when_it_is_about_minds():
    """Rigid certainty about someone's motives held in concrete talk ("he has been lying to me")
    is psychic equivalence; the same certainty about facts ("I've definitely never driven after
    drinking") is not a breakdown."""
    about_minds = "\n".join(
        [
            "T: What did you make of the transfer?",
            "P: He has been lying to me since the spring, absolutely, definitely. I have the"
            " statement.",
            "T: Have you considered another explanation?",
            "P: He is planning to leave me. Definitely, absolutely. I am describing facts.",
        ]
    )
    about_facts = "\n".join(
        [
            "T: Do you ever drive after drinking?",
            "P: Definitely not, never. I have never driven after a drink, absolutely never.",
            "T: Okay. And your friends?",
            "P: Definitely never, not once. Never ever in a car with a drunk driver.",
        ]
    )
    assert len(mentalize.analyze_text(about_minds, model="markers").episodes) == 1
    assert mentalize.analyze_text(about_facts, model="markers").episodes == ()


def test_rigid_certainty_is_read_from_the_words_whatever_the_model(monkeypatch):
    """The episode rules take rigid certainty from the markers: a learned head that pulls
    certainty toward the middle cannot hide the same cold collapse (it once did, on a held-out
    session)."""
    from mentalize.analysis import episodes

    text = "\n".join(COLD_CERTAINTY)
    found = mentalize.analyze_text(text, model="markers").episodes
    assert len(found) == 1
    real = episodes.find_episodes

    def with_blended_certainty(turns, series, intensities, rigidity=None, collapse=None):
        # What a head reading every turn as neutral (0.5) would blend the turns down to.
        blended = [dataclasses.replace(t, certainty=(t.certainty + 0.5) / 2) for t in turns]
        return real(blended, series, intensities, rigidity, collapse)

    monkeypatch.setattr("mentalize.analysis.session.find_episodes", with_blended_certainty)
    assert mentalize.analyze_text(text, model="markers").episodes == found


def test_flat_replies_carry_a_collapse_on_until_mentalizing_recovers():
    """Going blank twice with flat, short replies between is one quiet breakdown (MBT reads the
    flat run as the collapse going on), however many flat replies there are; a reply that
    mentalizes again ends it."""
    blank = "P: I don't know. It doesn't matter."
    flat = ["T: What happened next?", "P: He said next time. He gave me a mint."]
    text = "\n".join(
        ["T: What was the test like?", blank, *flat, *flat, *flat, "T: And then?", blank]
    )
    episodes = mentalize.analyze_text(text, model="markers").episodes
    assert [(e.start_turn, e.end_turn) for e in episodes] == [(1, 9)]
    recovered = [
        "T: What was that like?",
        "P: I think I was frightened, and maybe a bit ashamed, because I wanted him to be proud.",
    ]
    text = "\n".join(["T: What was the test like?", blank, *recovered, "T: And then?", blank])
    assert mentalize.analyze_text(text, model="markers").episodes == ()


def test_boosted_affirmations_are_not_a_cold_breakdown():
    """Two "for sure" replies are certainty about nothing in particular: cold collapse needs
    something about minds in it (a claim of intent, a feeling as fact, action as proof)."""
    text = "\n".join(
        [
            "T: Do you think those things might help?",
            "P: Yeah, for sure, definitely, absolutely.",
            "T: And your friends?",
            "P: Absolutely, definitely, for sure. Always.",
        ]
    )
    analysis = mentalize.analyze_text(text, model="markers")
    assert [t.mode for t in analysis.turns if t.role == "patient"] == [
        "psychic_equivalence",
        "psychic_equivalence",
    ]
    assert analysis.episodes == ()


def test_going_blank_under_pressure_is_a_breakdown_met_by_pushing():
    text = "\n".join(
        [
            "T: What was it like at the table with your dad?",
            "P: I don't know. Nothing. It's blank.",
            "T: You're avoiding it. What do you feel about him?",
            "P: I don't know. There's nothing there.",
            "T: I think you shut down whenever we get close to something important.",
            "P: Whatever. It doesn't matter.",
            "T: You should try to stay with the feeling.",
        ]
    )
    analysis = mentalize.analyze_text(text)
    assert len(analysis.episodes) == 1
    assert analysis.episodes[0].therapist_response == "pushed_on"


def test_evidence_is_scoped_to_the_role_whose_reading_it_explains():
    """Therapist-move markers ("have a seat", "let's pause") are not evidence on a patient turn,
    and patient-strain markers ("you don't care") are not evidence on a therapist turn."""
    from mentalize.language import read_markers

    patient_text = "Okay, have a seat, let's pause here for a moment."
    therapist_text = "You don't care about this at all, do you?"
    fired = {s.marker for s in read_markers(patient_text).spans} | {
        s.marker for s in read_markers(therapist_text).spans
    }
    assert {"housekeeping", "grounding", "rupture_confrontation"} <= fired  # the words do match
    analysis = mentalize.analyze_text(f"P: {patient_text}\nT: {therapist_text}\n")
    patient, therapist = analysis.turns
    assert not patient.evidence_for("housekeeping", "grounding")
    assert not therapist.evidence_for("rupture_confrontation")
    assert therapist.evidence_for("affective")  # other evidence stays
