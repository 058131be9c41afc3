"""The command line: outputs, the summary, and one clean line for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mentalize.cli import app

from ..conftest import EXAMPLES

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_analyze_writes_json_and_html_and_prints_risk_first(tmp_path):
    out_json, out_html = tmp_path / "a.json", tmp_path / "a.html"
    result = run(
        "analyze",
        str(EXAMPLES / "attuned_session.txt"),
        "--json",
        str(out_json),
        "--html",
        str(out_html),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out_json.read_text())["schema"] == "mentalize.session/1"
    assert "<svg" in out_html.read_text()
    text = " ".join(result.output.split())
    assert (
        text.index("RISK LANGUAGE") < text.index("Breakdown episodes") < text.index("Calibration")
    )
    assert "not a diagnosis" in text


@pytest.mark.parametrize("name", ["misattuned_session.vtt", "group_session.csv"])
def test_analyze_reads_every_example_format(name):
    result = run("analyze", str(EXAMPLES / name))
    assert result.exit_code == 0, result.output


def test_therapist_option_forces_roles(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("Ann: How are you?\nBob: Fine, I think.\nAnn: What do you make of it?\n")
    out = tmp_path / "s.json"
    result = run("analyze", str(path), "--therapist", "Bob", "--json", str(out), "-q")
    assert result.exit_code == 0, result.output
    roles = {s["name"]: s["role"] for s in json.loads(out.read_text())["speakers"]}
    assert roles == {"Ann": "patient", "Bob": "therapist"}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "empty": ("empty.txt", b""),
    "whitespace": ("blank.txt", b"   \n\n  \n"),
    "binary": ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
    "not utf-8": ("latin.txt", "T: Ça va?\nP: Très mal, j'ai peur.\n".encode("cp1252")),
    "no speakers": ("prose.txt", b"It was a long day and nothing much happened.\nThe end.\n"),
    "bad csv": ("rows.csv", b"name,words\nT,hello\n"),
    "bad jsonl": ("rows.jsonl", b'{"speaker": "T", "text": "hi"}\n{not json}\n'),
    "bad vtt": ("cues.vtt", b"WEBVTT\n\n00:00:xx.000 --> 00:00:05.000\n<v T>Hello\n"),
    "rtf": ("session.rtf", b"{\\rtf1\\ansi T: hello\\par P: hi\\par}"),
    "rtf as txt": ("session.txt", b"{\\rtf1\\ansi T: hello\\par P: hi\\par}"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gives_one_line_naming_the_file_and_no_output(tmp_path, case):
    name, data = BAD_INPUTS[case]
    path = _write(tmp_path, name, data)
    out = tmp_path / "out.json"
    result = run("analyze", str(path), "--json", str(out))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("mentalize: error:") and name in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("name", ["session.rtf", "session.txt"])
def test_rtf_is_named_with_how_to_save_plain_text(tmp_path, name):
    path = _write(tmp_path, name, b"{\\rtf1\\ansi T: hello\\par P: hi\\par}")
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    result = run("analyze", str(path), "--json", str(out_json), "--html", str(out_html))
    assert result.exit_code == 2, result.output
    line = " ".join(result.output.split())
    assert f"{name}: is an RTF document" in line
    assert "Save As > Plain Text (.txt)" in line and "JSON" not in line
    assert not out_json.exists() and not out_html.exists()


def test_missing_file_and_directory_and_unknown_format(tmp_path):
    for args in (
        ["analyze", str(tmp_path / "nope.txt")],
        ["analyze", str(tmp_path)],
        ["analyze", str(EXAMPLES / "attuned_session.txt"), "--format", "docx"],
    ):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    import mentalize.transcript.readers as readers

    monkeypatch.setattr(readers, "MAX_BYTES", 100)
    path = _write(tmp_path, "big.txt", b"T: hello there\n" * 20)
    result = run("analyze", str(path))
    assert result.exit_code == 2
    assert "big.txt" in result.output
    assert "limit" in result.output.lower()


def test_unwritable_output_is_refused_before_any_work(tmp_path):
    result = run(
        "analyze",
        str(EXAMPLES / "attuned_session.txt"),
        "--json",
        str(tmp_path / "missing" / "a.json"),
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_error_messages_never_quote_the_transcript(tmp_path):
    secret = "my secret plan to leave"
    path = _write(tmp_path, "x.jsonl", ('{"speaker": "P", "text": 5}\n' + secret).encode())
    result = run("analyze", str(path))
    assert result.exit_code == 2
    assert secret not in result.output


def test_console_script_runs_as_a_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mentalize.cli", "analyze", str(tmp_path / "none.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def _commands(group: Any, prefix: str = "mentalize") -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        yield f"{prefix} {name}", command
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_summary_is_one_line() -> None:
    """The command lists print each docstring's first paragraph as written: a summary wrapped
    in the source printed as broken lines (reflect, serve, worker, users reset-mfa did)."""
    import typer.main

    found = dict(_commands(typer.main.get_command(app)))
    assert {"mentalize analyze", "mentalize reflect", "mentalize users reset-mfa"} <= set(found)
    for name, command in found.items():
        text = command.help or ""
        paragraphs = text.strip().split("\n\n")
        assert paragraphs[0] and "\n" not in paragraphs[0], name
        assert "``" not in text, name


def test_a_session_without_episodes_is_not_called_collapse_free(tmp_path: Path) -> None:
    """The analyser misses many breakdowns (docs/validation.md), so the summary never says there
    were none, only that none was marked."""
    calm = tmp_path / "calm.txt"
    calm.write_text("T: How was the week?\nP: Quite good. I think I was less tense.\n")
    result = CliRunner().invoke(app, ["analyze", str(calm)])
    assert result.exit_code == 0, result.output
    assert "No breakdown episode marked" in result.output
    assert "read the" in result.output and "transcript too" in result.output
