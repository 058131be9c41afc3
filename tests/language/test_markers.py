"""Each marker fires on what it names and stays quiet on a near miss."""

from __future__ import annotations

import pytest

from mentalize.language import MARKERS, read_markers
from mentalize.language.lexicon import tokenize

# (marker, text that should fire it, words expected in a span, near miss that should not)
CASES = [
    ("cognitive", "I think she was tired.", "think", "The thin blue line."),
    ("affective", "I felt so ashamed.", "ashamed", "The table is round."),
    ("desire", "I just wanted her to stay.", "wanted", "The wand broke."),
    ("intention", "I tried to explain it.", "tried to", "I tried the soup."),
    ("absolutist", "She always does this.", "always", "She usually does this."),
    ("booster", "Obviously she knew.", "Obviously", "Perhaps she knew."),
    ("hedge", "Maybe she was busy.", "Maybe", "She was busy."),
    ("intensity", "I was furious with him.", "furious", "I was curious about him."),
    ("swearing", "It was a fucking mess.", "fucking", "It was a funny mess."),
    ("bodily_activation", "My heart was pounding.", "heart was pounding", "My heart is in it."),
    ("catastrophising", "I ruined everything.", "ruined", "I tidied everything."),
    ("exclamation", "Stop it!", "!", "Stop it."),
    ("caps", "I KNOW what she did.", "KNOW", "I went to the NHS clinic."),
    ("repetition", "No, no, no, that's wrong.", "No, no, no", "No, that's wrong."),
    (
        "causal_link",
        "I snapped because I was ashamed.",
        "because",
        "The bus was late because of snow.",
    ),
    (
        "opacity",
        "I can't really know what she meant.",
        "can't really know",
        "I know what she meant.",
    ),
    (
        "perspective",
        "From her side it must have looked odd.",
        "From her side",
        "Beside her it looked odd.",
    ),
    (
        "change_over_time",
        "Looking back, I was scared.",
        "Looking back",
        "Looking at the back, I was there.",
    ),
    (
        "intent_certainty",
        "She did it to humiliate me.",
        "She did it to humiliate me",
        "She did it to help me.",
    ),
    (
        "global_attribution",
        "Everyone hates me.",
        "Everyone hates me",
        "Everyone came to the party.",
    ),
    (
        "feeling_as_fact",
        "I feel useless, so I am useless.",
        "I feel useless, so I am",
        "I feel useless today.",
    ),
    (
        "action_as_proof",
        "If he cared he would have called.",
        "If he cared",
        "He called me yesterday.",
    ),
    (
        "jargon",
        "My attachment style is rooted in my inner child.",
        "inner child",
        "My dog is a child at heart.",
    ),
    ("structural_label", "She's just lazy.", "She's just lazy", "She's just left."),
    ("blanking", "I don't know. It's blank.", "It's blank", "I know it well."),
    ("not_knowing", "I wonder what that was like.", "I wonder", "That was nice."),
    (
        "mental_state_question",
        "What was going through your mind?",
        "What was going through your mind",
        "What was going on outside?",
    ),
    ("validation", "That sounds really painful.", "That sounds", "That bus was full."),
    ("grounding", "Let's slow down a moment.", "slow", "The train slowed."),
    ("clarification", "So this was after the call?", "So this was", "Yes."),
    (
        "challenge",
        "Could there be another reason she didn't call?",
        "Could there be another",
        "She didn't call.",
    ),
    (
        "relationship",
        "Something happened between us just now.",
        "between us",
        "Something happened at work.",
    ),
    ("therapist_acknowledgement", "I think I got that wrong.", "I got", "I think that is right."),
    (
        "interpretation",
        "You're angry with me because I remind you of your father.",
        "I remind you of",
        "Your father called.",
    ),
    ("advice", "You should just tell him.", "You should", "You told him."),
    ("housekeeping", "See you next week.", "next week", "I saw her."),
    (
        "rupture_confrontation",
        "You don't care, you're paid to sit there.",
        "You don't care",
        "You care a lot.",
    ),
    ("rupture_withdrawal", "Forget it.", "Forget it", "Don't forget your keys."),
]


@pytest.mark.parametrize(("name", "text", "words", "near_miss"), CASES, ids=[c[0] for c in CASES])
def test_marker_fires_with_evidence_and_spares_near_miss(name, text, words, near_miss):
    found = read_markers(text)
    spans = found.of(name)
    assert spans, f"{name} did not fire on {text!r}"
    fired = [text[s.start : s.end] for s in spans]
    assert any(words in phrase for phrase in fired), fired
    assert not read_markers(near_miss).of(name), f"{name} fired on near miss {near_miss!r}"


def test_every_marker_is_registered_with_a_family_and_description():
    assert len(MARKERS) >= 35
    for spec in MARKERS.values():
        assert spec.family and spec.description and callable(spec.fn)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "…", "12345", "🙂🙂"])
def test_markers_do_not_raise_on_empty_or_odd_text(text):
    found = read_markers(text)
    assert found.word_count >= 0
    assert all(0 <= s.start <= s.end <= len(text) for s in found.spans)


def test_contractions_match_spelled_out_forms():
    assert read_markers("I do not want to talk about it").of("rupture_withdrawal")
    assert read_markers("I dont want to talk about it").of("rupture_withdrawal")
    assert read_markers("I don\u2019t want to talk about it").of("rupture_withdrawal")


def test_tokenize_keeps_offsets_of_whole_contraction():
    tokens = tokenize("I can't go")
    assert [t[0] for t in tokens] == ["i", "can", "not", "go"]
    assert tokens[1][1:] == tokens[2][1:] == (2, 7)


def test_shouting_is_not_flagged_when_whole_text_is_capitals():
    assert not read_markers("THERAPIST NOTES TYPED IN CAPITALS").of("caps")


def test_focus_attributes_states_to_people():
    assert read_markers("I felt scared.").of("focus_self")
    assert read_markers("She felt scared.").of("focus_other")
    assert read_markers("We both felt it between us.").of("focus_relationship")


def test_every_marker_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "markers.md").read_text()
    for spec in MARKERS.values():
        for name in spec.produces:
            assert f"`{name}`" in doc, name


def test_every_lexicon_states_its_source():
    from mentalize.language.lexicon import LEXICON_NAMES, load_lexicon

    for name in LEXICON_NAMES:
        lexicon = load_lexicon(name)
        assert len(lexicon.source) > 80, name
        assert lexicon.categories, name


def test_registered_evidence_names_match_the_lexicon_files():
    from mentalize.language.lexicon import load_lexicon
    from mentalize.language.markers import LEXICON_MARKERS

    for produced, (lexicon, category) in LEXICON_MARKERS.items():
        assert load_lexicon(lexicon)[category].marker == produced


def test_phrases_do_not_cross_sentence_ends():
    assert read_markers("That's the proof that he lied.").of("action_as_proof")
    assert not read_markers("It was the proof. That is all.").of("action_as_proof")


@pytest.mark.parametrize(
    "text",
    [
        "You're avoiding it.",
        "I think you shut down whenever we get close to something important.",
        "I think you read it forty times because you were looking for proof she hates you.",
        "You're doing it again, making it all about her.",
    ],
)
def test_knowing_stance_claims_are_interpretations(text):
    from mentalize.analysis.interventions import classify

    assert classify(read_markers(text)) == "interpretation"


@pytest.mark.parametrize(
    "text",
    [
        "I wonder if you might be avoiding it a little.",
        "Are you avoiding it?",
        "I'm asking you this because your safety matters.",
        "You felt hurt when she left.",
    ],
)
def test_tentative_or_ordinary_statements_are_not_interpretations(text):
    from mentalize.analysis.interventions import classify

    assert classify(read_markers(text)) != "interpretation"


def test_bare_dont_know_earns_no_tentativeness_credit_but_opacity_does():
    from mentalize.analysis.estimates import blanking, mentalizing

    bare = read_markers("I don't know. I don't know. It's blank.")
    opaque = read_markers("I don't know what she meant, maybe she was tired.")
    assert blanking(bare) >= 1 and blanking(opaque) == 0
    assert mentalizing(bare) < mentalizing(opaque)
