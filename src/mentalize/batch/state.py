"""What a batch output folder already holds, so a re-run skips finished, unchanged inputs.

Layout of ``DIR/parts`` (see docs/batch.md)::

    parts/turns/<key>.<fmt>      the turns rows of one input
    parts/sessions/<key>.<fmt>   its sessions row (absent for --texts slices)
    parts/done/<key>.json        {"source", "sha256", "format", "turns"}: written last

An input is done when its ``done`` record exists, names the same content hash and format, and
its parts are there. Parts are written before the record, each atomically, so a run killed at any
moment leaves either a finished input or none; a killed run's stray temporary files start with a
dot and are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mentalize.files import write_atomic


@dataclass(frozen=True, slots=True)
class Done:
    source: str
    sha256: str
    format: str
    turns: int


class State:
    """The ``parts`` folder of one output folder."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.root = out / "parts"
        self.fmt = fmt
        self.turns_dir = self.root / "turns"
        self.sessions_dir = self.root / "sessions"
        self.done_dir = self.root / "done"

    def create(self) -> None:
        for folder in (self.turns_dir, self.sessions_dir, self.done_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def turns_part(self, key: str) -> Path:
        return self.turns_dir / f"{key}.{self.fmt}"

    def sessions_part(self, key: str) -> Path:
        return self.sessions_dir / f"{key}.{self.fmt}"

    def done_path(self, key: str) -> Path:
        return self.done_dir / f"{key}.json"

    def lookup(self, key: str) -> Done | None:
        """The finished record for ``key`` in this run's format, or None."""
        try:
            data = json.loads(self.done_path(key).read_text(encoding="utf-8"))
            done = Done(
                source=str(data["source"]),
                sha256=str(data["sha256"]),
                format=str(data["format"]),
                turns=int(data["turns"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if done.format != self.fmt or not self.turns_part(key).is_file():
            return None
        return done

    def is_current(self, key: str, sha256: str) -> Done | None:
        done = self.lookup(key)
        return done if done is not None and done.sha256 == sha256 else None

    def forget(self, key: str) -> None:
        """Drop the record first (so a crash mid-way never leaves a record for stale parts)."""
        self.done_path(key).unlink(missing_ok=True)

    def mark_done(self, key: str, done: Done) -> None:
        record = {
            "source": done.source,
            "sha256": done.sha256,
            "format": done.format,
            "turns": done.turns,
        }
        write_atomic(self.done_path(key), json.dumps(record) + "\n")
