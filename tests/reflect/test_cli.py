"""``mentalize reflect``: the message check, the terminal journal, history, export, deletion,
and bad input."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentalize.cli import app

pytest.importorskip("argon2", reason="the journal needs mentalize[reflect] (argon2-cffi)")

runner = CliRunner()
PASS = "tea kettle sunrise"
ENTRY = (
    "She didn't answer all evening. She obviously did it on purpose, she always does this!!!\n"
    "My heart was pounding."
)


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost takes ~0.3 s per derivation; these tests derive many times."""
    from mentalize.reflect import vault

    monkeypatch.setattr(
        vault, "KDF_DEFAULTS", {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    )


def reflect(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["reflect", "--markers-only", *args], input=input)


def test_message_check_quotes_the_words_and_asks(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("You NEVER listen!!! You obviously did this on purpose, you always do.\n")
    result = reflect("--message", str(draft), "--data-dir", str(tmp_path / "j"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Sure about what the reader meant" in out and "“obviously”" in out
    assert "How might they read this?" in out
    assert "not a diagnosis" in out
    assert not (tmp_path / "j").exists()  # a message check stores nothing


def test_message_from_stdin(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["reflect", "--markers-only", "--message", "-"], input="Are we still on for Friday?\n"
    )
    assert result.exit_code == 0, result.output
    assert "Nothing in this draft stood out" in result.output


def test_risky_message_shows_help_first_and_nothing_else(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("If you leave I will kill myself. You ALWAYS do this!!!\n")
    lines = tmp_path / "lines.toml"
    lines.write_text('[[line]]\nname = "Clinic duty phone"\ncontact = "0161 000 0000"\n')
    result = reflect("--message", str(draft), "--crisis-lines", str(lines))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Help is available now")
    assert out.index("Clinic duty phone") < out.index("findahelpline.com")
    assert "“kill myself”" in out and "stopped" in out
    assert "Heat in the words" not in out and "Slowing down" not in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\x00" * 50, "binary"),
        (b"x" * 100_001, "longer than 100,000 characters"),
    ],
)
def test_bad_message_files_are_one_line_errors(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_bytes(content)
    result = reflect("--message", str(draft))
    assert result.exit_code == 2
    assert problem in result.output and result.output.count("\n") == 1


def test_missing_message_file_and_conflicting_modes(tmp_path: Path) -> None:
    result = reflect("--message", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2 and "file not found" in result.output
    result = reflect("--terminal", "--history")
    assert result.exit_code == 2 and "choose one of" in result.output
    result = reflect("--picture", str(tmp_path / "p.svg"))
    assert result.exit_code == 2 and "--picture goes with --history" in result.output


def test_terminal_journal_save_history_export_delete(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "journal"
    caplog.set_level(logging.DEBUG)
    typed = f"{ENTRY}\n.\npartner\ny\n{PASS}\n{PASS}\n"
    result = reflect("--terminal", "--data-dir", str(folder), input=typed)
    assert result.exit_code == 0, result.output
    assert "Slowing down first" in result.output  # high arousal: grounding first
    assert "Sure about what was in someone else's mind" in result.output
    assert "Saved, encrypted" in result.output
    assert len(list((folder / "entries").glob("*.entry"))) == 1

    # A second entry, not saved.
    result = reflect(
        "--terminal",
        "--data-dir",
        str(folder),
        input="We talked it through calmly. Maybe she was tired.\n.\n\nn\n",
    )
    assert result.exit_code == 0 and "Not saved." in result.output
    assert len(list((folder / "entries").glob("*.entry"))) == 1

    picture = tmp_path / "history.svg"
    result = reflect(
        "--history", "--picture", str(picture), "--data-dir", str(folder), input=f"{PASS}\n"
    )
    assert result.exit_code == 0, result.output
    assert "partner" in result.output and "Sure about what was in someone" in result.output
    assert picture.read_text().startswith("<svg")

    export = tmp_path / "export.json"
    result = reflect("--export", str(export), "--data-dir", str(folder), input=f"{PASS}\n")
    assert result.exit_code == 0 and "NOT encrypted" in result.output
    (entry,) = json.loads(export.read_text())["entries"]
    assert entry["text"] == ENTRY and entry["situation"] == "partner"
    assert "high_arousal" in entry["signs"]

    result = reflect("--delete-all", "--data-dir", str(folder), input="no\n")
    assert "Nothing was deleted." in result.output and (folder / "vault.json").exists()
    result = reflect("--delete-all", "--data-dir", str(folder), input="delete\n")
    assert result.exit_code == 0 and "Deleted 1 entry" in result.output
    assert not folder.exists()
    assert all("evening" not in r.getMessage() for r in caplog.records)


def test_wrong_passphrase_is_one_line_and_no_journal_is_clear(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    result = reflect("--history", "--data-dir", str(folder))
    assert result.exit_code == 2 and "no journal" in result.output
    reflect("--terminal", "--data-dir", str(folder), input=f"Hard day.\n.\n\ny\n{PASS}\n{PASS}\n")
    result = reflect("--history", "--data-dir", str(folder), input="not the passphrase\n")
    assert result.exit_code == 2
    assert "does not open this journal" in result.output


def test_mismatched_new_passphrases_save_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    result = reflect(
        "--terminal", "--data-dir", str(folder), input=f"Hard day.\n.\n\ny\n{PASS}\n{PASS}x\n"
    )
    assert result.exit_code == 2 and "differ" in result.output
    assert not folder.exists()
