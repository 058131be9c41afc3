"""Role assignment: forcing, conventional labels, the question rule, groups and co-therapy."""

from __future__ import annotations

import pytest

from mentalize.errors import InputError
from mentalize.transcript import Transcript, from_pairs
from mentalize.transcript.readers import UNLABELLED, parse_transcript
from mentalize.transcript.roles import assign_roles, role_from_label


def roles_of(pairs: list[tuple[str, str]], therapists: tuple[str, ...] = ()) -> dict[str, str]:
    return dict(assign_roles(from_pairs(pairs, source="s.txt"), therapists).roles)


@pytest.mark.parametrize(
    "label",
    [
        "T",
        "th",
        "THERAPIST",
        "Counsellor",
        "counselor",
        "Clinician",
        "DR",
        "Dr.",
        "Dr. Shah",
        "doctor",
        "Interviewer",
        "Facilitator",
        "Therapist 1",
        "therapist_2",
        "Therapist B",
        "Co-therapist",
        "T1",
    ],
)
def test_therapist_labels(label: str) -> None:
    assert role_from_label(label) == "therapist"


@pytest.mark.parametrize(
    "label",
    ["P", "c", "CLIENT", "Patient", "Patient 2", "Client A", "client-b", "P3", "Participant"],
)
def test_patient_labels(label: str) -> None:
    assert role_from_label(label) == "patient"


@pytest.mark.parametrize(
    "label", ["NOTE", "Narrator", "interpreter", "TRANSLATOR", "system", "Unknown"]
)
def test_other_labels(label: str) -> None:
    assert role_from_label(label) == "other"


@pytest.mark.parametrize(
    "label", ["Maria", "Tom", "Therapist's friend", "Patient zero here", "Clients", "Drew"]
)
def test_names_are_not_role_labels(label: str) -> None:
    assert role_from_label(label) is None


def test_labels_give_roles_and_return_a_copy() -> None:
    transcript = from_pairs([("T", "How are you?"), ("P", "Fine.")])
    assigned = assign_roles(transcript)
    assert assigned.roles == {"T": "therapist", "P": "patient"}
    assert transcript.roles == {}
    assert assigned.turns == transcript.turns


def test_question_rule_picks_the_most_questioning_speaker() -> None:
    pairs = [
        ("Anna", "I had a hard week."),
        ("Ben", "What happened?"),
        ("Anna", "My sister called. Why would she?"),
        ("Ben", "How did you feel?"),
        ("Anna", "Angry."),
        ("Ben", "Angry... and underneath that?"),
    ]
    assert roles_of(pairs) == {"Anna": "patient", "Ben": "therapist"}


def test_question_rule_ignores_a_speaker_with_too_few_turns() -> None:
    """A single 'Really?' does not outrank a therapist who asks in most of many turns."""
    pairs = [
        ("Lee", "What brings you here?"),
        ("Sam", "Work."),
        ("Lee", "Tell me more?"),
        ("Sam", "It's a lot."),
        ("Lee", "What do you imagine he thought?"),
        ("Kim", "Really?"),
        ("Lee", "Mm."),
        ("Sam", "I don't know."),
    ]
    assert roles_of(pairs) == {"Lee": "therapist", "Sam": "patient", "Kim": "patient"}


def test_question_rule_uses_short_transcripts_too() -> None:
    assert roles_of([("Ana", "Hello?"), ("Bo", "Hi.")]) == {"Ana": "therapist", "Bo": "patient"}


def test_no_questions_means_no_guessed_therapist() -> None:
    assert roles_of([("Ana", "Hello."), ("Bo", "Hi.")]) == {"Ana": "patient", "Bo": "patient"}


def test_patient_label_with_unnamed_other_speaker() -> None:
    pairs = [("Dana", "What comes to mind?"), ("P", "Nothing."), ("Dana", "Nothing at all?")]
    assert roles_of(pairs) == {"Dana": "therapist", "P": "patient"}


def test_group_session_with_labelled_therapist() -> None:
    """Unlabelled speakers are group members once a therapist is known, questions or not."""
    pairs = [
        ("T", "Who wants to start?"),
        ("Maria", "Me? Why me?"),
        ("Jon", "Can I?"),
        ("Maria", "Go on?"),
        ("Lu", "ok"),
    ]
    assert roles_of(pairs) == {
        "T": "therapist",
        "Maria": "patient",
        "Jon": "patient",
        "Lu": "patient",
    }


def test_co_therapists_by_label() -> None:
    pairs = [
        ("Therapist 1", "Welcome."),
        ("Client A", "Hi."),
        ("Therapist 2", "What is on your mind?"),
        ("Client B", "Not much."),
    ]
    assert roles_of(pairs) == {
        "Therapist 1": "therapist",
        "Client A": "patient",
        "Therapist 2": "therapist",
        "Client B": "patient",
    }


def test_forcing_therapists_case_insensitively() -> None:
    pairs = [("Anna", "Why?"), ("Ben", "Because."), ("Cleo", "Hm."), ("T", "Yes.")]
    roles = roles_of(pairs, therapists=(" ben ", "CLEO"))
    assert roles == {"Anna": "patient", "Ben": "therapist", "Cleo": "therapist", "T": "patient"}


def test_forcing_keeps_explicit_other_labels() -> None:
    roles = roles_of([("Ana", "Hi"), ("NOTE", "tape ends"), ("Bo", "Yes")], therapists=("Bo",))
    assert roles == {"Ana": "patient", "NOTE": "other", "Bo": "therapist"}


def test_forcing_accepts_a_single_string() -> None:
    """A bare string is one label, not a sequence of one-letter labels."""
    transcript = assign_roles(from_pairs([("Ana", "Hi"), ("Bo", "Yes")]), therapists="Bo")
    assert transcript.roles == {"Ana": "patient", "Bo": "therapist"}


def test_forcing_an_unknown_name_lists_the_speakers() -> None:
    transcript = from_pairs([("Anna", "my secret words"), ("Ben", "Why?")], source="s.txt")
    with pytest.raises(InputError) as info:
        assign_roles(transcript, therapists=("Carl",))
    message = str(info.value)
    assert message.startswith("s.txt: ")
    assert "'Carl'" in message and "'Anna', 'Ben'" in message
    assert "secret" not in message


def test_one_speaker_is_a_patient_unless_labelled_therapist() -> None:
    assert roles_of([("Writer", "Dear diary?"), ("Writer", "More?")]) == {"Writer": "patient"}
    # README: "T" is a therapist label, alone or not (issue 19)
    assert roles_of([("T", "Only me.")]) == {"T": "therapist"}


def test_one_person_plus_a_note_is_still_one_speaker() -> None:
    assert roles_of([("NOTE", "page 1"), ("Ana", "Why?")]) == {"NOTE": "other", "Ana": "patient"}


def test_unlabelled_preamble_is_other() -> None:
    transcript = parse_transcript("Session 4\nT: Hi?\nP: Hello.")
    assert assign_roles(transcript).roles == {
        UNLABELLED: "other",
        "T": "therapist",
        "P": "patient",
    }


def test_text_note_line_becomes_other() -> None:
    transcript = assign_roles(parse_transcript("T: Hello?\nNote: see below\nP: Hi."))
    assert transcript.roles == {"T": "therapist", "Note": "other", "P": "patient"}


def test_every_speaker_gets_a_role() -> None:
    pairs = [(name, "Why?" if name == "E" else "ok") for name in "ABCDE" for _ in range(3)]
    roles = roles_of(pairs)
    assert set(roles) == set("ABCDE")
    assert roles["E"] == "therapist"
    assert sum(role == "therapist" for role in roles.values()) == 1


def test_empty_transcript() -> None:
    transcript = Transcript(source="s.txt", turns=(), format="text")
    assert assign_roles(transcript).roles == {}


# Issue 19: a therapist-only excerpt was read as a patient's monologue.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T: What happened then?\nT: And what did you make of it?", {"T": "therapist"}),
        ("Therapist: I wonder what she felt.", {"Therapist": "therapist"}),
        ("Dr. Shah: Shall we start?", {"Dr. Shah": "therapist"}),
        # T plus a note: the note stays other, T the therapist
        (
            "T: What now?\nNOTE: long silence\nT: Take your time.",
            {"T": "therapist", "NOTE": "other"},
        ),
        # T plus unlabelled opening lines
        (
            "(recording starts)\nT: Hello.\nT: How was the week?",
            {UNLABELLED: "other", "T": "therapist"},
        ),
        # T plus a name: the named speaker is the patient
        ("T: How was it?\nMaria: Awful.\nT: Awful how?", {"T": "therapist", "Maria": "patient"}),
        # unchanged: a lone unlabelled or patient voice is the patient's writing
        ("Maria: I wrote this down after the session.", {"Maria": "patient"}),
        ("P: I keep thinking about it.", {"P": "patient"}),
        ("Client: Why do I do this?", {"Client": "patient"}),
    ],
)
def test_a_lone_therapist_label_stays_the_therapist(text: str, expected: dict[str, str]) -> None:
    assert dict(assign_roles(parse_transcript(text)).roles) == expected


def test_therapist_only_file_analyses_as_therapist_turns(tmp_path) -> None:
    import mentalize

    path = tmp_path / "t_only.txt"
    path.write_text("T: What was that like for you?\nT: What do you think he felt?\n")
    analysis = mentalize.analyze(path)
    assert {turn.role for turn in analysis.turns} == {"therapist"}
