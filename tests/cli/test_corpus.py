"""``mentalize corpus``: figures from label folders; one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.cli import app

pytest.importorskip("sklearn", reason="needs the research extra")
runner = CliRunner()


def _line(unit_id: str, mode: str) -> str:
    return json.dumps(
        {
            "id": unit_id,
            "role": "patient",
            "mode": mode,
            "rf_level": 2,
            "self_other": "self",
            "cognitive_affective": "affective",
            "internal_external": "internal",
            "automatic_controlled": "automatic",
            "arousal": 3,
            "valence": 2,
            "certainty_about_minds": 3,
            "strain": "none",
            "risk_present": "no",
            "confidence": 2,
        }
    )


def test_stats_prints_agreement_and_the_machine_assisted_note(tmp_path: Path) -> None:
    for name, modes in (
        ("pass-a", ["mentalizing", "concrete"]),
        ("pass-b", ["mentalizing", "pretend"]),
    ):
        folder = tmp_path / "annomi" / name
        folder.mkdir(parents=True)
        lines = [_line(f"annomi:1:{i}", mode) for i, mode in enumerate(modes)]
        (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["corpus", "stats", "--labels", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "| mode | 2 | 0.50 |" in result.output
    assert "Machine-assisted annotation" in result.output
    assert "awaiting_third_pass 1" in result.output


def test_a_bad_label_line_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "annomi" / "pass-a"
    folder.mkdir(parents=True)
    (folder / "b.jsonl").write_text(_line("annomi:1:0", "furious") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["corpus", "stats", "--labels", str(tmp_path)])
    assert result.exit_code == 2
    assert "b.jsonl:1: 'mode' must be one of" in result.output


def test_missing_folder_and_bad_transcript_ids_are_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["corpus", "stats", "--labels", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output
    result = runner.invoke(
        app, ["corpus", "batches", "--out", str(tmp_path / "b"), "--transcripts", "x-y"]
    )
    assert result.exit_code == 2 and "is not an id or a range" in result.output
    assert not (tmp_path / "b").exists()


def test_batches_of_written_sessions_by_author_or_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for author, session in (("a01", "s01"), ("a01", "s02"), ("a02", "s01")):
        folder = tmp_path / "data" / "corpus" / "written" / author
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"speaker": s, "text": "Mm."}) for s in ("T", "P", "T")]
        (folder / f"{session}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["corpus", "batches", "--out", "b", "--written", "a01:s02,a02", "--size", "10"]
    )
    assert result.exit_code == 0, result.output
    ids = [json.loads(x)["id"] for x in (tmp_path / "b" / "written-000.jsonl").open()]
    assert ids == [f"written:a01:s02:{i}" for i in (1, 2, 3)] + [
        f"written:a02:s01:{i}" for i in (1, 2, 3)
    ]


def test_batches_need_exactly_one_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["corpus", "batches", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2 and "give one of --transcripts" in result.output
    result = runner.invoke(
        app,
        ["corpus", "batches", "--out", str(tmp_path / "b"), "--written", "a01:s01:3"],
    )
    assert result.exit_code == 2 and "is not an author or author:session" in result.output
    assert not (tmp_path / "b").exists()


def test_stats_says_what_the_written_sessions_are(tmp_path: Path) -> None:
    labels = tmp_path / "labels" / "annomi" / "pass-a"
    labels.mkdir(parents=True)
    (labels / "b.jsonl").write_text(_line("annomi:1:0", "concrete") + "\n", encoding="utf-8")
    for author, setting in (("a01", "group"), ("a02", "couple")):
        folder = tmp_path / "written" / author
        folder.mkdir(parents=True)
        speakers = ["T", "P1", "P2"] * 14
        turns = "\n".join(json.dumps({"speaker": s, "text": "Mm."}) for s in speakers)
        (folder / "s01.jsonl").write_text(turns + "\n", encoding="utf-8")
        entry = {
            "session": "s01",
            "setting": setting,
            "presentation": "p",
            "patient": "adults",
            "therapist": "mixed",
            "register": "r",
            "turns": 42,
            "author_intent": [],
        }
        (folder / "manifest.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "corpus",
            "stats",
            "--labels",
            str(tmp_path / "labels"),
            "--written",
            str(tmp_path / "written"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 sessions, 84 turns, 2 authors" in result.output
    assert "individual 0, couple 1, family 0, parent 0, group 1" in result.output
    assert "mixed 2" in result.output
