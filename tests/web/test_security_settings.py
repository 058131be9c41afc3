"""Settings from the environment, the data directory's secret files, and encryption at rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from mentalize.web import datadir
from mentalize.web.crypto import Cipher, DecryptionError
from mentalize.web.settings import database_from_url


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_secret_files_are_created_owner_only() -> None:
    directory = Path(settings.DATA_DIR)
    assert _mode(directory / datadir.KEY_FILE) == 0o600
    assert _mode(directory / datadir.SECRET_FILE) == 0o600
    assert _mode(directory) == 0o700
    assert len((directory / datadir.KEY_FILE).read_bytes()) == 32
    assert (directory / datadir.SECRET_FILE).read_text().strip() == settings.SECRET_KEY


def test_key_is_created_once_and_reused(tmp_path: Path) -> None:
    first = datadir.encryption_key(tmp_path)
    assert datadir.encryption_key(tmp_path) == first
    assert datadir.encryption_key(tmp_path / ".." / tmp_path.name) == first


def test_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    datadir.encryption_key(tmp_path)
    os.chmod(tmp_path / datadir.KEY_FILE, 0o644)
    with pytest.raises(datadir.ClinicConfigError, match="chmod 600"):
        datadir.encryption_key(tmp_path)


def test_refuses_a_truncated_key(tmp_path: Path) -> None:
    path = tmp_path / datadir.KEY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"short")
    os.close(fd)
    with pytest.raises(datadir.ClinicConfigError, match="expected 32 bytes"):
        datadir.encryption_key(tmp_path)


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(datadir.ClinicConfigError, match="not a directory"):
        datadir.ensure_data_dir(target)


def test_default_data_dir_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(datadir.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert datadir.data_dir() == tmp_path / "mentalize"


def test_database_url_switches_to_postgresql() -> None:
    db = database_from_url("postgresql://clinic:p%40ss@db.local:6543/records?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "records",
        "clinic",
        "p@ss",
        "db.local",
        "6543",
    )
    assert db["OPTIONS"] == {"connect_timeout": 5, "sslmode": "require"}
    # A bounded connection wait by default (a hung host gets the 503 page); the URL overrides it.
    assert database_from_url("postgresql://u@h/db?connect_timeout=2")["OPTIONS"] == {
        "connect_timeout": "2"
    }


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql://u@h:5432/"])
def test_bad_database_urls_are_refused(url: str) -> None:
    with pytest.raises(datadir.ClinicConfigError):
        database_from_url(url)


def test_security_settings() -> None:
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.DEBUG is False


def test_cipher_round_trip_and_tamper_detection() -> None:
    cipher = Cipher(os.urandom(32))
    blob = cipher.encrypt("P: I felt nothing.", "records.session.transcript")
    assert b"felt nothing" not in blob
    assert cipher.decrypt(blob, "records.session.transcript") == "P: I felt nothing."
    assert cipher.encrypt("same", "c") != cipher.encrypt("same", "c")  # fresh nonce each time
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        cipher.decrypt(flipped, "records.session.transcript")
    with pytest.raises(DecryptionError):  # moved to another column
        cipher.decrypt(blob, "records.clinciannote.text")
    with pytest.raises(DecryptionError):  # another key
        Cipher(os.urandom(32)).decrypt(blob, "records.session.transcript")


def test_encrypted_columns_hold_ciphertext(chart: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM records_cliniciannote")
        (raw,) = cursor.fetchone()
    raw = bytes(raw)
    assert b"steady alliance" not in raw
    assert raw[0] == 1 and len(raw) > 12 + 16
    chart["note"].refresh_from_db()
    assert chart["note"].text == "Clinician note: steady alliance."


def test_database_backend_follows_the_environment(db: Any) -> None:
    from django.db import connection

    wanted = "postgresql" if os.environ.get("MENTALIZE_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == wanted
