"""Session-level records (codebook 3.4-3.6): parsing, matching, adjudication, the shipped files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentalize.research.corpus.session_records import (
    SESSIONS_DIR,
    RecordError,
    SessionRecord,
    adjudicate,
    build_final,
    parse_record,
    read_records,
    record_agreement,
    unmatched,
)

REPO = Path(__file__).resolve().parents[2]


def _episode(first: int, last: int, response: str = "stepped_down", confidence: int = 2):
    return SessionRecord("episode", first, last, value=response, confidence=confidence)


def _rupture(first: int, last: int, kind: str = "confrontation", repair: int | None = None):
    return SessionRecord("rupture", first, last, value=kind, repair=repair, confidence=2)


def test_a_line_of_each_kind_parses() -> None:
    episode = parse_record(
        {"episode": 1, "first_id": "t22", "last_id": "t24", "therapist_response": "pushed_on",
         "confidence": 3},
        "x",
    )  # fmt: skip
    assert (episode.kind, episode.first, episode.last, episode.value) == (
        "episode",
        22,
        24,
        "pushed_on",
    )
    rupture = parse_record(
        {"rupture": 1, "speaker": "P2", "first_id": "t5", "last_id": "t5", "kind": "withdrawal",
         "repair_id": "t7", "confidence": 2},
        "x",
    )  # fmt: skip
    assert (rupture.speaker, rupture.repair, rupture.value) == ("P2", 7, "withdrawal")
    assert parse_record({"repair": "t30", "confidence": 1}, "x").kind == "repair"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            {"episode": 1, "first_id": "22", "last_id": "t24", "therapist_response": "mixed"},
            "turn id",
        ),
        (
            {"episode": 1, "first_id": "t9", "last_id": "t4", "therapist_response": "mixed"},
            "before",
        ),
        ({"episode": 1, "first_id": "t1", "last_id": "t4", "therapist_response": "calm"}, "one of"),
        ({"rupture": 1, "first_id": "t1", "last_id": "t1", "kind": "anger"}, "one of"),
        ({"first_id": "t1", "last_id": "t1"}, "episode, a rupture or a repair"),
        ({"repair": "t3", "confidence": 5}, "confidence"),
    ],
)
def test_a_bad_line_names_what_is_wrong(raw: dict, problem: str) -> None:
    with pytest.raises(RecordError, match=problem):
        parse_record(raw, "pass-a/a01/s01.jsonl:3")


def test_a_file_that_is_not_json_lines_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s01.jsonl"
    path.write_text('{"repair": "t3", "confidence": 2}\nnot json\n', encoding="utf-8")
    with pytest.raises(RecordError, match=r"s01.jsonl:2: not valid JSON"):
        read_records(path)


def test_matching_stretches_keep_the_turns_both_passes_share() -> None:
    final, dropped = adjudicate([_episode(10, 16)], [_episode(12, 20)], None)
    assert dropped == 0
    assert [(r.first, r.last, r.rule) for r in final] == [(12, 16, "agreement")]


def test_a_record_in_one_pass_needs_the_third_to_stand() -> None:
    a, b = [_episode(10, 16), _rupture(30, 31)], [_episode(11, 14)]
    assert unmatched(a, b) == [_rupture(30, 31)]
    final, dropped = adjudicate(a, b, [_rupture(31, 33)])
    assert [(r.kind, r.first, r.last, r.rule) for r in final] == [
        ("episode", 11, 14, "agreement"),
        ("rupture", 31, 31, "third_pass"),
    ]
    assert dropped == 0
    final, dropped = adjudicate(a, b, [])
    assert dropped == 1 and [r.kind for r in final] == ["episode"]


def test_disagreeing_values_go_to_the_third_pass_then_to_confidence() -> None:
    a, b = [_episode(5, 8, "pushed_on", 1)], [_episode(6, 9, "mixed", 3)]
    decided, _ = adjudicate(a, b, [_episode(4, 7, "pushed_on")])
    assert (decided[0].value, decided[0].rule) == ("pushed_on", "third_pass")
    by_confidence, _ = adjudicate(a, b, [])
    assert (by_confidence[0].value, by_confidence[0].rule) == ("mixed", "confidence")


def test_agreement_counts_matches_and_shared_values() -> None:
    pairs = [([_episode(1, 3, "mixed"), _episode(9, 9)], [_episode(2, 2, "pushed_on")])]
    agreement = record_agreement(pairs, "episode")
    assert (agreement.in_a, agreement.in_b, agreement.matched, agreement.value_agreed) == (
        2,
        1,
        1,
        0,
    )
    assert agreement.match_f1 == pytest.approx(2 / 3)


def test_the_shipped_final_records_are_what_the_passes_adjudicate_to(
    tmp_path: Path, monkeypatch
) -> None:
    """Re-adjudicating the shipped passes reproduces the shipped final files, byte for byte."""
    monkeypatch.chdir(REPO)
    shipped = REPO / SESSIONS_DIR
    copy = tmp_path / "sessions"
    for name in ("pass-a", "pass-b", "pass-c"):
        for path in (shipped / name).glob("*/*.jsonl"):
            target = copy / name / path.relative_to(shipped / name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    counts = build_final(copy)
    assert "awaiting_third_pass" not in counts
    finals = sorted((shipped / "final").glob("*/*.jsonl"))
    assert len(finals) == 150  # every written session: dev and test authors, then the train authors
    for path in finals:
        assert (
            copy / "final" / path.relative_to(shipped / "final")
        ).read_bytes() == path.read_bytes()
        for line in path.read_text(encoding="utf-8").splitlines():
            assert json.loads(line)["rule"] in ("agreement", "third_pass", "confidence")
