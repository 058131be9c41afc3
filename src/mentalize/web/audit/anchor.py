"""Anchor the audit chain outside the database: a printed head, checked later against the log.

Why: the hash chain and the head row live in the database they protect, so someone with write
access to it can drop the triggers, change an early entry, recompute every later hash and the
head, and put the triggers back; :func:`chain.verify` then finds a consistent chain (issue 18,
finding 5). A head copied *off* the database closes that: each entry's hash covers the previous
entry's hash, so the hash of entry N fixes every entry from 1 to N. Rewriting any of them changes
entry N's hash, and the copy on paper, in a password manager or on another machine still shows the
old one. Appends after N leave entry N alone, so an older anchor keeps verifying.

The anchor is one line, no spaces, safe to paste into a shell::

    audit-head:v1:<seq>:<sha256 of entry seq, 64 hex>:<UTC time taken, YYYY-MM-DDTHH:MM:SSZ>

``<seq>:<hash>`` alone is accepted too (what someone copies onto paper), and the hash may be cut
to its first 32 hex characters (128 bits: still far beyond forging). A backup archive's manifest
(``audit_head``) is an anchor as well, for SQLite and PostgreSQL backups alike: on PostgreSQL the
head is read just before ``pg_dump`` takes its snapshot, so the dump holds that entry.

Not keyed (no HMAC): a key would have to sit next to the database, on the machine an attacker
with database access already controls, so it would add little; what protects the anchor is that
its copy is out of that attacker's reach. Someone who can rewrite the database *and* every copy
of the anchor is not detected.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mentalize.errors import MentalizeError
from mentalize.web.audit.chain import GENESIS, Verification, verify
from mentalize.web.audit.models import AuditEntry, AuditHead

PREFIX = "audit-head:v1"
MIN_HASH_DIGITS = 32
_ANCHOR = re.compile(
    rf"(?:{PREFIX}:)?(?P<seq>\d+):(?P<hash>[0-9a-f]{{{MIN_HASH_DIGITS},64}})(?::(?P<taken>\S+))?"
)


class AnchorError(MentalizeError):
    """An anchor that cannot be read (a typo, the wrong file) or taken (a broken chain)."""


@dataclass(frozen=True)
class Anchor:
    """Entry ``seq``'s hash (or its first 32+ hex digits) as recorded at time ``taken``."""

    seq: int
    hash: str
    taken: str = ""

    def line(self) -> str:
        return f"{PREFIX}:{self.seq}:{self.hash}:{self.taken}"

    def describe(self) -> str:
        return f"the head at entry {self.seq}" + (f" taken {self.taken}" if self.taken else "")


def take() -> Anchor:
    """The current head, after checking the chain: anchoring a log that is already broken (or
    missing its triggers) would only vouch for the damage."""
    result = verify()
    if not result.ok:
        raise AnchorError(f"the audit log does not verify ({result.problem}); no head taken")
    head = AuditHead.objects.filter(pk=1).first()
    seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    taken = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Anchor(seq, digest, taken)


def append(anchor: Anchor, path: Path) -> None:
    """Add the anchor as a new last line of ``path`` (created if missing), flushed to disk.

    Only appends: the earlier lines stay, and ``verify --against-file`` checks them all, so a
    forger who can add a line but not change the old ones is still caught."""
    with open(path, "a", encoding="ascii") as handle:
        handle.write(anchor.line() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def parse(text: str, source: str = "--against") -> Anchor:
    """One anchor from its printed line (or the short ``seq:hash`` form)."""
    match = _ANCHOR.fullmatch(text.strip().lower())
    if match is None:
        raise AnchorError(
            f"{source}: not an audit head; expected {PREFIX}:SEQ:HASH:TIME as printed by "
            "`mentalize audit head` (or SEQ:HASH)"
        )
    taken = (match.group("taken") or "").upper()
    return Anchor(int(match.group("seq")), match.group("hash"), taken)


def read_file(path: Path) -> list[Anchor]:
    """Every anchor in ``path``: a file of lines from ``audit head --append`` (blank lines and
    ``#`` comments skipped), or a backup archive whose manifest records the head."""
    if zipfile.is_zipfile(path):
        return [_from_backup(path)]
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise AnchorError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"{path}: cannot read it as a file of audit heads ({exc})") from None
    anchors = [
        parse(line, f"{path} line {number}")
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not anchors:
        raise AnchorError(f"{path}: holds no audit head")
    return anchors


def _from_backup(path: Path) -> Anchor:
    from mentalize.web.backup import open_archive

    try:
        manifest = open_archive(path).manifest
    except MentalizeError as exc:
        raise AnchorError(str(exc)) from None
    head = manifest.get("audit_head")
    if not isinstance(head, dict):
        raise AnchorError(
            f"{path}: this backup records no audit head (PostgreSQL backups made by older "
            "versions did not); use one from `mentalize audit head`"
        )
    return parse(f"{head.get('seq')}:{head.get('hash')}", f"{path} (backup manifest)")


def check(anchors: Sequence[Anchor]) -> Verification:
    """:func:`chain.verify`, then each anchor: its entry must still exist with the anchored hash.

    Together that means the log from entry 1 up to the anchored entry is exactly what it was when
    the head was taken (the anchored hash fixes it), and everything since chains on from it."""
    result = verify()
    if not result.ok:
        return result
    for anchor in anchors:
        if anchor.seq == 0:
            continue  # taken from an empty log: nothing to compare yet
        row = AuditEntry.objects.filter(seq=anchor.seq).values_list("id", "hash").first()
        if row is None:
            return Verification(
                False,
                result.checked,
                None,
                f"entry {anchor.seq} of {anchor.describe()} is gone: the log now ends at entry "
                f"{result.checked} (cut back, or an older database restored)",
            )
        if not row[1].startswith(anchor.hash):
            return Verification(
                False,
                result.checked,
                row[0],
                f"entry {anchor.seq} no longer has the hash of {anchor.describe()}: the log was "
                "rewritten at or before that entry",
            )
    return result
