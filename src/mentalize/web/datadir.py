"""Where the clinic keeps its files, and the two secrets it creates there on first run.

Kept free of Django so the CLI can resolve and prepare the data directory before Django's settings
are imported (settings read the directory from the environment at import time).

    <data dir>/               0700
        clinic.sqlite3        the embedded database (unless MENTALIZE_DATABASE_URL is set)
        encryption.key        32 random bytes, 0600: the AES-256-GCM key for clinical text
        secret_key            Django's SECRET_KEY (signs sessions and CSRF tokens), 0600

The key lives beside the database but never inside it: a database dump or a database server
without the data directory reveals no clinical text.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from mentalize import environment
from mentalize.errors import MentalizeError

DATA_DIR_ENV = "MENTALIZE_DATA_DIR"
KEY_FILE = "encryption.key"
SECRET_FILE = "secret_key"
KEY_BYTES = 32


class ClinicConfigError(MentalizeError):
    """The data directory or one of its secret files is missing, unreadable or too open."""


def default_data_dir() -> Path:
    """A per-user directory (XDG): ``$XDG_DATA_HOME/mentalize`` or ``~/.local/share/mentalize``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mentalize"


def data_dir() -> Path:
    """The data directory: ``MENTALIZE_DATA_DIR`` when set, else :func:`default_data_dir`."""
    configured = environment.get(DATA_DIR_ENV)
    return Path(configured).expanduser() if configured else default_data_dir()


def ensure_data_dir(path: Path) -> Path:
    """Create the directory (owner-only) if needed; refuse a path that is not a directory, or
    one that other users may enter."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise ClinicConfigError(f"data directory {path}: exists and is not a directory") from None
    except OSError as exc:
        raise ClinicConfigError(f"data directory {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ClinicConfigError(f"data directory {path}: exists and is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ClinicConfigError(f"data directory {path}: not writable")
    _refuse_open_directory(path)
    return path.resolve()


def _refuse_open_directory(path: Path) -> None:
    """Refuse a data directory that other users may enter or list.

    The database file, its WAL and backups' scratch files are created with the process umask
    (often 0644), so only the directory's 0700 keeps other accounts on the machine away from
    them; a directory made by hand (``mkdir``: 0755) would leave them readable. Refused, with
    the command that fixes it, as for a key file, rather than silently changed.
    """
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ClinicConfigError(
            f"data directory {path}: permissions {mode:04o} let other users in; "
            f"run chmod 700 {path}"
        )


def _create_exclusively(path: Path, content: bytes) -> None:
    """Create ``path`` holding ``content`` (0600), whole or not at all; keep one that exists.

    The bytes go to a private temporary file first, which is then hard-linked to the name: a full
    disk or a kill part-way leaves no empty or truncated key behind (which the next start would
    take for a damaged key), and the link, like ``O_EXCL``, fails if another process starting at
    the same moment got there first, so two processes never each keep a key of their own.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(name, path)
        _fsync_directory(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _fsync_directory(path: Path) -> None:
    """Make a new directory entry durable (a power cut right after first start keeps the key)."""
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _secret_file(path: Path, make: bytes) -> bytes:
    """Read a secret file, creating it with ``make`` (0600, exclusive, atomic) on first run.

    Exclusive creation means two processes starting at once cannot each write their own key and
    leave half the rows encrypted under a key that is then overwritten.
    """
    if not path.exists():
        try:
            _create_exclusively(path, make)
        except OSError as exc:
            raise ClinicConfigError(f"{path}: cannot create ({exc.strerror or exc})") from None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            raise ClinicConfigError(
                f"{path}: permissions {mode:04o} let others read it; run chmod 600 {path}"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ClinicConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None


def writable_database(path: Path) -> Path:
    """Refuse an SQLite database (or its WAL files) that exists but cannot be written.

    SQLite quietly opens such a file read-only, so the clinic would start, show pages and then
    fail every save; saying so at start-up names the file to fix instead.
    """
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists() and not os.access(candidate, os.W_OK):
            raise ClinicConfigError(
                f"{candidate}: read-only; the clinic must be able to write its database "
                "(check the file's owner, permissions and mount)"
            )
    return path


def encryption_key(directory: Path) -> bytes:
    """The 32-byte AES-GCM key from ``encryption.key``, created on first run."""
    key = _secret_file(directory / KEY_FILE, secrets.token_bytes(KEY_BYTES))
    if len(key) != KEY_BYTES:
        raise ClinicConfigError(
            f"{directory / KEY_FILE}: expected {KEY_BYTES} bytes, found {len(key)}; "
            "restore the key file from your backup"
        )
    return key


def secret_key(directory: Path) -> str:
    """Django's SECRET_KEY from ``secret_key``, created on first run."""
    raw = _secret_file(directory / SECRET_FILE, secrets.token_urlsafe(50).encode("ascii"))
    value = raw.decode("ascii", errors="replace").strip()
    if len(value) < 32:
        raise ClinicConfigError(f"{directory / SECRET_FILE}: too short to be a secret key")
    return value
