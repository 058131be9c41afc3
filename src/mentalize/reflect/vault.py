"""The journal's private store: entries on this machine only, encrypted with a key derived from
the person's passphrase; exportable and deletable in full.

Why these choices: the key comes from Argon2id (RFC 9106's second recommended setting: 3 passes,
64 MiB, 4 lanes; ``argon2-cffi``), so a stolen laptop does not give up a weak passphrase
cheaply; each entry is sealed with AES-256-GCM (``cryptography``) under a fresh random nonce,
with the entry's id as associated data so entries cannot be swapped or renamed undetected. No
account, no server, no recovery: a forgotten passphrase means the entries cannot be read by
anyone, which the page and the terminal say when the journal is created.

Layout of the folder (``0700``; files ``0600``)::

    vault.json            {"format", "kdf": {...}, "salt", "check"}: no text, no key
    entries/<id>.entry    nonce (12 bytes) + AES-GCM ciphertext of the entry's JSON
    crisis-lines.toml     optional, the person's own local help lines (not encrypted, not theirs
                          to lose: it is configuration, kept by delete_all)

Every write goes to a temporary file that is renamed into place, so a crash never leaves half an
entry.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentalize import environment
from mentalize.errors import MentalizeError, MissingExtra
from mentalize.files import PRIVATE, write_atomic

if TYPE_CHECKING:
    from mentalize.reflect.reading import Reflection

FORMAT = "mentalize.reflect/1"
EXPORT_FORMAT = "mentalize.reflect.export/1"
MIN_PASSPHRASE = 8
KDF_DEFAULTS: dict[str, int] = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
_CHECK_PLAINTEXT = b"mentalize reflect journal"
_NONCE = 12


class VaultError(MentalizeError):
    """The journal cannot be created, opened or written; the message says why in one line and
    never holds an entry's words."""


def default_folder() -> Path:
    """``MENTALIZE_REFLECT_DIR``, else ``$XDG_DATA_HOME/mentalize/reflect`` (``~/.local/share``
    when unset): data the person keeps, not a cache."""
    configured = environment.get("MENTALIZE_REFLECT_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mentalize" / "reflect"


@dataclass(frozen=True, slots=True)
class Entry:
    """One saved entry: the person's words and what Reflect pointed to (sign kinds only)."""

    text: str
    kind: str = "journal"
    situation: str = ""
    signs: tuple[str, ...] = ()
    arousal: float = 0.0
    risk: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds")
    )

    @classmethod
    def of(cls, text: str, situation: str, reflection: Reflection) -> Entry:
        """A journal entry for ``text`` as Reflect read it: which signs it pointed to (kinds
        only; the prompts are wording, not the person's), its arousal, whether risk showed."""
        return cls(
            text=text,
            kind=reflection.kind,
            situation=situation,
            signs=tuple(s.kind for s in reflection.signs),
            arousal=round(reflection.arousal, 3),
            risk=reflection.risk is not None,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            text=str(data["text"]),
            kind=str(data.get("kind", "journal")),
            situation=str(data.get("situation", "")),
            signs=tuple(str(s) for s in data.get("signs", ())),
            arousal=float(data.get("arousal", 0.0)),
            risk=bool(data.get("risk", False)),
            id=str(data["id"]),
            created=str(data["created"]),
        )


def _crypto() -> tuple[Any, Any, Any]:
    try:
        from argon2.low_level import Type, hash_secret_raw
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError:
        raise VaultError(
            str(MissingExtra("reflect", "saving entries (the journal's encryption)"))
        ) from None
    return hash_secret_raw, Type, AESGCM


def _derive(passphrase: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    hash_secret_raw, argon_type, _ = _crypto()
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_cost"],
        parallelism=kdf["parallelism"],
        hash_len=32,
        type=argon_type.ID,
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by this user only."""
    write_atomic(path, data, mode=PRIVATE)


def _private_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


class Journal:
    """A journal folder, opened (or created) with its passphrase."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self._aead = _crypto()[2](key)

    # ------------------------------------------------------------------ opening

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / "vault.json").is_file()

    @classmethod
    def create(cls, folder: Path, passphrase: str, kdf: dict[str, int] | None = None) -> Journal:
        """Make a new journal; refuses a short passphrase or an existing journal."""
        if len(passphrase) < MIN_PASSPHRASE:
            raise VaultError(
                f"passphrase: use at least {MIN_PASSPHRASE} characters (a few words are easiest "
                "to remember)"
            )
        if cls.exists(folder):
            raise VaultError(f"{folder}: a journal already exists here; open it instead")
        params = dict(kdf or KDF_DEFAULTS)
        salt = secrets.token_bytes(16)
        key = _derive(passphrase, salt, params)
        try:
            _private_folder(folder)
            _private_folder(folder / "entries")
            journal = cls(folder, key)
            record = {
                "format": FORMAT,
                "kdf": {"name": "argon2id", **params},
                "salt": base64.b64encode(salt).decode("ascii"),
                "check": base64.b64encode(journal._seal(_CHECK_PLAINTEXT, b"check")).decode(),
            }
            _write_private(folder / "vault.json", json.dumps(record, indent=1).encode())
        except OSError as exc:
            raise VaultError(f"{folder}: cannot write the journal ({exc.strerror})") from None
        return journal

    @classmethod
    def open(cls, folder: Path, passphrase: str) -> Journal:
        """Open an existing journal; a wrong passphrase is a clear error."""
        path = folder / "vault.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            kdf = {k: int(record["kdf"][k]) for k in KDF_DEFAULTS}
            salt = base64.b64decode(record["salt"])
            check = base64.b64decode(record["check"])
        except FileNotFoundError:
            raise VaultError(f"{folder}: no journal here yet") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise VaultError(f"{path}: not a Reflect journal file (damaged?)") from None
        if record.get("format") != FORMAT:
            raise VaultError(f"{path}: unknown journal format {record.get('format')!r}")
        journal = cls(folder, _derive(passphrase, salt, kdf))
        if journal._unseal(check, b"check") != _CHECK_PLAINTEXT:
            raise VaultError("that passphrase does not open this journal")
        return journal

    # ------------------------------------------------------------------ sealing

    def _seal(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, plaintext, associated)

    def _unseal(self, sealed: bytes, associated: bytes) -> bytes | None:
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], associated)
        except (InvalidTag, ValueError):
            return None

    # ------------------------------------------------------------------ entries

    def _path(self, entry_id: str) -> Path:
        if not entry_id.isalnum():
            raise VaultError(f"entry id {entry_id[:40]!r} is not valid")
        return self.folder / "entries" / f"{entry_id}.entry"

    def save(self, entry: Entry) -> Entry:
        data = json.dumps(asdict(entry), ensure_ascii=False).encode("utf-8")
        try:
            _write_private(self._path(entry.id), self._seal(data, entry.id.encode()))
        except OSError as exc:
            raise VaultError(f"{self.folder}: cannot save the entry ({exc.strerror})") from None
        return entry

    def get(self, entry_id: str) -> Entry:
        try:
            sealed = self._path(entry_id).read_bytes()
        except FileNotFoundError:
            raise VaultError(f"no entry {entry_id[:40]!r} in this journal") from None
        plain = self._unseal(sealed, entry_id.encode())
        if plain is None:
            raise VaultError(f"entry {entry_id}: cannot be decrypted (damaged or altered)")
        return Entry.from_dict(json.loads(plain))

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        found = [self.get(p.stem) for p in (self.folder / "entries").glob("*.entry")]
        return sorted(found, key=lambda e: (e.created, e.id))

    def delete(self, entry_id: str) -> None:
        self._path(entry_id).unlink(missing_ok=True)

    def export_document(self) -> dict[str, Any]:
        """Every entry, decrypted, as the export's JSON document (the page streams it; the
        command writes it to a file). It is plain text, so it says so."""
        return {
            "format": EXPORT_FORMAT,
            "exported": datetime.now(UTC).isoformat(timespec="seconds"),
            "note": "Your Reflect journal, NOT encrypted: keep this file somewhere private.",
            "entries": [asdict(e) for e in self.entries()],
        }

    def export(self, path: Path) -> int:
        """Write :meth:`export_document` to ``path`` (refuses to overwrite); returns the count."""
        if path.exists():
            raise VaultError(f"{path}: already exists; choose a new file name")
        document = self.export_document()
        try:
            _write_private(path, json.dumps(document, ensure_ascii=False, indent=1).encode())
        except OSError as exc:
            raise VaultError(f"{path}: cannot write the export ({exc.strerror})") from None
        return len(document["entries"])


def delete_all(folder: Path) -> int:
    """Delete every entry and the journal's key material; returns how many entries there were.
    The person's own ``crisis-lines.toml`` (configuration, no journal text) is kept."""
    entries = folder / "entries"
    count = len(list(entries.glob("*.entry"))) if entries.is_dir() else 0
    if entries.is_dir():
        shutil.rmtree(entries)
    (folder / "vault.json").unlink(missing_ok=True)
    for stray in folder.glob(".tmp-*"):
        stray.unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return count
