"""The batch tables' CSV is formula-safe (issue 18, finding 8): text cells from untrusted
transcripts (a turn's text, its speaker, the source file name) get a leading quote when a
spreadsheet would run them; numbers stay numbers, and Parquet keeps the text as it was."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.batch.writer import write_errors, write_table
from mentalize.cli import app

HYPERLINK = '=HYPERLINK("http://x","y")'


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_formula_in_a_turn_comes_out_quoted(tmp_path: Path) -> None:
    texts = [HYPERLINK, "+1 more thing", "\tindented", "I wonder why she said that."]
    source = tmp_path / "answers.jsonl"
    source.write_text("".join(json.dumps({"answer": t}) + "\n" for t in texts))
    out = tmp_path / "out"
    options = ["--texts", "--text-column", "answer", "--format", "csv", "--markers-only"]
    result = CliRunner().invoke(app, ["batch", str(source), *options, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = _rows(out / "turns.csv")
    assert [r["text"] for r in rows] == [
        "'" + HYPERLINK,
        "'+1 more thing",
        "'\tindented",
        "I wonder why she said that.",
    ]
    assert all(float(r["mentalizing"]) == float(r["mentalizing"]) for r in rows)  # still numbers


def test_text_cells_are_quoted_numbers_are_not(tmp_path: Path) -> None:
    columns = [("speaker", "string"), ("source", "string"), ("turn", "int"), ("score", "float")]
    columns += [("flag", "bool"), ("note", "string")]
    target = tmp_path / "t.csv"
    write_table(
        [
            {
                "speaker": "@admin",
                "source": "=cmd.csv",
                "turn": -3,
                "score": -0.25,
                "flag": True,
                "note": None,
            },
            {
                "speaker": "-2",
                "source": "\rx",
                "turn": 0,
                "score": 1.5,
                "flag": False,
                "note": "ok",
            },
        ],
        columns,  # type: ignore[arg-type]
        target,
        "csv",
    )
    assert _rows(target) == [
        {"speaker": "'@admin", "source": "'=cmd.csv", "turn": "-3", "score": "-0.25"}
        | {"flag": "true", "note": ""},
        {"speaker": "'-2", "source": "'\rx", "turn": "0", "score": "1.5"}
        | {"flag": "false", "note": "ok"},
    ]


def test_error_rows_are_quoted_too(tmp_path: Path) -> None:
    target = tmp_path / "errors.csv"
    write_errors([("=evil.txt", "-not a transcript"), ("fine.txt", "empty")], target)
    assert _rows(target) == [
        {"file": "'=evil.txt", "reason": "'-not a transcript"},
        {"file": "fine.txt", "reason": "empty"},
    ]


def test_parquet_keeps_the_text_unchanged(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "t.parquet"
    write_table(
        [{"text": HYPERLINK, "n": -1}], [("text", "string"), ("n", "int")], target, "parquet"
    )
    assert pq.read_table(target).to_pylist() == [{"text": HYPERLINK, "n": -1}]
