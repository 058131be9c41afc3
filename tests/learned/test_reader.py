"""The trained MBT reader: shipped heads, evidence, independence from the batch, and session use."""

from __future__ import annotations

import numpy as np
import pytest

from mentalize import models
from mentalize.analysis.profile import reading_profiles
from mentalize.analysis.session import analyze_utterances, read_turns
from mentalize.language import read_markers
from mentalize.learned.heads import LinearHead
from mentalize.learned.reader import NOT_APPLICABLE, POLARITIES, MBTReading, ReaderHeads
from mentalize.research.corpus.labels import BY_NAME
from mentalize.transcript import Turn

needs_models = pytest.mark.skipif(
    not models.models_available(), reason="the models extra is not installed"
)


def _head(name: str, classes: tuple[str, ...], coef: np.ndarray, inputs: str = "own") -> LinearHead:
    width = coef.shape[1]
    return LinearHead(
        name=name,
        kind="classifier",
        classes=classes,
        mean=np.zeros(width),
        scale=np.ones(width),
        coef=coef,
        intercept=np.zeros(coef.shape[0]),
        meta={"inputs": inputs},
    )


def test_evidence_is_the_markers_that_pushed_the_chosen_value():
    """A marker that fired and raised the chosen class's logit is evidence; one that did not
    fire, or pushed the other way, is not."""
    from mentalize.learned.features import FEATURE_MARKERS
    from mentalize.learned.reader import EMBEDDING_WIDTH, _agreeing_markers

    width = EMBEDDING_WIDTH + len(FEATURE_MARKERS) + 6
    coef = np.zeros((3, width))
    hedge = EMBEDDING_WIDTH + FEATURE_MARKERS.index("hedge")
    booster = EMBEDDING_WIDTH + FEATURE_MARKERS.index("booster")
    opacity = EMBEDDING_WIDTH + FEATURE_MARKERS.index("opacity")
    coef[0, hedge] = 2.0  # hedges push towards class a
    coef[0, booster] = -2.0  # boosters push away from it
    coef[0, opacity] = 2.0  # would push towards a, but does not fire below
    head = _head("h", ("a", "b", "c"), coef)
    x = np.zeros(width)
    x[hedge], x[booster] = 1.0, 1.0
    assert _agreeing_markers(head, "a", x, x) == ("hedge",)
    assert "booster" in _agreeing_markers(head, "b", x, x)


def test_reader_reads_each_role_with_its_own_heads_and_leaves_other_roles_empty():
    rng = np.random.default_rng(0)
    width = 420

    def classifier(name: str, classes: tuple[str, ...]) -> LinearHead:
        return _head(name, classes, rng.normal(size=(len(classes), width)))

    def regressor(name: str) -> LinearHead:
        return LinearHead(
            name=name,
            kind="regressor",
            classes=(),
            mean=np.zeros(width),
            scale=np.ones(width),
            coef=rng.normal(size=(1, width)),
            intercept=np.zeros(1),
            meta={"inputs": "own", "low": 0, "high": 4},
        )

    heads = {
        "mbt_mode": classifier("mbt_mode", ("concrete", "mentalizing", "minimal")),
        "mbt_strain": classifier("mbt_strain", ("confrontation", "none", "withdrawal")),
        "mbt_intervention": classifier("mbt_intervention", ("advice", "other")),
        "mbt_stance": classifier("mbt_stance", ("knowing", "not_knowing", NOT_APPLICABLE)),
        "mbt_repair": _head("mbt_repair", ("no", "yes"), rng.normal(size=(1, width))),
        **{
            f"mbt_{p}": classifier(f"mbt_{p}", ("a", "balanced", NOT_APPLICABLE))
            for p in POLARITIES
        },
        **{
            f"mbt_{n}": regressor(f"mbt_{n}")
            for n in ("rf_level", "arousal", "valence", "certainty_about_minds", "level")
        },
    }
    assert ReaderHeads.available(heads)
    own = rng.normal(size=(3, width))
    found = ReaderHeads(heads).read(own, np.zeros((3, 384)), ["patient", "therapist", "other"])
    assert found[0].mode is not None and found[0].intervention is None
    assert found[1].intervention is not None and found[1].mode is None
    assert found[2] == MBTReading()
    assert found[1].repair_p is not None and 0.0 <= found[1].repair_p <= 1.0


@needs_models
def test_shipped_reader_reads_every_label_for_its_role():
    patient, therapist = (
        analyze_utterances(
            ["When he went out without saying, I got this drop in my stomach. I was scared."],
            model="learned",
        )[0],
        analyze_utterances(
            ["What do you make of what happened between us?"], role="therapist", model="learned"
        )[0],
    )
    assert patient.reading is not None and therapist.reading is not None
    r = patient.reading
    assert r.mode in BY_NAME["mode"].values
    assert r.rf_level is not None and 0 <= r.rf_level <= 4
    assert r.valence is not None and 1 <= r.valence <= 5
    assert set(r.polarities()) <= set(POLARITIES)
    assert r.intervention is None
    t = therapist.reading
    assert t.intervention == therapist.intervention  # the analyser reports the reader's move
    assert t.mode is None and t.mbt_level is not None and 1 <= t.mbt_level <= 4


@needs_models
def test_mode_evidence_names_only_markers_that_fired_in_the_turn():
    text = "He only said it to hurt me, I know exactly what he meant, he planned it all along."
    turn = analyze_utterances([text], model="learned")[0]
    assert turn.reading is not None
    fired = {name for name, count in read_markers(text).counts.items() if count}
    assert set(turn.reading.evidence_for("mode")) <= fired
    assert set(turn.reading.evidence_for("rf_level")) <= fired


@needs_models
def test_a_turns_reading_depends_on_its_conversation_not_on_the_batch():
    """The same turn after the same previous turn reads the same, whatever else is read with
    it; after a different previous turn it may read differently (that is the context)."""
    question = Turn("T", "What went through your mind when she left?")
    answer = Turn("P", "Nothing. I went home.")
    filler = [
        Turn("P", f"We talked about the garden and the weather on day {i}.") for i in range(9)
    ]
    alone, _, _ = read_turns([question, answer], ["therapist", "patient"], model="learned")
    crowded, _, _ = read_turns(
        [*filler, question, answer], ["patient"] * 9 + ["therapist", "patient"], model="learned"
    )
    assert alone[1].reading == crowded[-1].reading


@needs_models
def test_profiles_name_each_patient_and_count_poles_over_readable_turns():
    turns, _, _ = read_turns(
        [
            Turn("T", "How was the week?"),
            Turn("Maya", "I knew from her face she thinks I'm pathetic, she always has."),
            Turn("Tom", "Mm."),
            Turn("Tom", "I wondered if she was just tired, I'm not sure."),
        ],
        ["therapist", "patient", "patient", "patient"],
        model="learned",
    )
    profiles = {p.speaker: p for p in reading_profiles(turns)}
    assert set(profiles) == {"Maya", "Tom"}
    assert profiles["Tom"].turns == 1  # the backchannel is not read
    for profile in profiles.values():
        for counts in profile.polarities.values():
            assert sum(counts.values()) <= profile.turns
            assert NOT_APPLICABLE not in counts


def test_a_numbers_evidence_is_the_markers_that_raised_it():
    from mentalize.learned.features import FEATURE_MARKERS
    from mentalize.learned.reader import EMBEDDING_WIDTH, _agreeing_markers

    width = EMBEDDING_WIDTH + len(FEATURE_MARKERS) + 6
    coef = np.zeros((1, width))
    causal = EMBEDDING_WIDTH + FEATURE_MARKERS.index("causal_link")
    absolutist = EMBEDDING_WIDTH + FEATURE_MARKERS.index("absolutist")
    coef[0, causal], coef[0, absolutist] = 1.5, -1.5  # links raise the level, absolutes lower it
    head = LinearHead(
        name="mbt_rf_level",
        kind="regressor",
        classes=(),
        mean=np.zeros(width),
        scale=np.ones(width),
        coef=coef,
        intercept=np.zeros(1),
        meta={"inputs": "own", "low": 0, "high": 4},
    )
    x = np.zeros(width)
    x[causal], x[absolutist] = 1.0, 1.0
    assert _agreeing_markers(head, None, x, x) == ("causal_link",)
    # A reading below the middle of a bipolar scale (negative valence) is evidenced by the
    # markers that lowered it.
    assert _agreeing_markers(head, None, x, x, direction=-1.0) == ("absolutist",)


@needs_models
def test_valence_spectrum_level_and_stance_carry_their_evidence():
    """Every learned label a turn shows has an evidence entry (possibly empty: then the report
    says it was read from the whole turn), and only markers that fired are named."""
    patient_text = "I'm furious, I hate her, she always ruins everything and it's hopeless."
    therapist_text = "I wonder what was going on for you when she said that?"
    turns, _, _ = read_turns(
        [Turn("T", "How was it?"), Turn("P", patient_text), Turn("T", therapist_text)],
        ["therapist", "patient", "therapist"],
        model="learned",
    )
    patient, therapist = turns[1].reading, turns[2].reading
    assert patient is not None and therapist is not None
    assert patient.valence is not None and patient.valence < 3
    named = {reading for reading, _ in patient.evidence}
    assert {"mode", "rf_level", "arousal", "valence"} <= named
    fired = {n for n, c in read_markers(patient_text).counts.items() if c}
    assert patient.evidence_for("valence") and set(patient.evidence_for("valence")) <= fired
    therapist_named = {reading for reading, _ in therapist.evidence}
    assert {"intervention", "mbt_level"} <= therapist_named
    if therapist.stance is not None:
        assert "stance" in therapist_named
    fired = {n for n, c in read_markers(therapist_text).counts.items() if c}
    assert set(therapist.evidence_for("mbt_level")) <= fired
