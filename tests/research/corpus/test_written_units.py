"""Written sessions as coding units: ids, roles, speakers in couples and groups, batch lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentalize.errors import InputError
from mentalize.research.corpus.batches import write_batches
from mentalize.research.corpus.units import CONTEXT_TURNS, written_units


def _session(folder: Path, name: str, turns: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"speaker": s, "text": t}) for s, t in turns]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


COUPLE = [
    ("T", "What happened when you got home?"),
    ("P1", "He was on his phone. Again."),
    ("P2", "I was answering my sister."),
    ("P1", "You always say that."),
    ("T", "Can we slow down here for a moment?"),
    ("P2", "Fine."),
]


def test_units_carry_author_session_turn_and_the_speaker(tmp_path: Path) -> None:
    _session(tmp_path / "a02", "s01", COUPLE)
    _session(tmp_path / "a01", "s03", [("T", "How was the week?"), ("P", "Long.")])
    units = written_units(tmp_path)
    assert [u.id for u in units[:2]] == ["written:a01:s03:1", "written:a01:s03:2"]
    couple = [u for u in units if u.group == "written:a02"]
    roles = ["therapist", "patient", "patient", "patient", "therapist", "patient"]
    assert [u.role for u in couple] == roles
    last = couple[-1]
    assert last.speaker == "P2" and last.id == "written:a02:s01:6"
    assert len(last.context) == CONTEXT_TURNS
    assert last.context_speakers == ("P1", "P2", "P1", "T")
    assert [role for role, _ in last.context] == ["patient", "patient", "patient", "therapist"]


def test_a_batch_line_names_who_speaks_in_the_target_and_the_context(tmp_path: Path) -> None:
    _session(tmp_path / "written" / "a02", "s01", COUPLE)
    units = written_units(tmp_path / "written")
    [path] = write_batches(units, tmp_path / "batches", size=50, prefix="written")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[3]["speaker"] == "P1" and lines[3]["text"] == "You always say that."
    assert [c["speaker"] for c in lines[3]["context"]] == ["T", "P1", "P2"]
    assert list(lines[3]) == ["id", "role", "speaker", "context", "text"]


def test_a_speaker_who_is_no_person_is_refused_by_line(tmp_path: Path) -> None:
    _session(tmp_path / "a01", "s01", [("T", "Hello."), ("NOTE", "door bangs"), ("P", "Hi.")])
    with pytest.raises(InputError, match=r"s01.jsonl.*2.*T or a patient"):
        written_units(tmp_path)


def test_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        written_units(tmp_path / "absent")
