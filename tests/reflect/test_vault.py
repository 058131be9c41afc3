"""The journal's encrypted store: on disk only ciphertext, wrong passphrases and tampering
refused, private permissions, export and deletion in full."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

pytest.importorskip("argon2", reason="the journal needs mentalize[reflect] (argon2-cffi)")
pytest.importorskip("cryptography", reason="the journal needs mentalize[reflect] (cryptography)")

from mentalize.reflect.vault import (
    KDF_DEFAULTS,
    Entry,
    Journal,
    VaultError,
    default_folder,
    delete_all,
)

#: Cheap Argon2 settings so the tests are fast; one test uses the real defaults.
FAST = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
PASS = "tea kettle sunrise"
SECRET = "Nobody knows I cried in the car park after the meeting."


def test_entries_are_encrypted_and_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal.create(folder, PASS, FAST)
    saved = journal.save(Entry(SECRET, situation="work", signs=("high_arousal",), arousal=0.7))
    on_disk = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert SECRET.encode() not in on_disk and b"work" not in on_disk
    assert b"high_arousal" not in on_disk
    again = Journal.open(folder, PASS)
    (entry,) = again.entries()
    assert entry == saved


def test_defaults_are_rfc9106_argon2id_and_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal.create(folder, PASS)
    record = json.loads((folder / "vault.json").read_text())
    assert record["kdf"] == {"name": "argon2id", **KDF_DEFAULTS}
    assert KDF_DEFAULTS == {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
    assert Journal.open(folder, PASS).entries() == []


def test_wrong_passphrase_and_short_passphrase_are_clear(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    with pytest.raises(VaultError, match="at least 8"):
        Journal.create(folder, "short", FAST)
    assert not folder.exists()
    Journal.create(folder, PASS, FAST)
    with pytest.raises(VaultError, match="does not open"):
        Journal.open(folder, PASS + "!")
    with pytest.raises(VaultError, match="already exists"):
        Journal.create(folder, PASS, FAST)
    with pytest.raises(VaultError, match="no journal"):
        Journal.open(tmp_path / "elsewhere", PASS)


def test_private_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal.create(folder, PASS, FAST).save(Entry(SECRET))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_tampered_or_swapped_entries_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal.create(folder, PASS, FAST)
    a, b = journal.save(Entry("first")), journal.save(Entry("second"))
    path_a = folder / "entries" / f"{a.id}.entry"
    data = bytearray(path_a.read_bytes())
    data[-1] ^= 1
    path_a.write_bytes(bytes(data))
    with pytest.raises(VaultError, match="damaged or altered") as caught:
        journal.get(a.id)
    assert "first" not in str(caught.value)
    # An entry file moved under another entry's id fails too (the id is authenticated).
    path_b = folder / "entries" / f"{b.id}.entry"
    path_a.write_bytes(path_b.read_bytes())
    with pytest.raises(VaultError):
        journal.get(a.id)
    with pytest.raises(VaultError, match="not valid"):
        journal.get("../vault")


def test_export_writes_everything_and_never_overwrites(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path / "journal", PASS, FAST)
    journal.save(Entry(SECRET, situation="work"))
    journal.save(Entry("Another day.", kind="journal"))
    target = tmp_path / "export.json"
    assert journal.export(target) == 2
    document = json.loads(target.read_text())
    assert document["format"] == "mentalize.reflect.export/1"
    assert {e["text"] for e in document["entries"]} == {SECRET, "Another day."}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(VaultError, match="already exists"):
        journal.export(target)


def test_delete_all_removes_entries_and_key_but_keeps_the_help_lines(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal.create(folder, PASS, FAST)
    for n in range(3):
        journal.save(Entry(f"entry {n}"))
    (folder / "crisis-lines.toml").write_text('[[line]]\nname = "x"\ncontact = "1"\n')
    assert delete_all(folder) == 3
    assert sorted(p.name for p in folder.iterdir()) == ["crisis-lines.toml"]
    assert not Journal.exists(folder)
    (folder / "crisis-lines.toml").unlink()
    Journal.create(folder, PASS, FAST)
    assert delete_all(folder) == 0 and not folder.exists()


def test_delete_one_entry(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path / "journal", PASS, FAST)
    keep, drop = journal.save(Entry("keep")), journal.save(Entry("drop"))
    journal.delete(drop.id)
    assert [e.id for e in journal.entries()] == [keep.id]


def test_default_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTALIZE_REFLECT_DIR", str(tmp_path / "r"))
    assert default_folder() == tmp_path / "r"
    monkeypatch.delenv("MENTALIZE_REFLECT_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_folder() == tmp_path / "xdg" / "mentalize" / "reflect"
