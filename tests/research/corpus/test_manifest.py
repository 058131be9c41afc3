"""The authors' manifests: each entry checked against its session file, bad ones named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentalize.errors import InputError
from mentalize.research.corpus.manifest import read_manifest


def _write(folder: Path, lines_in_file: int, entry: dict[str, object] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    turns = lines_in_file
    speakers = ["T", "P"] * (turns // 2) + ["T"] * (turns % 2)
    lines = [json.dumps({"speaker": s, "text": "Mm."}) for s in speakers]
    (folder / "s01.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    record = {
        "session": "s01",
        "setting": "individual",
        "presentation": "borderline",
        "patient": "30s woman",
        "therapist": "attuned",
        "register": "British",
        "turns": turns,
        "author_intent": [{"first_turn": 12, "last_turn": 19, "what": "collapse"}],
    }
    record.update(entry or {})
    (folder / "manifest.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")


def test_a_good_manifest_reads_with_the_authors_intent(tmp_path: Path) -> None:
    _write(tmp_path / "a01", 44)
    [entry] = read_manifest(tmp_path / "a01")
    assert (entry.author, entry.session, entry.turns) == ("a01", "s01", 44)
    assert entry.intent[0].first_turn == 12 and entry.intent[0].last_turn == 19


@pytest.mark.parametrize(
    ("turns", "entry", "message"),
    [
        (44, {"turns": 45}, "'turns' is 45; s01.jsonl has 44"),
        (30, {}, "a session has 40-70 turns"),
        (44, {"setting": "online"}, "'setting' must be one of individual"),
        (44, {"therapist": "kind"}, "'therapist' must be one of attuned"),
        (
            44,
            {"author_intent": [{"first_turn": 40, "last_turn": 50, "what": "x"}]},
            "within 1-44",
        ),
        (44, {"session": "s02"}, "no session file s02.jsonl"),
    ],
)
def test_a_bad_entry_is_one_error_naming_the_field(
    tmp_path: Path, turns: int, entry: dict[str, object], message: str
) -> None:
    _write(tmp_path / "a01", turns, entry)
    with pytest.raises(InputError, match=message):
        read_manifest(tmp_path / "a01")


def test_labels_are_compared_inside_and_outside_the_authors_stretches(tmp_path: Path) -> None:
    from mentalize.research.corpus.stats import intent_contrast

    _write(tmp_path / "written" / "a01", 44)  # stretch 12-19; P speaks on even turns
    base = {
        "role": "patient",
        "rf_level": "not_applicable",
        "self_other": "not_applicable",
        "cognitive_affective": "not_applicable",
        "internal_external": "not_applicable",
        "automatic_controlled": "not_applicable",
        "arousal": 3,
        "valence": 3,
        "certainty_about_minds": "not_applicable",
        "strain": "none",
        "risk_present": "no",
        "confidence": 2,
    }
    lines = []
    for turn in (12, 14, 30, 32):
        mode = "psychic_equivalence" if turn in (12, 14) else "minimal"
        record = {"id": f"written:a01:s01:{turn}", "mode": mode, **base}
        if mode == "psychic_equivalence":
            record["rf_level"] = 0
        lines.append(json.dumps(record))
    for name in ("pass-a", "pass-b"):
        folder = tmp_path / "labels" / name
        folder.mkdir(parents=True)
        (folder / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = intent_contrast(tmp_path / "written", tmp_path / "labels")
    assert "| inside intended stretches | patient | 2 | 100% |" in table
    assert "| outside | patient | 2 | 0% |" in table
