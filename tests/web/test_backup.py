"""``mentalize backup`` / ``mentalize restore`` as a clinic runs them, in their own processes.

The round trip uses a fresh data directory for the source and for every restore, on SQLite, or,
when ``MENTALIZE_TEST_DATABASE_URL`` is set, on fresh PostgreSQL databases created beside the
test database (so the same test bodies cover both). Archives that are damaged or do not match are
refused before anything is written; a failed backup leaves no partial file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web import backup as clinic_backup
from tests.web.conftest import EXAMPLE, TEST_DB_ENV

NOTE = "Clinician note: the marmalade lighthouse came up again."

SEED = """
import datetime, json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from mentalize.web.accounts.models import User
from mentalize.web.records import services
from mentalize.web.records.models import Patient
owner = User.objects.create(username="ines", role="clinician")
patient = services.create(owner, Patient, code="MBT-0900", name="Bo Example", clinician=owner)
analysed = services.analyse(open({example!r}, encoding="utf-8").read(), None)
session = services.add_session(owner, patient, None, datetime.date(2026, 3, 1), analysed)
services.add_note(owner, session, {note!r}, restricted=False)
print(json.dumps({{"session": session.pk}}))
"""

READ = """
import json, sys, django
django.setup()
from mentalize.web.audit.chain import verify
from mentalize.web.records.models import ClinicianNote, Session
session = Session.objects.get(pk=int(sys.argv[1]))
print(json.dumps({"transcript": session.transcript, "note": ClinicianNote.objects.get().text,
                  "audit": verify().ok}))
"""


def _pg_url(name: str) -> str:
    parts = urlsplit(os.environ[TEST_DB_ENV])
    return urlunsplit(parts._replace(path=f"/{name}"))


class Clinic:
    """Fresh data directories (and, on PostgreSQL, fresh databases) run by subprocesses."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.databases: list[str] = []
        self.postgres = bool(os.environ.get(TEST_DB_ENV, "").strip())

    def new(self, name: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("MENTALIZE_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            MENTALIZE_DATA_DIR=str(self.root / name),
            MENTALIZE_CLINIC_MODEL="markers",
            DJANGO_SETTINGS_MODULE="mentalize.web.settings",
        )
        if self.postgres:
            import psycopg

            db = f"mentalize_backup_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{db}"')
            self.databases.append(db)
            env["MENTALIZE_DATABASE_URL"] = _pg_url(db)
        return env

    def drop_all(self) -> None:
        if not self.databases:
            return
        import psycopg

        with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
            names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
            # restore keeps a replaced database as NAME_pre_restore_STAMP (cut to 63 bytes)
            made = [n for n in names if any(n.startswith(db[:34]) for db in self.databases)]
            for db in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _mentalize(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run(env, "-m", "mentalize.cli", *args)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    made = Clinic(tmp_path_factory.mktemp("backup"))
    try:
        yield made
    finally:
        made.drop_all()


@pytest.fixture(scope="module")
def source(clinic: Clinic) -> dict[str, Any]:
    """A clinic with one patient, session and note; archives made with and without the key."""
    env = clinic.new("source")
    seeded = _run(env, "-c", SEED.format(example=str(EXAMPLE), note=NOTE))
    assert seeded.returncode == 0, seeded.stderr
    session = json.loads(seeded.stdout.strip().splitlines()[-1])["session"]
    plain, keyed = clinic.root / "plain.zip", clinic.root / "keyed.zip"
    made = _mentalize(env, "backup", "--out", str(plain))
    assert made.returncode == 0, made.stderr
    assert "key NOT included" in made.stdout
    made = _mentalize(env, "backup", "--out", str(keyed), "--include-key")
    assert made.returncode == 0, made.stderr
    return {"env": env, "session": session, "plain": plain, "keyed": keyed}


def _read_back(env: dict[str, str], session: int) -> dict[str, str]:
    done = _run(env, "-c", READ, str(session))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_archive_holds_a_snapshot_and_a_manifest_but_no_key_by_default(
    source: dict[str, Any],
) -> None:
    with zipfile.ZipFile(source["plain"]) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        member = manifest["database"]["member"]
        snapshot = archive.read(member)
    assert names == {"manifest.json", member}
    assert manifest["format"] == "mentalize.backup/1" and manifest["key"]["included"] is False
    assert "records.0001_initial" in manifest["migrations"]
    # Both vendors record the chain's head, so an archive kept elsewhere is an outside anchor.
    assert manifest["audit_head"]["seq"] > 0 and len(manifest["audit_head"]["hash"]) == 64
    anchored = _mentalize(source["env"], "audit", "verify", "--against-file", str(source["plain"]))
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    assert oct(source["plain"].stat().st_mode & 0o777) == "0o600"
    assert b"marmalade lighthouse" not in snapshot  # the note is ciphertext in the snapshot
    with zipfile.ZipFile(source["keyed"]) as archive:
        assert "keys/encryption.key" in archive.namelist()


def test_restore_without_the_key_asks_for_it_then_round_trips(
    clinic: Clinic, source: dict[str, Any]
) -> None:
    env = clinic.new("restored")
    refused = _mentalize(env, "restore", str(source["plain"]))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "encryption.key" in refused.stderr
    target = Path(env["MENTALIZE_DATA_DIR"])
    assert not (target / "clinic.sqlite3").exists()

    shutil.copy2(Path(source["env"]["MENTALIZE_DATA_DIR"]) / "encryption.key", target)
    restored = _mentalize(env, "restore", str(source["plain"]))
    assert restored.returncode == 0, restored.stderr
    assert "audit log intact" in restored.stdout

    back = _read_back(env, source["session"])
    assert back["transcript"] == EXAMPLE.read_text(encoding="utf-8")
    assert back["note"] == NOTE and back["audit"] is True


def test_restore_with_the_key_in_the_archive(clinic: Clinic, source: dict[str, Any]) -> None:
    env = clinic.new("keyed")
    restored = _mentalize(env, "restore", str(source["keyed"]))
    assert restored.returncode == 0, restored.stderr
    key = Path(env["MENTALIZE_DATA_DIR"]) / "encryption.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert _read_back(env, source["session"])["note"] == NOTE


def test_restore_refuses_a_data_directory_in_use(source: dict[str, Any]) -> None:
    env = source["env"]
    refused = _mentalize(env, "restore", str(source["keyed"]))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert refused.stderr.count("\n") == 1


def test_restore_refuses_a_different_key(clinic: Clinic, source: dict[str, Any]) -> None:
    env = clinic.new("otherkey")
    target = Path(env["MENTALIZE_DATA_DIR"])
    target.mkdir(mode=0o700)
    (target / "encryption.key").write_bytes(os.urandom(32))
    os.chmod(target / "encryption.key", 0o600)
    refused = _mentalize(env, "restore", str(source["plain"]))
    assert refused.returncode == 2 and "key id" in refused.stderr


# -- damaged archives (refused before Django or the data directory is touched) -----------------


def _rewrite(src: Path, dest: Path, change: Any) -> Path:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dest, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
    return dest


def _flip_db_byte(name: str, data: bytes) -> bytes:
    if name.startswith("database/"):
        return data[:4096] + bytes([data[4096] ^ 0xFF]) + data[4097:]
    return data


def _forge_format(name: str, data: bytes) -> bytes:
    if name == "manifest.json":
        return data.replace(b"mentalize.backup/1", b"mentalize.backup/9")
    return data


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncated", "not a readable zip"),
        ("not a zip", "not a readable zip"),
        ("flipped byte", "does not match its checksum"),
        ("wrong format", "expected 'mentalize.backup/1'"),
        ("no manifest", "no manifest.json"),
    ],
)
def test_damaged_archives_are_refused(
    source: dict[str, Any], tmp_path: Path, damage: str, message: str
) -> None:
    bad = tmp_path / "bad.zip"
    good = source["keyed"]
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "not a zip":
        bad.write_text("T: hello\nP: hi\n")
    elif damage == "flipped byte":
        _rewrite(good, bad, _flip_db_byte)
    elif damage == "wrong format":
        _rewrite(good, bad, _forge_format)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(buffer, "w") as new:
            for info in old.infolist():
                if info.filename != "manifest.json":
                    new.writestr(info.filename, old.read(info.filename))
        bad.write_bytes(buffer.getvalue())
    target = tmp_path / "fresh"
    result = CliRunner().invoke(app, ["restore", str(bad), "--data-dir", str(target)])
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1
    assert not target.exists()  # refused before the data directory was even made


# -- atomic writes -----------------------------------------------------------------------------


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "backup.zip"

    def half(handle: Any) -> None:
        handle.write(b"PK" + b"\0" * 1000)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        clinic_backup.write_atomically(out, half)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_backup_leaves_no_file_and_keeps_an_old_one(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "backup.zip"
    out.write_bytes(b"yesterday's archive")

    def broken(*args: Any) -> dict[str, Any]:
        raise clinic_backup.BackupError("snapshot failed")

    monkeypatch.setattr(clinic_backup, "_snapshot_sqlite", broken)
    monkeypatch.setattr(clinic_backup, "_dump_postgres", broken)
    with pytest.raises(clinic_backup.BackupError):
        clinic_backup.backup(out)
    assert [p.name for p in tmp_path.iterdir()] == ["backup.zip"]
    assert out.read_bytes() == b"yesterday's archive"


def test_missing_postgres_tools_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(clinic_backup.BackupError, match="postgresql-client"):
        clinic_backup._tool("pg_dump")


# -- a PostgreSQL dump's table of contents (follow-up review, finding 2) ----------------------

GENUINE_TOC = """;
; Archive created at 2026-12-07 09:23:27 UTC
;
267; 1255 54010 FUNCTION public audit_entry_append_only() postgres
216; 1259 53595 TABLE public accounts_user postgres
215; 1259 53594 SEQUENCE public accounts_user_id_seq postgres
3600; 0 53595 TABLE DATA public accounts_user postgres
3700; 0 0 SEQUENCE SET public accounts_user_id_seq postgres
3701; 0 0 SEQUENCE OWNED BY public accounts_user_id_seq postgres
3702; 2604 0 DEFAULT public accounts_user id postgres
3290; 2606 53600 CONSTRAINT public accounts_user accounts_user_pkey postgres
3300; 1259 53700 INDEX public accounts_user_supervisor_id_f571ce05 postgres
3400; 2606 53800 FK CONSTRAINT public accounts_user accounts_user_supervisor_fk postgres
3527; 2620 54011 TRIGGER public audit_auditentry audit_entry_append_only postgres
"""


def test_a_genuine_table_of_contents_is_restored_whole() -> None:
    archive = clinic_backup.Archive(Path("clinic.zip"), {})
    kept = clinic_backup.pg_restore_list(archive, GENUINE_TOC).splitlines()
    assert kept == [line for line in GENUINE_TOC.splitlines() if line[:1].isdigit()]
    skipped = GENUINE_TOC + "5; 2615 2200 SCHEMA - public postgres\n"
    skipped += "6; 0 0 COMMENT - SCHEMA public postgres\n"
    assert clinic_backup.pg_restore_list(archive, skipped).splitlines() == kept


@pytest.mark.parametrize(
    "entry, kind",
    [
        ("4001; 1255 1 FUNCTION public evil() postgres", "FUNCTION other than the audit log's"),
        ("4002; 0 0 ACL public TABLE accounts_user postgres", "ACL"),
        ("4003; 0 0 DATABASE PROPERTIES - clinic postgres", "DATABASE PROPERTIES"),
        ("4004; 1259 2 TABLE elsewhere accounts_user postgres", "TABLE elsewhere"),
        ("4005; 0 0 COMMENT public TABLE accounts_user postgres", "COMMENT"),
        ("4006; 3079 3 EXTENSION - dblink", "EXTENSION"),
        ("4007; 1255 4 FUNCTION public audit_entry_append_only(integer) postgres", "FUNCTION"),
    ],
)
def test_an_unexpected_entry_refuses_the_archive(entry: str, kind: str) -> None:
    archive = clinic_backup.Archive(Path("doctored.zip"), {})
    with pytest.raises(clinic_backup.BackupError) as refused:
        clinic_backup.pg_restore_list(archive, GENUINE_TOC + entry + "\n")
    message = str(refused.value)
    assert f"holds a {kind}" in message and f"(#{entry.split(';')[0]})" in message
    assert "nothing was restored" in message and "\n" not in message


def test_a_failed_rollback_names_where_the_previous_database_is(tmp_path: Path) -> None:
    """Follow-up review, finding 6: on PostgreSQL it is a database, not a *.before-restore-*."""
    archive = clinic_backup.Archive(Path("clinic.zip"), {})
    stamp = "20260301T120000Z"
    pg = clinic_backup.RestorePlan(archive, tmp_path, b"k", "postgresql://u@h/clinic")
    assert "PostgreSQL database clinic_pre_restore_20260301t120000z" in (
        clinic_backup._kept_previous(pg, stamp)
    )
    lite = clinic_backup.RestorePlan(archive, tmp_path, b"k", None)
    assert clinic_backup._kept_previous(lite, stamp) == f"as *.before-restore-* in {tmp_path}"
