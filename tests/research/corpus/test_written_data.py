"""The committed written sessions: every file reads as an analyser transcript, every manifest
matches its sessions, and every author's split was fixed before coding."""

from __future__ import annotations

from pathlib import Path

from mentalize.research.corpus.manifest import read_manifest
from mentalize.research.corpus.units import fixed_splits, written_sessions, written_units

ROOT = Path(__file__).resolve().parents[3]
WRITTEN = ROOT / "data" / "corpus" / "written"


def test_every_session_is_in_its_authors_manifest_and_reads() -> None:
    authors = sorted(p for p in WRITTEN.iterdir() if p.is_dir())
    assert authors, "the written sessions are committed"
    files = written_sessions(WRITTEN)
    for folder in authors:
        listed = {entry.session for entry in read_manifest(folder)}
        on_disk = {p.stem for p in files if p.parent == folder}
        assert listed == on_disk, folder.name
    units = written_units(WRITTEN)
    assert len(units) == sum(e.turns for f in authors for e in read_manifest(f))
    assert {u.role for u in units} == {"patient", "therapist"}


def test_every_author_has_a_split_fixed_in_the_repository() -> None:
    splits = fixed_splits(ROOT / "data" / "corpus" / "splits.json")
    for folder in (p for p in WRITTEN.iterdir() if p.is_dir()):
        assert f"written:{folder.name}" in splits, folder.name


def test_the_written_sessions_meet_the_issues_floor() -> None:
    """Issue 16 point 3: at least 150 sessions of 40-70 turns by at least ten authors."""
    authors = [p for p in WRITTEN.iterdir() if p.is_dir()]
    entries = [entry for folder in authors for entry in read_manifest(folder)]
    assert len(authors) >= 10
    assert len(entries) >= 150
    assert {e.setting for e in entries} == {"individual", "couple", "family", "parent", "group"}
    assert {e.therapist for e in entries} == {"attuned", "misattuned", "mixed"}


def test_risk_detail_covers_flagged_turns_only() -> None:
    """Risk detail (codebook section 6) is coded on turns whose adjudicated flag is "yes"."""
    from mentalize.research.corpus.adjudicate import adjudicate
    from mentalize.research.corpus.batches import read_passes
    from mentalize.research.corpus.risk_detail import read_risk_labels

    for source in ("annomi", "written"):
        passes = read_passes(ROOT / "data" / "corpus" / "labels" / source)
        final = adjudicate(passes["pass-a"], passes["pass-b"], passes.get("pass-c"))
        flagged = {u for u, r in final.items() if r.get("risk_present") == "yes"}
        for name in ("pass-a", "pass-b"):
            coded = set(read_risk_labels(ROOT / "data" / "corpus" / "risk" / source / name))
            assert coded and coded <= flagged, (source, name)
