"""Real small and read-only file systems for the disk-fault tests.

A full disk is a ``tmpfs`` of a few MiB filled to the last byte; a read-only data directory is a
read-only bind mount of the directory over itself (files the server already holds open stay
writable through the original mount, as after an ``errors=remount-ro`` the kernel would not allow,
but every file opened afterwards is read-only, which is what SQLite sees on its next connection).
Mounting needs root (CAP_SYS_ADMIN): elsewhere :func:`mount_unavailable` says so and the tests
skip; ``test_disk_errors.py`` covers the same error paths in-process by raising ENOSPC/EROFS.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

_probe: str | bool | None = False  # False: not probed yet


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


def mount_unavailable(scratch: Path) -> str | None:
    """Why this process cannot mount a tmpfs (probed once), or ``None`` when it can."""
    global _probe
    if _probe is False:
        target = scratch / "mount-probe"
        target.mkdir(exist_ok=True)
        done = _run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target))
        if done.returncode == 0:
            _run("umount", str(target))
            _probe = None
        else:
            _probe = f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})"
    return _probe  # type: ignore[return-value]


def _unmount(path: Path) -> None:
    if _run("umount", str(path)).returncode != 0:
        _run("umount", "-l", str(path))  # a process still inside: detach it now


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size`` (``"4m"``) at ``path``, owner-only, unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path))
    assert done.returncode == 0, done.stderr
    try:
        yield path
    finally:
        _unmount(path)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """``path`` (a directory or a file) read-only from now on, until the block ends."""
    done = _run("mount", "--bind", str(path), str(path))
    assert done.returncode == 0, done.stderr
    try:
        done = _run("mount", "-o", "remount,ro,bind", str(path))
        assert done.returncode == 0, done.stderr
        yield path
    finally:
        _unmount(path)


def fill(directory: Path) -> Path:
    """Write a file in ``directory`` until the file system has no byte left; return it."""
    filler = directory / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                block = block[: len(block) // 2]
                if not block:
                    break
    return filler


def leave_free(directory: Path, free: int) -> Path:
    """Fill ``directory``'s file system so about ``free`` bytes are left; return the filler."""
    stats = os.statvfs(directory)
    available = stats.f_bavail * stats.f_frsize
    filler = directory / "filler"
    with open(filler, "wb") as handle:
        handle.truncate(0)
        remaining = max(0, available - free)
        chunk = b"\0" * 65536
        while remaining > 0:
            handle.write(chunk[: min(len(chunk), remaining)])
            remaining -= min(len(chunk), remaining)
    return filler
