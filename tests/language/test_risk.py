"""Risk language: surfaced when affirmed, not when negated or figurative."""

from __future__ import annotations

import pytest

from mentalize.language import read_markers
from mentalize.language.risk import classify_risk


def risk_of(text: str) -> str:
    return classify_risk(read_markers(text).spans)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sometimes I want to die.", "ideation"),
        ("I've been thinking about killing myself.", "ideation"),
        ("I can't stop thinking about killing myself.", "ideation"),
        ("Everyone would be better off without me.", "ideation"),
        ("I wished I could just disappear and not wake up.", "ideation"),
        ("I don't want to be alive anymore.", "ideation"),
        ("I've been having suicidal thoughts.", "ideation"),
        ("I cut myself again last night.", "self_harm"),
        ("I've been self-harming.", "self_harm"),
        ("I'm going to kill him.", "harm_to_others"),
        ("I wanted to hurt her so badly.", "harm_to_others"),
    ],
)
def test_affirmed_risk_is_flagged(text, expected):
    assert risk_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt myself.",
        "I'm not going to kill myself, I promise.",
        "I don't want to die.",
        "I'm not suicidal.",
        "No thoughts of suicide at all.",
        "I've never had thoughts of killing myself.",
        "This job is killing me.",
        "I'm dying to see the new film.",
        "That would be career suicide.",
        "I didn't mean to hurt her feelings.",
        "You asked about suicide and moved on.",
    ],
)
def test_negated_or_figurative_language_is_not_risk(text):
    assert risk_of(text) == "none"


def test_negated_risk_is_kept_as_visible_evidence():
    found = read_markers("I would never hurt myself.")
    assert [found.text[s.start : s.end] for s in found.of("risk_negated")] == ["hurt myself"]


def test_negation_does_not_reach_across_a_clause():
    assert risk_of("I'm not sure, but I want to die.") == "ideation"


# --- issue 14: kind, rung, time, scope and context --------------------------------------------

from mentalize.analysis.session import analyze_transcript  # noqa: E402
from mentalize.language.risk import read_risk  # noqa: E402
from mentalize.language.text import TextView  # noqa: E402
from mentalize.transcript import Transcript, Turn  # noqa: E402


def session(*turns: tuple[str, str]):
    roles = {s: ("therapist" if s == "T" else "patient") for s, _ in turns}
    return analyze_transcript(
        Transcript("<t>", tuple(Turn(s, t) for s, t in turns), "text", roles), model="markers"
    )


def lead(text: str):
    flagged = [r for r in read_risk(TextView(text)) if r.flagged]
    return flagged[0] if flagged else None


@pytest.mark.parametrize(
    ("text", "kind", "severity"),
    [
        ("I wanted to cut. I really, really wanted to.", "self_harm", "urge"),
        ("I scratched my arm. With my nails.", "self_harm", "act"),
        ("Sometimes I think it'd be easier not to wake up.", "ideation", "wish_to_be_dead"),
        ("I've started giving my things away, I won't need them.", "ideation", "plan"),
        ("I've been saving my tablets in a sock.", "ideation", "plan"),
        ("It's not that I don't want to kill myself.", "ideation", "active_thoughts"),
        ("I can't say I've never thought about killing myself.", "ideation", "active_thoughts"),
        ("I'm gonna do it this time, I've made my mind up.", "ideation", "intent"),
        ("I took an overdose when I was nineteen.", "ideation", "behaviour"),
        ("I slapped my girlfriend on Saturday.", "harm_to_others", "act"),
    ],
)
def test_everyday_wording_is_read_with_its_rung(text, kind, severity):
    reading = lead(text)
    assert reading is not None, text
    assert (reading.risk, reading.severity) == (kind, severity)
    assert [s for s in reading.evidence if s.marker == "risk"], "the words behind the flag"


@pytest.mark.parametrize(
    ("text", "asserted"),
    [
        ("I don't want to have an overdose.", "negated"),
        ("I test everything with the strips so I don't overdose.", "other"),
        ("OP is posting to Suicide Watch.", "reported"),
        ("My best mate told me she's been cutting again.", "reported"),
        ("If you were to commit suicide, please don't.", "reported"),
        ("What, like suicidal? Is that what you're asking?", "questioned"),
        ("That would be career suicide.", "figurative"),
        ("I'll fall and hurt myself if I don't use the stick.", "other"),
    ],
)
def test_mentions_that_are_not_the_speakers_risk_are_kept_unflagged(text, asserted):
    readings = read_risk(TextView(text))
    assert readings and not any(r.flagged for r in readings), text
    assert readings[0].asserted == asserted


@pytest.mark.parametrize(
    "text",
    [
        "This commute is killing me.",
        "I could murder a pizza.",
        "I carry naloxone in case one of the lads overdoses.",
    ],
)
def test_idioms_raise_nothing(text):
    assert not any(r.flagged for r in read_risk(TextView(text)))


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("Been sittin up nights thinkin about endin my life.", "ideation", "endin my life"),
        ("After my shift I just want to kill myself.", "ideation", "kill myself"),
        ("I looked up the fatal dose of my insulin.", "ideation", "fatal dose"),
        ("I won't pretend I haven't thought about hurting myself.", "self_harm", "hurting myself"),
        ("I can't deny I've thought about killing myself.", "ideation", "killing myself"),
        ("I'm givin my things away, I won't need them.", "ideation", "givin my things away"),
        ("During my night shift I thought about killing myself.", "ideation", "killing myself"),
    ],
)
def test_dialect_spelling_shift_work_and_double_denials_do_not_hide_risk(text, kind, words):
    """Round 6: a dropped g is read as the word it is (the evidence marks the typed letters),
    a sentence with "shift" is no longer taken for medical talk, "fatal dose" triggers its
    concept, and "won't pretend I haven't" counts both negatives."""
    reading = lead(text)
    assert reading is not None, text
    assert reading.risk == kind
    assert any(words in w for w in reading.words(text)), reading.words(text)


def test_someone_else_on_a_shift_stays_reported():
    assert lead("On my shift a patient tried to kill himself.") is None


def test_a_dialect_denial_is_a_denial():
    readings = read_risk(TextView("I'm not thinkin about killin myself."))
    assert readings and not any(r.flagged for r in readings)
    assert readings[0].asserted == "negated"


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("I've been thinkin aboot killin masel.", "ideation", "killin masel"),
        ("Ah'd like tae go tae sleep and no bother wakin up.", "ideation", "sleep and no bother"),
        ("Some mornings I'm gutted I woke up at all.", "ideation", "gutted I woke"),
        ("I keep thinking about disappearing. Not like moving away.", "ideation", "disappearing"),
        ("Don't see the point in being here no more.", "ideation", "point in being here"),
        ("The gun's in the cabinet. I've been thinking it'd be quick.", "ideation", "gun"),
        ("Been looking up exact amounts for my body weight.", "ideation", "body weight"),
        ("Did me arm again Tuesday. Not deep.", "self_harm", "arm again"),
        ("I picture my hands round the skipper's throat.", "harm_to_others", "throat"),
        ("My ex's new fella, I swear I'll do time for him.", "harm_to_others", "do time"),
        ("I'm gonnae kill masel.", "ideation", "kill masel"),
        ("It's not once I've wanted to kill myself, it's all the time.", "ideation", "kill"),
        ("I'll lamp him if he comes near her again.", "harm_to_others", "lamp him"),
    ],
)
def test_round_seven_wording_is_read(text, kind, words):
    """Round 7 (E1-E5 studied): Scots and Northern spellings are read as the standard words,
    and regret at waking, a disappearance said not to be a move, a gun "that'd be quick" and
    the pictures of harm that E1-E5 used are concepts."""
    reading = lead(text)
    assert reading is not None, text
    assert reading.risk == kind
    assert any(words in w for w in reading.words(text)), reading.words(text)


@pytest.mark.parametrize(
    "text",
    [
        "I've had black days, but I've never once wanted tae be deid.",
        "The young lad, he says tae me he'd be better aff at the bottom of the sea.",
        "I woke up late and was annoyed I woke up so late.",
        "They'll manage fine without me while I'm on holiday.",
        "We said goodbye properly at the airport before she emigrated.",
        "I took the whole week's tablets at once by mistake, the pharmacist sorted it.",
        "Picking at my skin again, the eczema is bad.",
        "Sorry I woke you last night.",
        "I prefer not being anywhere crowded.",
        "The kids do fine without me when I'm at work.",
        "I looked up how much paint it'd take for the bedroom.",
        "I asked the GP whether my tablets would be enough to manage the pain.",
        "My uncle takes his rifle out for the deer, he said it'd be quick.",
        "I did my legs again at the gym.",
        "I keep picturing him grabbing me by the throat, like that night.",
        "I played him at darts and battered him.",
        "I've said goodbye to the booze for good.",
    ],
)
def test_round_seven_wording_keeps_denials_and_everyday_talk_silent(text):
    """Everyday talk an outside review of round 7 found the first draft flagging."""
    assert not any(r.flagged for r in read_risk(TextView(text))), text


@pytest.mark.parametrize(
    "text",
    [
        "Friday I clock off for good, thirty years at the depot.",
        "This is probably my last session before I move to Leeds.",
        "I'm thinking about going off it, the side effects are awful.",
        "I drove my car into a tree last winter on the ice.",
        "I keep picturing slamming the door on him.",
        "I used the razor again this morning and nicked my chin.",
        "I just want everything to be over by Friday, the exams are killing me.",
        "I want to be with my husband, he went back to work.",
    ],
)
def test_round_six_concepts_leave_everyday_talk_alone(text):
    assert not any(r.flagged for r in read_risk(TextView(text))), text


def test_history_and_hypothetical_are_told_apart():
    assert lead("I used to cut when I was fifteen.").temporal == "past"
    assert lead("I don't cut anymore.").temporal == "past"
    assert lead("I cut again last night.").temporal == "current"
    assert lead("If she leaves me I'll end it.").temporal == "hypothetical"


def test_a_hedged_or_negative_reply_to_a_safety_question_is_read_with_it():
    unsafe = session(("T", "Do you feel safe going home tonight?"), ("P", "Not really."))
    assert unsafe.turns[1].risk == "ideation"
    assert unsafe.session.risk_flags[0].context_turn == 0
    denied = session(("T", "Have you thought of hurting yourself?"), ("P", "No, never."))
    assert denied.turns[1].risk == "none"
    assert denied.session.risk_denials[0].risk == "self_harm"


@pytest.mark.parametrize(
    ("question", "reply", "kind"),
    [
        (
            "Do you ever think about ending your life?",
            "Here and there. Mostly on the drive home.",
            "ideation",
        ),
        (
            "Have you thought about how or when you might do it?",
            "Saturday. When the kids are out.",
            "ideation",
        ),
        (
            "Last time you had thoughts of hurting Gary. Where's that at now?",
            "Worse, honestly.",
            "harm_to_others",
        ),
        ("Can you keep yourself safe until Thursday?", "I'd rather not promise that.", "ideation"),
        (
            "Are you still keeping the tablets you told me about?",
            "In the shoebox. Under the bed.",
            "ideation",
        ),
        (
            "How likely is it you'd act on those thoughts this week?",
            "Six. Seven on a bad night.",
            "ideation",
        ),
        (
            "When you say you want it to stop, do you mean you'd rather be dead?",
            "...Kind of. Yeah.",
            "ideation",
        ),
        (
            "Do you feel safe tonight, or do you mean you might try to end your life?",
            "Yeah. That.",
            "ideation",
        ),
        ("Do you feel safe going home tonight?", "I'm fine, but not tonight.", "ideation"),
        (
            "Do you feel safe going home tonight?",
            "I'm fine. I just can't promise anything.",
            "ideation",
        ),
        (
            "Do you feel safe going home tonight?",
            "I'm fine, I've got the pills sorted.",
            "ideation",
        ),
        ("Have you had thoughts of ending your life?", "Yes. I'm okay with it now.", "ideation"),
        ("Do you ever think about killing yourself?", "Yeah I'm good at hiding it.", "ideation"),
        (
            "Have you had thoughts of ending your life?",
            "Yeah. Nothing like this before.",
            "ideation",
        ),
        ("Have you had thoughts of ending your life?", "I'm not going to lie, yes.", "ideation"),
        (
            "Do you think about killing yourself?",
            "Lord, never stopped thinking about it.",
            "ideation",
        ),
        ("Will you promise me you won't hurt yourself this weekend?", "No.", "ideation"),
        (
            "Can you keep yourself safe tonight and not act on the urges?",
            "No, I can't.",
            "ideation",
        ),
        ("Do you feel safe, or are you having thoughts of ending your life?", "No.", "ideation"),
        ("What's stopping you from acting on those thoughts?", "Nothing.", "ideation"),
        (
            "Is anything stopping you from acting on those thoughts?",
            "Not even the kids.",
            "ideation",
        ),
        ("Have you had thoughts of ending your life?", "Yes. Is that bad?", "ideation"),
        ("Have you had thoughts of ending your life?", "Who doesn't?", "ideation"),
        ("Do you feel safe going home tonight?", "No. Can I stay here?", "ideation"),
        (
            "You said you didn't feel safe. Have you had thoughts of ending your life?",
            "Yes.",
            "ideation",
        ),
        ("I want you to stay safe. Have you had any urges to hurt yourself?", "Yes.", "self_harm"),
        ("Do you feel safe? I mean, are you thinking of killing yourself?", "Yes.", "ideation"),
        ("Are you feeling suicidal today?", "Not today, no. Yesterday I was.", "ideation"),
        ("Have you been cutting?", "Not since Tuesday.", "self_harm"),
        ("Have you been thinking about suicide?", "Nah, only when I'm drunk.", "ideation"),
        ("Have you been thinking about suicide?", "Nothing I'd act on.", "ideation"),
        (
            "Have you had these thoughts and had some intention of acting on them?",
            "Yes.",
            "ideation",
        ),
        ("Have you been thinking about how you might do this?", "Yes.", "ideation"),
        ("Are you still using the blades?", "Sometimes.", "self_harm"),
        ("What's the rope in your car for?", "Just in case.", "ideation"),
        ("Can I ask, have you been thinking about suicide?", "Yeah, a lot.", "ideation"),
        ("Have you thought about suicide? Is that okay to ask?", "Sometimes.", "ideation"),
        ("Do you want to live?", "Some days.", "ideation"),
        ("Have you made a plan?", "Sort of.", "ideation"),
        ("Do you think life is worth living?", "No.", "ideation"),
        ("Have you had thoughts of suicide?", "[crying] Yes.", "ideation"),
    ],
)
def test_a_reply_that_denies_nothing_is_shown_with_its_question(question, reply, kind):
    """A short reply to a question about risk or safety that is no clear denial discloses it,
    whatever its words: the clinician sees it beside the question it answers."""
    analysis = session(("T", question), ("P", reply))
    assert analysis.turns[1].risk == kind
    assert analysis.session.risk_flags[0].context_turn == 0


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("Are you having any thoughts of suicide at the moment?", "Goodness, no. Not at all."),
        ("Have you thought about hurting yourself?", "Lol no, I'm squeamish."),
        ("Any thoughts of ending things since the hearing?", "Not a one. Slept like a log."),
        ("Do you feel safe going home tonight?", "I'll be fine, honestly."),
        ("Have you been having thoughts of suicide?", "Not lately."),
        ("I'm going to ask you some questions about suicide now, is that okay?", "Sure."),
        ("Have you kept taking your medication?", "Mostly, yeah."),
        ("Do you still use your rifle for hunting?", "Every autumn."),
        ("How likely is it you'd actually apply for the job?", "Pretty likely."),
        ("Did you act on the feedback from your manager?", "Not yet, next week."),
        ("How is your mum doing since her overdose?", "Better, thanks."),
        ("When you overdosed in 2019, who found you?", "My mum."),
        ("Did your headache disappear?", "Mostly, it comes and goes."),
        ("Have you thought about ending your life?", "What do you mean?"),
        ("Have you thought about ending your life?", "[inaudible]"),
        ("Have you had thoughts of suicide?", "[crying] No."),
        ("Have you had thoughts of suicide?", "I haven't, no."),
        ("Will you promise me you won't hurt yourself this weekend?", "Yes, I promise."),
        ("Can you keep yourself safe tonight?", "I can."),
        ("What's stopping you from applying for the job?", "Money."),
        ("What keeps you going at work?", "Coffee."),
        ("How are the new pills, are they still helping?", "Yes."),
        ("When your friend died by suicide, did you go to the funeral?", "Yes."),
        ("Does it hurt your back when you bend?", "Sometimes."),
        ("Do you have any plans for when you leave?", "Not really."),
        ("Any urges to drink this week?", "A few."),
        ("Do you still have your medication?", "Yes."),
        ("Any thoughts of suicide this week?", "I'm fine, honestly."),
        ("Are you having any thoughts of dying?", "Only the usual. Nothing like that, no."),
        (
            "Is anything stopping you from acting on those thoughts?",
            "I'm not having those thoughts.",
        ),
        ("What did you have for tea?", "Beans on toast."),
    ],
)
def test_a_denial_or_an_answer_to_another_question_raises_nothing(question, reply):
    assert session(("T", question), ("P", reply)).turns[1].risk == "none"


@pytest.mark.parametrize(
    ("text", "asserted"),
    [
        ("What, like am I suicidal? Is that what you're getting at?", "questioned"),
        ("when u say dark thoughts do u mean like suicidal or wat", "other"),
        ("Me? Kill myself? God forbid. I'm sad, but not that sad.", "negated"),
        ("My classmate cuts, I saw her wrists in the changing room.", "reported"),
        ("My husband keeps saying if I don't come home he'll end it.", "reported"),
        ("I could cheerfully strangle my sister some days.", "figurative"),
        ("The intake paper asked about thoughts of suicide and I checked no.", "other"),
        ("The nurse followed the protocol for suicide risk.", "other"),
        ("What, you think I'm going to kill myself?", "questioned"),
    ],
)
def test_echoes_other_people_and_exasperation_are_kept_unflagged(text, asserted):
    readings = read_risk(TextView(text))
    assert readings and not any(r.flagged for r in readings)
    assert asserted in {r.asserted for r in readings}


@pytest.mark.parametrize(
    "text",
    [
        "think its time i went tbh the kids r better off wiv their dad",
        "If he shoves me one more time I swear I'll kill him. I'll wait for him after work.",
        "I rang my brother on Sunday to say goodbye. Properly goodbye.",
        "If he touches my daughter again I swear I'll kill him.",
        "One more time and I swear I'll kill him, he won't see it coming.",
        "Some days I could kill him. He deserves to die.",
        "You think I'm joking about killing myself? I'm not.",
        "So what, I want to die? Big deal, everyone does.",
        "I think she noticed the cuts on my arm.",
        "i swear he knows been cutting again",
        "My calorie intake is basically nothing now and honestly I want to die.",
        "I know where the ligature points are on this ward and I want to hang myself.",
        "Stuff the protocol, I want to kill myself.",
        "I put no effort in anymore, I want to die.",
        "u mean do i want to die? every day.",
        "Do I want to kill myself? Not this week, last week I did.",
        "Some days I could kill the baby, she never stops crying.",
        "Some days I could kill him. One day I will.",
        "I put never for the self-harm question but I cut last night.",
        "I go down to the shed and cut my arms.",
    ],
)
def test_the_speaker_stays_the_speaker(text):
    assert lead(text) is not None


def test_a_later_denial_never_clears_an_earlier_disclosure():
    analysis = session(
        ("P", "Some nights I hope I just don't wake up."),
        ("T", "Have you had thoughts of ending your life?"),
        ("P", "No. No, never."),
    )
    assert [f.turn for f in analysis.session.risk_flags] == [0]
    assert [d.turn for d in analysis.session.risk_denials] == [2]
    assert analysis.recommendation.level == 1
    assert "safety step" in analysis.recommendation.reason


def test_current_risk_anywhere_in_the_session_names_the_safety_step():
    turns = [("P", "I want to kill myself.")]
    for i in range(15):
        turns += [("T", "What was that like for you?"), ("P", f"I think I felt calmer by day {i}.")]
    analysis = session(*turns)
    assert "safety step" in analysis.recommendation.reason


def test_past_risk_alone_asks_about_now_without_taking_over():
    analysis = session(("P", "Years ago I tried to kill myself. Things are different now."))
    assert analysis.session.risk_flags[0].temporal == "past"
    assert "ask how things are now" in analysis.recommendation.reason


@pytest.mark.parametrize(
    ("split", "recall", "false_alarms"),
    [
        ("dev", 0.95, 0.05),
        ("dev2", 0.95, 0.05),
        ("dev3", 0.80, 0.05),
        ("dev4", 0.75, 0.05),
        ("dev5", 0.73, 0.07),
        ("dev6", 0.78, 0.06),
        ("dev7", 0.55, 0.03),
        ("dev8", 0.58, 0.06),
    ],
)
def test_development_probes_hold_their_figures(split, recall, false_alarms):
    """The dev probes were studied while writing the rules (dev2 to dev6 after each had been
    run once, blind; dev7 and dev8 after theirs): a guard
    against a change that silently loses what they cover, not a validation figure
    (docs/validation.md). Markers alone, so it holds without the models extra."""
    from pathlib import Path

    from mentalize.research.risk_probes import load_probes, score_probes

    folder = Path(__file__).resolve().parents[1] / "data" / "risk_probes" / split
    score = score_probes(load_probes(folder), model="markers")
    assert score.recall_current >= recall
    assert score.false_alarm_rate <= false_alarms


def test_the_recommendation_notes_when_safety_was_taken_up():
    analysis = session(
        ("P", "Some nights I hope I just don't wake up."),
        ("T", "Thank you for telling me. Are you safe tonight? Let's look at your crisis plan."),
        ("P", "Yeah. I think so. My sister is coming over."),
    )
    reason = analysis.recommendation.reason
    assert "safety was taken up at turn 2" in reason and "check again" in reason
