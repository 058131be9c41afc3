"""The ConvoKit Transformer against real ConvoKit objects.

ConvoKit is heavy (PyTorch), so it is not in the main test environment: ``make test-convokit``
builds ``.venv-convokit`` with ``mentalize[convokit]`` and runs this file (``.ci/run`` does).
Elsewhere the module skips with that instruction.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest

convokit = pytest.importorskip(
    "convokit", reason="ConvoKit is not installed here; `make test-convokit` runs these tests"
)
from convokit import Corpus, Speaker, Utterance  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from mentalize.cli import app  # noqa: E402
from mentalize.errors import InputError  # noqa: E402
from mentalize.integrations.convokit import (  # noqa: E402
    CONVERSATION_FIELDS,
    UTTERANCE_FIELDS,
    MentalizeTransformer,
)


def build_corpus() -> Corpus:
    """Two conversations: c1 listed out of time order, with a role in each speaker's meta; c2
    ordered by its reply chain (no timestamps), with an empty utterance and risk language."""
    ther = Speaker(id="ther", meta={"role": "therapist"})
    pat = Speaker(id="pat", meta={"role": "patient"})
    pat2 = Speaker(id="pat2", meta={"role": "patient"})
    rows: list[tuple[str, Speaker, str, str | None, int | None, str]] = [
        ("u2", pat, "c1", "u1", 20, "I don't know, he just hates me. He always does this."),
        ("u1", ther, "c1", None, 10, "What do you think was going on for him?"),
        ("u3", ther, "c1", "u2", 30, "Mm. What makes you so sure? I wonder if you felt hurt."),
        ("u4", pat, "c1", "u3", 40, "Maybe. I was furious, I wanted to scream at him!"),
        ("v2", pat2, "c2", "v1", None, "I felt ashamed and I wondered if she was angry with me."),
        ("v1", ther, "c2", None, None, "How did it feel when she said that?"),
        ("v3", pat2, "c2", "v2", None, "   "),
        ("v4", ther, "c2", "v3", None, "It sounds like it hurt. Can we slow down a little?"),
        ("v5", pat2, "c2", "v4", None, "Sometimes I think about killing myself when she's cold."),
    ]
    utterances = [
        Utterance(
            id=uid,
            speaker=speaker,
            conversation_id=convo,
            reply_to=reply,
            timestamp=stamp,
            text=text,
        )
        for uid, speaker, convo, reply, stamp, text in rows
    ]
    return Corpus(utterances=utterances)


def mentalize_keys(meta: Any, prefix: str = "mentalize_") -> set[str]:
    return {k for k in meta if k.startswith(prefix)}


def same(value: Any, cell: str) -> bool:
    """A meta value against the batch CSV cell that holds the same column (docs/batch.md)."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, float):
        return math.isclose(value, float(cell), rel_tol=0, abs_tol=0)
    return str(value) == cell


def test_annotations_equal_a_batch_run_of_the_dumped_corpus(tmp_path: Path) -> None:
    corpus = build_corpus()
    result = MentalizeTransformer(model="markers", role_field="role").transform(corpus)
    assert result is corpus

    corpus.dump("therapy", base_path=str(tmp_path))
    out = tmp_path / "out"
    run = CliRunner().invoke(
        app,
        [
            "batch",
            str(tmp_path / "therapy"),
            "--out",
            str(out),
            "--workers",
            "1",
            "--markers-only",
            "--role-field",
            "role",
            "-q",
        ],
    )
    assert run.exit_code == 0, run.output
    with open(out / "turns.csv", newline="", encoding="utf-8") as handle:
        turns = list(csv.DictReader(handle))
    with open(out / "sessions.csv", newline="", encoding="utf-8") as handle:
        sessions = {row["source"].rsplit("#", 1)[1]: row for row in csv.DictReader(handle)}

    # Chronological order: timestamps for c1, the reply chain for c2; v3 has no text.
    expected_order = {"c1": ["u1", "u2", "u3", "u4"], "c2": ["v1", "v2", "v4", "v5"]}
    compared = 0
    for convo_id, utterance_ids in expected_order.items():
        rows = [t for t in turns if t["source"].endswith(f"#{convo_id}")]
        assert len(rows) == len(utterance_ids)
        for uid, row in zip(utterance_ids, rows, strict=True):
            meta = corpus.get_utterance(uid).meta
            for name in UTTERANCE_FIELDS:
                assert same(meta[f"mentalize_{name}"], row[name]), (uid, name)
                compared += 1
        convo_meta = corpus.get_conversation(convo_id).meta
        for name in CONVERSATION_FIELDS:
            assert same(convo_meta[f"mentalize_{name}"], sessions[convo_id][name]), name
    assert compared == 8 * len(UTTERANCE_FIELDS)

    assert mentalize_keys(corpus.get_utterance("v3").meta) == set()
    assert corpus.get_utterance("u1").meta["mentalize_role"] == "therapist"
    assert corpus.get_utterance("v5").meta["mentalize_risk"] != "none"
    assert corpus.get_conversation("c2").meta["mentalize_risk_flags"] >= 1


def test_fields_reach_convokit_dataframes_and_survive_a_reload(tmp_path: Path) -> None:
    corpus = MentalizeTransformer(model="markers", role_field="role").fit_transform(build_corpus())
    frame = corpus.get_utterances_dataframe()
    assert {f"meta.mentalize_{n}" for n in UTTERANCE_FIELDS} <= set(frame.columns)
    assert frame.loc["u2", "meta.mentalize_role"] == "patient"
    convos = corpus.get_conversations_dataframe()
    assert "meta.mentalize_calibration" in convos.columns

    corpus.dump("reloaded", base_path=str(tmp_path))
    again = Corpus(filename=str(tmp_path / "reloaded"))
    for uid in ("u1", "u2", "v5"):
        assert again.get_utterance(uid).meta["mentalize_arousal"] == pytest.approx(
            corpus.get_utterance(uid).meta["mentalize_arousal"]
        )


def test_roles_from_speaker_ids_selector_and_prefix() -> None:
    corpus = build_corpus()
    MentalizeTransformer(
        model="markers",
        therapists=("ther",),
        prefix="mz_",
        selector=lambda convo: convo.id == "c2",
    ).transform(corpus)
    assert corpus.get_utterance("v1").meta["mz_role"] == "therapist"
    assert corpus.get_utterance("v2").meta["mz_role"] == "patient"
    assert mentalize_keys(corpus.get_utterance("u1").meta, "mz_") == set()
    assert mentalize_keys(corpus.get_conversation("c1").meta, "mz_") == set()
    assert "mz_stance" in corpus.get_conversation("c2").meta


def test_missing_role_is_a_clear_error_and_changes_nothing() -> None:
    corpus = build_corpus()
    corpus.get_speaker("pat2").meta["role"] = None
    transformer = MentalizeTransformer(
        model="markers", role_field="role", selector=lambda convo: convo.id == "c2"
    )
    with pytest.raises(InputError, match="role"):
        transformer.transform(corpus)
    assert all(mentalize_keys(u.meta) == set() for u in corpus.iter_utterances())

    corpus.get_speaker("pat2").meta["role"] = "client"
    with pytest.raises(InputError, match="therapist, patient, other"):
        transformer.transform(corpus)
