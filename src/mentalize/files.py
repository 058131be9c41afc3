"""Writing files so that a reader only ever sees the old file or the whole new one.

One set of guarantees for every output (a JSON analysis, an HTML report, a batch table, a journal
entry, the validation report): the bytes go to a temporary file in the same folder, are flushed
to disk (``fsync``), given their mode, and renamed over the target; the folder entry is then
flushed too, so a power cut right after a write keeps it. On any failure the temporary file is
removed and the error propagates; a missing folder raises without creating anything.

Modes: owner-only (0600) by default, because most outputs quote clinical text; documentation and
other public files ask for 0644.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PRIVATE", "PUBLIC", "atomic_path", "fsync_folder", "write_atomic"]

PRIVATE = 0o600
"""Readable by the owner only: anything that may quote a patient's words."""
PUBLIC = 0o644
"""Readable by everyone: documentation, figures without clinical text."""


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int = PRIVATE) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that needs a file name (pyarrow, numpy,
    ``shutil.copyfile``); when the block ends without error it is synced, given ``mode`` and
    renamed over ``target``."""
    final = Path(target)
    folder = final.parent if str(final.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(folder)


def write_atomic(
    target: str | os.PathLike[str], content: str | bytes, *, mode: int = PRIVATE
) -> None:
    """Write ``content`` (text as UTF-8 with ``\\n`` line ends, or bytes) to ``target``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(target, mode=mode) as temporary:
        temporary.write_bytes(data)


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Make a new or renamed folder entry durable (where the file system allows it)."""
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
