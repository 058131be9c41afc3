"""ASVS V6/V14 for the clinic's files: the data directory and its two secrets are owner-only,
and anything looser is refused at start, with the command that fixes it, before a request is
served. (The key's own creation, size and reuse: test_security_settings.py.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mentalize.web import datadir
from tests.web.serving import serve_env


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _fresh(tmp_path: Path) -> Path:
    directory = datadir.ensure_data_dir(tmp_path / "data")
    datadir.encryption_key(directory)
    datadir.secret_key(directory)
    return directory


def test_a_new_data_directory_and_its_secrets_are_owner_only(tmp_path: Path) -> None:
    directory = _fresh(tmp_path)
    assert _mode(directory) == 0o700
    assert _mode(directory / datadir.KEY_FILE) == 0o600
    assert _mode(directory / datadir.SECRET_FILE) == 0o600


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o711, 0o701, 0o770, 0o777])
def test_a_data_directory_others_can_enter_is_refused(tmp_path: Path, mode: int) -> None:
    directory = _fresh(tmp_path)
    os.chmod(directory, mode)
    with pytest.raises(datadir.ClinicConfigError, match=f"chmod 700 {directory}"):
        datadir.ensure_data_dir(directory)
    os.chmod(directory, 0o700)
    assert datadir.ensure_data_dir(directory) == directory


@pytest.mark.parametrize("name", [datadir.KEY_FILE, datadir.SECRET_FILE])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, name: str, mode: int) -> None:
    directory = _fresh(tmp_path)
    os.chmod(directory / name, mode)
    read = datadir.encryption_key if name == datadir.KEY_FILE else datadir.secret_key
    with pytest.raises(datadir.ClinicConfigError, match=f"chmod 600 {directory / name}"):
        read(directory)
    os.chmod(directory / name, 0o400)  # read-only for the owner is fine
    assert read(directory)


def test_the_clinic_will_not_start_on_an_open_data_directory(tmp_path: Path) -> None:
    """What an operator sees: one line naming the directory and the fix, exit 2, and the
    directory's contents untouched (no database created in it)."""
    directory = tmp_path / "data"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)  # as `mkdir` leaves it under the usual umask
    done = subprocess.run(
        [sys.executable, "-m", "mentalize.cli", "audit", "verify"],
        env=serve_env(directory),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"chmod 700 {directory}" in lines[0]
    assert list(directory.iterdir()) == []
