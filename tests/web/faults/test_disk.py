"""A full disk and a read-only data directory, on real file systems (see :mod:`.disks`).

Each case checks the same three things: the person gets one clear line (a 503 page, a JSON error,
or ``mentalize: error: ...`` and a non-zero exit), never a traceback; nothing half-written is
left (no truncated key, no partial archive, no stray SQLite journal, no record without its audit
entry); and once space is freed or the directory is writable again, the same action succeeds
without restarting anything.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.faults import disks
from tests.web.faults.harness import (
    CLINICIAN,
    Client,
    Reply,
    Server,
    inspect,
    marker,
    mentalize,
    new_clinic,
    new_patient,
    once,
    transcript,
)
from tests.web.serving import serve_env

pytestmark = once


@pytest.fixture(autouse=True)
def _can_mount(tmp_path_factory: pytest.TempPathFactory) -> None:
    why = disks.mount_unavailable(tmp_path_factory.getbasetemp())
    if why:
        pytest.skip(why)


def _one_line_error(done) -> str:
    """The command failed with exactly one ``mentalize: error:`` line and no traceback."""
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mentalize: error: "), done.stderr
    return lines[0]


def _page_message(reply: Reply) -> str:
    assert reply.status == 503, (reply.status, reply.text[:300])
    assert "Traceback" not in reply.text
    found = re.search(r"<p>(.*?)</p>", reply.text, re.S)
    assert found
    return found.group(1)


def _no_record_text(log: str) -> None:
    """The server's log names ids and causes in one line each: no record text, no traceback."""
    assert "I wonder what made" not in log and "MBT-" not in log and "Traceback" not in log


def _upload(client: Client, patient: str, ref: str, turns: int = 200) -> Reply:
    return client.post(
        patient + "sessions/new/",
        {"date": "2026-05-03"},
        {"transcript_file": transcript(ref, turns)},
    )


# -- first start ----------------------------------------------------------------------------


def test_first_start_on_a_full_disk_leaves_no_truncated_key(tmp_path: Path) -> None:
    with disks.tmpfs(tmp_path / "fs", "4m") as fs:
        filler = disks.fill(fs)
        env = serve_env(fs / "data")
        line = _one_line_error(mentalize("users", "add", CLINICIAN, "--role", "clinician", env=env))
        assert "No space left on device" in line or "disk is full" in line
        # Nothing half-written: no empty or short key for the next start to choke on.
        assert not [p.name for p in (fs / "data").glob("*key*")]
        filler.unlink()
        added = mentalize("users", "add", CLINICIAN, "--role", "clinician", env=env)
        assert added.returncode == 0, added.stderr
        assert (fs / "data" / "encryption.key").stat().st_size == 32
        assert mentalize("audit", "verify", env=env).returncode == 0


# -- serving --------------------------------------------------------------------------------


@pytest.fixture
def small_clinic(tmp_path: Path) -> Iterator[tuple[Path, Server, Client]]:
    with disks.tmpfs(tmp_path / "fs", "24m") as fs:
        server = Server(new_clinic(fs / "data"), tmp_path / "serve.log")
        server.start()
        try:
            client = Client(server.base)
            client.login()
            yield fs, server, client
        finally:
            server.stop()


def test_upload_on_a_full_disk_fails_clearly_and_works_once_space_is_freed(
    small_clinic: tuple[Path, Server, Client],
) -> None:
    fs, server, client = small_clinic
    patient = new_patient(client, "MBT-FULL")
    kept = marker()
    assert _upload(client, patient, kept).status == 302
    filler = disks.fill(fs)

    refused = marker()
    message = _page_message(_upload(client, patient, refused, turns=8000))
    assert "disk is full" in message and "cannot be saved" in message
    # Pages that only read still write (a session, an audit entry): they say the same.
    assert "disk is full" in _page_message(client.get(patient))

    filler.unlink()
    again = marker()
    assert _upload(client, patient, again).status == 302
    report = inspect(server.env)
    assert report["integrity"] == "ok" and report["audit"]["ok"]
    stored = [row["markers"] for row in report["sessions"]]
    assert sorted(stored) == sorted([[kept], [again]]), "the refused upload was half-saved"
    assert all(row["complete"] and row["audited"] for row in report["sessions"])
    _no_record_text(server.tail(10**7))


def test_read_only_data_directory_under_a_running_server(
    tmp_path: Path,
) -> None:
    server = Server(new_clinic(tmp_path / "data"), tmp_path / "serve.log")
    server.start()
    try:
        client = Client(server.base)
        client.login()
        patient = new_patient(client, "MBT-RO")
        with disks.read_only(tmp_path / "data"):
            refused = marker()
            message = _page_message(_upload(client, patient, refused))
            assert "read-only" in message and "cannot be saved" in message
        again = marker()
        assert _upload(client, patient, again).status == 302  # writable again: no restart
        report = inspect(server.env)
        assert report["integrity"] == "ok" and report["audit"]["ok"]
        assert [row["markers"] for row in report["sessions"]] == [[again]]
        _no_record_text(server.tail(10**7))
    finally:
        server.stop()


def test_serve_refuses_a_read_only_data_directory(tmp_path: Path) -> None:
    env = new_clinic(tmp_path / "data")
    with disks.read_only(tmp_path / "data"):
        line = _one_line_error(mentalize("serve", "--port", "1", env=env, timeout=60))
        assert re.search(r"data directory .*: not writable", line)
    with disks.read_only(tmp_path / "data" / "clinic.sqlite3"):
        line = _one_line_error(mentalize("serve", "--port", "1", env=env, timeout=60))
        assert "clinic.sqlite3" in line and "read-only" in line
    (tmp_path / "parent").mkdir()
    with disks.read_only(tmp_path / "parent"):
        fresh = serve_env(tmp_path / "parent" / "data")
        line = _one_line_error(mentalize("serve", "--port", "1", env=fresh, timeout=60))
        assert "Read-only file system" in line


# -- backups --------------------------------------------------------------------------------


@pytest.mark.parametrize("spare", [0, 8 * 1024], ids=["full", "nearly-full"])
def test_backup_to_a_full_disk_fails_clearly_and_leaves_nothing(tmp_path: Path, spare: int) -> None:
    env = new_clinic(tmp_path / "data")
    database = tmp_path / "data" / "clinic.sqlite3"
    with disks.tmpfs(tmp_path / "fs", "4m") as fs:
        disks.leave_free(fs, database.stat().st_size + spare)
        line = _one_line_error(mentalize("backup", "--out", str(fs / "clinic.zip"), env=env))
        assert re.search("disk is full|free space|No space|KiB free", line), line
        assert "nothing was written" in line
        assert sorted(p.name for p in fs.iterdir()) == ["filler"], "partial files left"
        (fs / "filler").unlink()
        done = mentalize("backup", "--out", str(fs / "clinic.zip"), env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(zipfile.ZipFile(fs / "clinic.zip").read("manifest.json"))


def test_backup_into_a_read_only_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    env = new_clinic(tmp_path / "data")
    (tmp_path / "out").mkdir()
    with disks.read_only(tmp_path / "out"):
        line = _one_line_error(
            mentalize("backup", "--out", str(tmp_path / "out" / "b.zip"), env=env)
        )
        assert "not writable" in line
    assert list((tmp_path / "out").iterdir()) == []
