"""The same faults as the process-level tests, raised in-process so they run everywhere (no root,
no mounts, no private PostgreSQL): the database failing inside a view and after it, ENOSPC while
a key file or a backup archive is written, a read-only database file.

They pin the error paths themselves; ``test_disk.py`` and ``test_postgres_restart.py`` show the
real faults reach them.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client

from mentalize.web import backup as clinic_backup
from mentalize.web import datadir, middleware
from tests.web.conftest import on_postgres


def _real_sqlite_error(tmp_path: Path) -> OperationalError:
    """What Django raises for a write to a database SQLite opened read-only, made for real."""
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        wrapped = OperationalError(*exc.args)
        wrapped.__cause__ = exc
        return wrapped
    finally:
        conn.close()
    raise AssertionError("SQLite wrote to a read-only database")


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OperationalError("database or disk is full"), middleware.DISK_FULL),
        (OperationalError("could not extend file: No space left on device"), middleware.DISK_FULL),
        (OperationalError("database is locked"), middleware.BUSY),
        (
            OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused'),
            middleware.UNREACHABLE,
        ),
        (
            OperationalError("terminating connection due to administrator command"),
            middleware.UNREACHABLE,
        ),
        (InterfaceError("connection already closed"), middleware.UNREACHABLE),
        (IntegrityError("UNIQUE constraint failed"), None),  # a bug, not an outage: stays 500
        (ValueError("database or disk is full"), None),
    ],
)
def test_classify(error: Exception, cause: middleware.Unavailable | None) -> None:
    assert middleware.classify(error) is cause


def test_classify_a_real_read_only_sqlite_error(tmp_path: Path) -> None:
    assert middleware.classify(_real_sqlite_error(tmp_path)) is middleware.READ_ONLY


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("no such column: records_session.analysis_status", None),  # a missing migration: 500
        ('near "SELEC": syntax error', None),
        ("unable to open database file", middleware.UNREACHABLE),
        ("disk I/O error", middleware.UNREACHABLE),
        ("database or disk is full", middleware.DISK_FULL),
    ],
)
def test_sqlite_sql_errors_are_bugs_not_outages(message: str, cause: Any) -> None:
    wrapped = OperationalError(message)
    wrapped.__cause__ = sqlite3.OperationalError(message)
    assert middleware.classify(wrapped) is cause


def _message(response: Any) -> str:
    assert response.status_code == 503
    text = response.content.decode()
    assert "Traceback" not in text and "Ada Example" not in text and "MBT-0001" not in text
    if response["Content-Type"].startswith("application/json"):
        return response.json()["error"]
    found = re.search(r"<p>(.*?)</p>", text, re.S)
    assert found
    return found.group(1)


@pytest.mark.django_db
def test_database_failure_inside_a_view_is_a_503(
    people: dict[str, Any], chart: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentalize.web.accounts.services import new_token
    from mentalize.web.records import scoping

    token = new_token("owner")

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection failed: Connection refused")

    monkeypatch.setattr(scoping, "get_for", down)
    client = Client(raise_request_exception=False)
    client.force_login(people["owner"])
    page = client.get(f"/patients/{chart['patient'].pk}/")
    assert "cannot be reached" in _message(page)
    assert page["Retry-After"] == "30" and page["Cache-Control"] == "no-store, private"
    api = client.get(
        f"/api/v1/patients/{chart['patient'].pk}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert api["Content-Type"] == "application/json"
    assert "cannot be reached" in _message(api)


@pytest.mark.django_db
def test_other_exceptions_stay_a_plain_500(
    people: dict[str, Any], chart: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentalize.web.records import scoping

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(scoping, "get_for", bug)
    client = Client(raise_request_exception=False)
    client.force_login(people["owner"])
    response = client.get(f"/patients/{chart['patient'].pk}/")
    assert response.status_code == 500 and b"Something went wrong" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["OperationalError", "UpdateError"])
def test_session_that_cannot_be_saved_after_the_view_is_a_503(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """The view ran; saving the session on the way out hit a full disk. Django turns that into
    ``SessionInterrupted`` (a 400 "malformed request") or a 500; both become the 503."""
    from django.contrib.sessions.backends import db as session_db

    client = Client(raise_request_exception=False)
    client.force_login(people["owner"])

    def full(self: Any, must_create: bool = False) -> None:
        if failure == "OperationalError":
            raise OperationalError("database or disk is full")
        try:
            raise OperationalError("database or disk is full")
        except OperationalError:
            raise session_db.UpdateError  # noqa: B904 - implicit context, as Django's save does

    monkeypatch.setattr(session_db.SessionStore, "save", full)
    message = _message(client.get("/patients/"))
    assert "disk is full" in message and "cannot be saved" in message


@pytest.mark.parametrize(
    ("error", "kept"),
    [(OperationalError("database or disk is full"), False), (ValueError("a bug"), True)],
)
def test_outage_log_records_lose_their_traceback_and_bugs_keep_theirs(
    error: Exception, kept: bool
) -> None:
    import logging

    try:
        raise error
    except Exception:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Service Unavailable: /",
            (),
            sys.exc_info(),
        )
    assert middleware.OneLineOutages().filter(record)
    assert (record.exc_info is not None) is kept


# -- key files ------------------------------------------------------------------------------


def test_key_file_on_a_full_disk_is_not_left_truncated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def enospc(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", enospc)
    with pytest.raises(datadir.ClinicConfigError, match="No space left on device"):
        datadir.encryption_key(tmp_path)
    assert list(tmp_path.iterdir()) == [], "a partial or temporary key file was left"
    monkeypatch.setattr(os, "fsync", real_fsync)
    key = datadir.encryption_key(tmp_path)
    assert len(key) == 32 and datadir.encryption_key(tmp_path) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encryption.key"]
    assert (tmp_path / "encryption.key").stat().st_mode & 0o777 == 0o600


def test_key_file_created_by_another_process_first_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race ``O_EXCL`` used to settle: another process's key lands between our look and our
    link; ours is dropped and theirs is used."""
    theirs = b"k" * 32
    real_link = os.link

    def late(src: str, dst: str) -> None:
        Path(dst).write_bytes(theirs)
        os.chmod(dst, 0o600)
        real_link(src, dst)

    monkeypatch.setattr(os, "link", late)
    assert datadir.encryption_key(tmp_path) == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encryption.key"]


def test_read_only_database_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "clinic.sqlite3"
    assert datadir.writable_database(database) == database  # not there yet: created later
    database.touch()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == database else real_access(p, mode)
    )
    with pytest.raises(datadir.ClinicConfigError, match=r"clinic\.sqlite3: read-only"):
        datadir.writable_database(database)


# -- backups --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_that_runs_out_of_space_mid_archive_leaves_nothing(
    chart: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if on_postgres():
        pytest.skip("the SQLite snapshot path; PostgreSQL backups go through pg_dump")
    import zipfile

    def enospc(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "write", enospc)
    with pytest.raises(clinic_backup.BackupError) as raised:
        clinic_backup.backup(tmp_path / "clinic.zip")
    message = str(raised.value)
    assert "No space left on device" in message and "nothing was written" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == [], "partial archive or snapshot left"


def test_backup_refuses_when_the_snapshot_cannot_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    source = tmp_path / "clinic.sqlite3"
    source.write_bytes(b"\0" * 4096)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(1, 1, 1024))
    with pytest.raises(clinic_backup.BackupError, match="not enough free space"):
        clinic_backup._check_space(source, tmp_path)


def test_scratch_removes_sqlite_side_files(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), clinic_backup._scratch(tmp_path, ".db") as snapshot:
        for suffix in ("-wal", "-shm"):
            Path(f"{snapshot}{suffix}").write_bytes(b"x")
        raise RuntimeError("disk I/O error")
    assert list(tmp_path.iterdir()) == []
