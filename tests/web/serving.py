"""Helpers for tests that run ``mentalize serve`` (and other clinic commands) as a separate
process: a free loopback port, and the environment such a process gets."""

from __future__ import annotations

import os
import socket
from pathlib import Path

PASSWORD = "a sufficiently long passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
