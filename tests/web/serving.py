"""Helpers for tests that run ``mentalize serve`` (and other clinic commands) as a separate
process: a free loopback port, the environment such a process gets, and running a command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PASSWORD = "a sufficiently long passphrase"
ROOT = Path(__file__).resolve().parents[2]


def run_module(
    module: str, *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in its own process from the repository root, output captured
    (the exit status is the caller's to check)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_mentalize(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a ``mentalize`` command in its own process (as an administrator would)."""
    return run_module("mentalize.cli", *args, env=env, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_database(url: str, name: str) -> Iterator[str]:
    """A fresh PostgreSQL database ``name`` on the server of ``url`` (dropped first if a crashed
    run left it, and dropped after, forcefully: a killed server may still hold connections);
    yields its URL."""
    import psycopg

    parts = urlsplit(url.strip())
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name}")
        con.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def serve_env(data_dir: Path) -> dict[str, str]:
    """This process's environment for a clinic command on ``data_dir``: the test run's database
    and settings module are dropped, analyses run on markers alone (fast and model-free), and
    ``users add`` takes :data:`PASSWORD`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MENTALIZE_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        MENTALIZE_DATA_DIR=str(data_dir),
        MENTALIZE_CLINIC_MODEL="markers",
        MENTALIZE_PASSWORD=PASSWORD,
    )
    return env


@contextmanager
def serving(data_dir: Path, *args: str, env: dict[str, str]) -> Iterator[int]:
    """``mentalize serve --port PORT ARGS`` in its own process, its output in ``serve-PORT.log``
    beside ``data_dir``; yields the port once the server accepts connections, and stops it after.
    A server that exits or does not listen within 30 s fails the test with its log."""
    import pytest

    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mentalize.cli", "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"serve exited: {log.read_text()}")
                time.sleep(0.1)
        else:
            pytest.fail("serve did not listen within 30 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)
