"""The corpus tools: label checks, agreement, adjudication and the figures report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mentalize.errors import InputError
from mentalize.research.corpus.adjudicate import adjudicate
from mentalize.research.corpus.agreement import agreement, icc_2_1
from mentalize.research.corpus.batches import read_labels
from mentalize.research.corpus.labels import check_line
from mentalize.research.corpus.units import split_of

pytest.importorskip("sklearn", reason="needs the research extra")


def _patient(unit_id: str, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": unit_id,
        "role": "patient",
        "mode": "concrete",
        "rf_level": 1,
        "self_other": "self",
        "cognitive_affective": "not_applicable",
        "internal_external": "external",
        "automatic_controlled": "automatic",
        "arousal": 2,
        "valence": 3,
        "certainty_about_minds": "not_applicable",
        "strain": "none",
        "risk_present": "no",
        "confidence": 2,
    }
    record.update(changes)
    return record


def test_a_valid_line_passes_and_a_bad_one_names_the_field() -> None:
    assert check_line(_patient("annomi:0:1"), "a.jsonl", 1)["mode"] == "concrete"
    with pytest.raises(InputError, match=r"a\.jsonl:3: 'rf_level' must be 0-4"):
        check_line(_patient("annomi:0:1", rf_level=7), "a.jsonl", 3)
    with pytest.raises(InputError, match="'mode' must be one of"):
        check_line(_patient("annomi:0:1", mode="angry"), "a.jsonl", 1)
    with pytest.raises(InputError, match="'strain' is missing"):
        record = _patient("annomi:0:1")
        del record["strain"]
        check_line(record, "a.jsonl", 1)


def test_icc_matches_a_hand_computed_case() -> None:
    assert icc_2_1([(1, 1), (2, 2), (3, 3), (4, 4)]) == pytest.approx(1.0)
    # By hand (Shrout & Fleiss 1979, ICC(2,1)): MS_rows 4.1, MS_cols 1.6, MS_error 0.1, so
    # (4.1 - 0.1) / (4.1 + 0.1 + 2 * (1.6 - 0.1) / 5) = 4.0 / 4.8.
    assert icc_2_1([(1, 2), (2, 3), (3, 4), (4, 5), (5, 5)]) == pytest.approx(4.0 / 4.8)
    assert icc_2_1([(3, 3)]) is None


def test_agreement_counts_only_units_both_passes_coded_with_a_value() -> None:
    a = {f"u{i}": _patient(f"u{i}", arousal=1 + i % 5, mode="concrete") for i in range(10)}
    b = {f"u{i}": _patient(f"u{i}", arousal=1 + i % 5, mode="concrete") for i in range(8)}
    rows = {row.label: row for row in agreement(a, b)}
    assert rows["arousal"].n == 8 and rows["arousal"].kappa == pytest.approx(1.0)
    assert rows["mode"].kappa is None  # one value only: undefined, not 1.0
    assert rows["certainty_about_minds"].n == 0  # not_applicable everywhere
    assert rows["intervention"].n == 0  # no therapist turns


def test_adjudication_follows_the_codebook_rules() -> None:
    a = {"u": _patient("u", arousal=2, rf_level=1, mode="concrete", valence=1)}
    b = {"u": _patient("u", arousal=3, rf_level=3, mode="teleological", valence=1)}
    final = adjudicate(a, b)["u"]
    assert (final["arousal"], final["rules"]["arousal"]) == (3, "mean_rounded")  # 2.5 -> 3
    assert (final["valence"], final["rules"]["valence"]) == (1, "agreement")
    assert final["rf_level"] is None and final["rules"]["rf_level"] == "awaiting_third_pass"
    c = {"u": _patient("u", rf_level=2, mode="teleological", confidence=1)}
    decided = adjudicate(a, b, c)["u"]
    assert (decided["rf_level"], decided["rules"]["rf_level"]) == (2, "median_of_three")
    assert (decided["mode"], decided["rules"]["mode"]) == ("teleological", "third_pass")
    assert decided["confidence"] == 1  # the lowest of the passes used


def test_risk_is_never_adjudicated_down_and_three_way_splits_go_to_a_person() -> None:
    a = {"u": _patient("u", risk_present="no", mode="concrete", confidence=2)}
    b = {"u": _patient("u", risk_present="yes", mode="pretend", confidence=3)}
    c = {"u": _patient("u", mode="teleological", confidence=1)}
    final = adjudicate(a, b, c)["u"]
    assert (final["risk_present"], final["rules"]["risk_present"]) == ("yes", "any_yes")
    assert (final["mode"], final["rules"]["mode"]) == ("pretend", "human_review")


def test_read_labels_refuses_a_unit_coded_twice_in_one_pass(tmp_path: Path) -> None:
    folder = tmp_path / "pass-a"
    folder.mkdir()
    line = json.dumps(_patient("annomi:0:1"))
    (folder / "b.jsonl").write_text(line + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="coded twice"):
        read_labels(folder)


def test_splits_are_fixed_by_group() -> None:
    assert split_of("annomi:12") == split_of("annomi:12")
    groups = [f"annomi:{i}" for i in range(300)]
    shares = {s: sum(split_of(g) == s for g in groups) / 300 for s in ("train", "dev", "test")}
    assert 0.6 < shares["train"] < 0.8 and 0.08 < shares["dev"] < 0.22


def test_the_report_says_what_the_labels_are(tmp_path: Path) -> None:
    from mentalize.research.corpus.stats import corpus_report

    for name, arousal in (("pass-a", 2), ("pass-b", 3)):
        folder = tmp_path / "annomi" / name
        folder.mkdir(parents=True)
        lines = [json.dumps(_patient(f"annomi:{i}:0", arousal=arousal)) for i in range(5)]
        (folder / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = corpus_report(tmp_path)
    assert "Machine-assisted annotation" in report
    assert "| arousal | 5 |" in report
    assert "mean_rounded 5" in report  # the one-point arousal differences, by the mean rule


def test_the_committed_splits_are_the_rule() -> None:
    from mentalize.research.corpus.units import fixed_splits, ranked_splits

    root = Path(__file__).resolve().parents[3]
    fixed = fixed_splits(root / "data" / "corpus" / "splits.json")
    assert fixed, "the splits file lists every AnnoMI transcript"
    written = [group for group in fixed if group.startswith("written:")]
    assert len(written) >= 10, "the written sessions' authors are fixed before coding"
    assert {g: fixed[g] for g in written} == ranked_splits(written)
    for group, split in fixed.items():
        if not group.startswith("written:"):
            assert split_of(group) == split, group


def test_few_authors_still_give_two_held_out_authors_each() -> None:
    from mentalize.research.corpus.units import ranked_splits

    splits = ranked_splits([f"written:a{i:02d}" for i in range(1, 16)])
    counts = {s: list(splits.values()).count(s) for s in ("train", "dev", "test")}
    assert counts == {"train": 11, "dev": 2, "test": 2}
    # the hash rule's order, cut by count: every test author's sha256 is above every dev author's
    point = {g: hashlib.sha256(g.encode()).digest() for g in splits}
    dev = [point[g] for g, s in splits.items() if s == "dev"]
    test = [point[g] for g, s in splits.items() if s == "test"]
    train = [point[g] for g, s in splits.items() if s == "train"]
    assert max(train) < min(dev) and max(dev) < min(test)
    bigger = ranked_splits([f"written:a{i:02d}" for i in range(1, 41)])
    assert list(bigger.values()).count("test") == 6  # 15% of 40


def test_combination_checks_name_what_is_broken() -> None:
    from mentalize.research.corpus.labels import combination_problems

    assert combination_problems(_patient("u")) == []
    assert "minimal needs rf_level not_applicable" in combination_problems(
        _patient("u", mode="minimal")
    )
    therapist = {
        "id": "t",
        "role": "therapist",
        "intervention": "interpretation",
        "mbt_level": 3,
        "repair": "no",
        "stance": "not_knowing",
        "risk_present": "no",
        "confidence": 2,
    }
    assert combination_problems(therapist) == ["interpretation needs stance knowing"]


def test_every_committed_label_file_follows_the_codebook() -> None:
    root = Path(__file__).resolve().parents[3] / "data" / "corpus" / "labels"
    passes = [p for p in root.glob("*/pass-*") if p.is_dir()]
    assert passes, "the repository holds the corpus labels"
    for folder in passes:
        records = read_labels(folder)  # one-line InputError on any bad line
        assert all(":" in unit_id for unit_id in records)
        assert all("text" not in record for record in records.values())  # ids only, no text
