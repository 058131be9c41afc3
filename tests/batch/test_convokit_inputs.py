"""ConvoKit corpus folders as batch input: read from the on-disk format, no ConvoKit import."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.batch import convokit_inputs
from mentalize.cli import app
from mentalize.errors import InputError

UTTERANCES = [
    # c1: written out of order; timestamps give the order.
    {
        "id": "u2",
        "speaker": "pat",
        "conversation_id": "c1",
        "reply-to": "u1",
        "timestamp": 20,
        "text": "I don't know, he just hates me.",
        "meta": {},
    },
    {
        "id": "u1",
        "speaker": "ther",
        "conversation_id": "c1",
        "reply-to": None,
        "timestamp": 10,
        "text": "What do you think was going on for him?",
        "meta": {},
    },
    {
        "id": "u3",
        "speaker": "ther",
        "conversation_id": "c1",
        "reply-to": "u2",
        "timestamp": 30,
        "text": "Mm. What makes you so sure?",
        "meta": {},
    },
    # c2: no timestamps; the reply chain gives the order.
    {
        "id": "v2",
        "speaker": "pat2",
        "conversation_id": "c2",
        "reply-to": "v1",
        "timestamp": None,
        "text": "I felt ashamed and I wondered if she was angry with me.",
        "meta": {},
    },
    {
        "id": "v1",
        "speaker": "ther",
        "conversation_id": "c2",
        "reply-to": None,
        "timestamp": None,
        "text": "How did it feel when she said that?",
        "meta": {},
    },
    {
        "id": "v3",
        "speaker": "pat2",
        "conversation_id": "c2",
        "reply-to": "v2",
        "timestamp": None,
        "text": "   ",
        "meta": {},
    },
]
SPEAKERS = {
    "ther": {"meta": {"role": "therapist"}, "vectors": []},
    "pat": {"meta": {"role": "patient"}, "vectors": []},
    "pat2": {"role": "patient"},
}


def make_corpus(folder: Path, utterances: list[dict] = UTTERANCES) -> Path:
    folder.mkdir()
    (folder / "utterances.jsonl").write_text(
        "".join(json.dumps(u) + "\n" for u in utterances), encoding="utf-8"
    )
    (folder / "speakers.json").write_text(json.dumps(SPEAKERS), encoding="utf-8")
    (folder / "conversations.json").write_text(
        json.dumps({"c1": {"meta": {}, "vectors": []}, "c2": {}}), encoding="utf-8"
    )
    (folder / "corpus.json").write_text("{}", encoding="utf-8")
    (folder / "index.json").write_text("{}", encoding="utf-8")
    return folder


def test_detects_corpus_by_its_files(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    assert convokit_inputs.is_corpus_dir(corpus)
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "utterances.jsonl").write_text("{}\n")
    assert not convokit_inputs.is_corpus_dir(lone)
    assert not convokit_inputs.is_corpus_dir(corpus / "utterances.jsonl")


def test_one_transcript_per_conversation_in_chronological_order(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    c1, c2 = convokit_inputs.read_conversations(corpus, role_field="role")
    assert c1.source.endswith("#c1") and c1.format == "convokit"
    assert [t.line for t in c1.turns] == [2, 1, 3]  # by timestamp
    assert [t.start for t in c1.turns] == [10.0, 20.0, 30.0]
    assert c1.roles == {"ther": "therapist", "pat": "patient"}
    assert [t.speaker for t in c2.turns] == ["ther", "pat2"]  # reply chain; empty text dropped
    assert c2.roles == {"ther": "therapist", "pat2": "patient"}


def test_reply_chain_through_an_empty_utterance_still_orders(tmp_path: Path) -> None:
    # v3 has no text and no role, but v4 replies to it: the chain v1 > v2 > v3 > v4 holds.
    reply = {
        "id": "v4",
        "speaker": "ther",
        "conversation_id": "c2",
        "reply-to": "v3",
        "timestamp": None,
        "text": "Can we slow down?",
        "meta": {},
    }
    corpus = make_corpus(tmp_path / "corpus", [reply, *UTTERANCES[3:]])
    (c2,) = convokit_inputs.read_conversations(corpus, role_field="role")
    assert [t.text for t in c2.turns] == [
        UTTERANCES[4]["text"],
        UTTERANCES[3]["text"],
        "Can we slow down?",
    ]


def test_a_conversation_of_empty_utterances_is_left_out(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", [UTTERANCES[0], UTTERANCES[5]])
    assert [t.source.rsplit("#", 1)[1] for t in convokit_inputs.read_conversations(corpus)] == [
        "c1"
    ]


def test_roles_from_speaker_ids_without_role_field(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    c1 = next(convokit_inputs.read_conversations(corpus, therapists=["ther"]))
    assert c1.roles == {"ther": "therapist", "pat": "patient"}


def test_bad_role_value_and_bad_json_name_file_and_line(tmp_path: Path) -> None:
    bad = [dict(UTTERANCES[0], meta={"role": "doctorish"})]
    corpus = make_corpus(tmp_path / "bad", bad)
    with pytest.raises(InputError, match=r"utterances.jsonl:1: .*'role'.*therapist, patient"):
        list(convokit_inputs.read_conversations(corpus, role_field="role"))
    broken = make_corpus(tmp_path / "broken")
    (broken / "utterances.jsonl").write_text('{"id": 1}\nnot json\n')
    with pytest.raises(InputError, match=r"utterances.jsonl:1: an utterance needs"):
        list(convokit_inputs.read_conversations(broken))


def test_units_hash_changes_only_for_edited_conversation(tmp_path: Path) -> None:
    first = {u.key: u.sha256 for u in convokit_inputs.expand(make_corpus(tmp_path / "a"), "role")}
    edited = [dict(u) for u in UTTERANCES]
    edited[0]["text"] = "I don't know."
    (tmp_path / "a" / "utterances.jsonl").write_text(
        "".join(json.dumps(u) + "\n" for u in edited), encoding="utf-8"
    )
    second = {u.key: u.sha256 for u in convokit_inputs.expand(tmp_path / "a", "role")}
    assert first.keys() == second.keys() and len(first) == 2
    changed = [k for k in first if first[k] != second[k]]
    assert len(changed) == 1


def test_batch_reads_a_corpus_folder(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    other = tmp_path / "one.txt"
    other.write_text("T: How was the week?\nP: Hard. I kept thinking she was angry.\n")
    out = tmp_path / "out"
    args = [
        "batch",
        str(corpus),
        str(other),
        "--out",
        str(out),
        "--workers",
        "1",
        "--markers-only",
        "--role-field",
        "role",
        "-q",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with open(out / "sessions.csv", newline="", encoding="utf-8") as handle:
        sessions = list(csv.DictReader(handle))
    assert [s["source"].rsplit("#", 1)[-1] for s in sessions] == [str(other), "c1", "c2"]
    assert {s["format"] for s in sessions} == {"text", "convokit"}
    with open(out / "turns.csv", newline="", encoding="utf-8") as handle:
        turns = list(csv.DictReader(handle))
    c1 = [t for t in turns if t["source"].endswith("#c1")]
    assert [t["speaker"] for t in c1] == ["ther", "pat", "ther"]
    assert [t["role"] for t in c1] == ["therapist", "patient", "therapist"]
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "3 unchanged skipped" in again.output


def test_batch_corpus_error_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", [dict(UTTERANCES[0], meta={"role": "x"})])
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["batch", str(corpus), "--out", str(out), "--role-field", "role", "-q"]
    )
    assert result.exit_code == 2
    assert "utterances.jsonl:1" in result.output and "hates me" not in result.output
    assert not out.exists()


def test_role_field_without_a_corpus_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "one.txt"
    other.write_text("T: Hello?\nP: Hi.\n")
    result = CliRunner().invoke(
        app, ["batch", str(other), "--out", str(tmp_path / "out"), "--role-field", "role"]
    )
    assert result.exit_code == 2 and "--role-field applies only" in result.output
    assert not (tmp_path / "out").exists()
