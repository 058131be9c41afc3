"""A private, throw-away PostgreSQL cluster for tests that stop and start the database server.

The shared server the suite may use (``MENTALIZE_TEST_DATABASE_URL``) is never stopped; this
cluster lives in a temporary folder, listens on a free loopback port, and is removed afterwards.
It uses Debian's server binaries (``/usr/lib/postgresql/<major>/bin``); without them, or as root
without a ``postgres`` account to run them as (``initdb`` refuses root), :func:`unavailable` says
why and the tests skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.web.serving import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    override = os.environ.get("MENTALIZE_PG_BINDIR")
    if override:
        return Path(override) if (Path(override) / "initdb").is_file() else None
    return Path(found[-1]).parent if found else None


def _run_as() -> str | None:
    """The account to run the server as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return None


def unavailable() -> str | None:
    """Why no private cluster can be made here, or ``None`` when one can."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries (apt install postgresql, or set MENTALIZE_PG_BINDIR)"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and there is no 'postgres' account to run initdb as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    return None


class Cluster:
    """``initdb`` + ``pg_ctl`` in a temporary folder; :meth:`stop` and :meth:`start` at will."""

    def __init__(self) -> None:
        bindir = _bin_dir()
        assert bindir is not None, unavailable()
        self.bindir = bindir
        self.user = _run_as()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mentalize-pg-"))
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.data = self.root / "data"
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE mentalize")

    def _pg(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bindir / tool), *args],
            cwd=self.root,
            user=self.user,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def dsn(self, name: str = "mentalize") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (what a restart or package upgrade does)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
