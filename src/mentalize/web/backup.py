"""``mentalize backup`` and ``mentalize restore``: the database in one checked archive.

The archive is a zip holding::

    manifest.json              format, versions, database kind, applied migrations, audit head,
                               the encryption key's id, and each member's SHA-256 and size
    database/clinic.sqlite3    SQLite: a consistent online snapshot (sqlite3's backup API, so it
                               is safe while ``mentalize serve`` runs), as one self-contained file
    database/clinic.pgdump     PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot too)
    keys/encryption.key        only with ``--include-key``

Clinical text stays encrypted inside the database snapshot: the archive holds ciphertext. The
encryption key is **not** put into the archive unless asked for, so a backup copied to a server or
a USB disk reveals nothing without the key, which the clinic backs up separately (a printed or
password-manager copy). ``--include-key`` makes a single-file disaster-recovery archive that must
then be kept as safely as the data directory itself. The manifest carries a key id (a SHA-256 of
the key with a fixed prefix, which reveals nothing about the key), so ``restore`` can tell that
the key in the target directory is the right one before it touches anything.

PostgreSQL is dumped with ``pg_dump``/``pg_restore`` rather than Django's dumpdata: encrypted
fields refuse to serialise by design, and pg_dump copies triggers (the audit log's append-only
guard) and sequences exactly. Without the tools on PATH the command says which package to install.

The archive is written to a temporary file beside ``--out`` and renamed into place only when
complete, so a failed backup leaves no partial archive. ``restore`` checks every member against
the manifest before it writes anything, refuses a data directory that already holds a database
unless ``--force``, migrates the restored database forward, and then verifies the audit chain and
decrypts a row of every clinical table.

Django is imported inside functions: ``restore`` must place the key before Django's settings
(which create a fresh key when none exists) are imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from mentalize import environment
from mentalize.errors import MentalizeError
from mentalize.files import atomic_path
from mentalize.web import datadir

FORMAT = "mentalize.backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/clinic.sqlite3"
POSTGRES_MEMBER = "database/clinic.pgdump"
KEY_MEMBER = "keys/encryption.key"
SQLITE_FILE = "clinic.sqlite3"
_CHUNK = 1 << 20
_LOW_SPACE = 1 << 20  # below this much free space, an I/O error is reported as a full disk


class BackupError(MentalizeError):
    """A backup that cannot be made or an archive that cannot be restored; one line, no data."""


def key_id(key: bytes) -> str:
    """An id for the encryption key that reveals nothing about it."""
    return hashlib.sha256(b"mentalize encryption key id\0" + key).hexdigest()[:16]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _scratch(directory: Path, suffix: str) -> Iterator[Path]:
    """A private temporary file in ``directory`` (same file system, so it can be renamed), removed
    on the way out unless it has been renamed away, with any ``-wal``/``-shm``/``-journal`` file
    SQLite made beside it (a snapshot that fails part-way, on a full disk say, leaves those)."""
    fd, name = tempfile.mkstemp(prefix=".mentalize-", suffix=suffix, dir=directory)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        for leftover in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)


def _space_note(directory: Path) -> str:
    """``"; DIR has only N KiB free"`` when the disk is (nearly) full, else ``""``: SQLite
    reports a full disk as "disk I/O error" when it cannot grow its shared-memory file."""
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return ""
    return f"; {directory} has only {free // 1024} KiB free" if free < _LOW_SPACE else ""


def _check_space(source: Path, directory: Path) -> None:
    """Refuse before writing anything when the snapshot alone cannot fit beside ``--out``."""
    needed = sum(p.stat().st_size for p in (source, Path(f"{source}-wal")) if p.is_file())
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return
    if free < needed:
        raise BackupError(
            f"not enough free space in {directory}: the database snapshot needs about "
            f"{_mib(needed)} MiB and {_mib(free)} MiB is free; free some space or choose "
            "another --out; nothing was written"
        )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def write_atomically(out: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``out`` (owner-only) through :func:`mentalize.files.atomic_path`: renamed into place
    only when complete and synced."""
    with atomic_path(out) as partial, open(partial, "wb") as handle:
        write(handle)


# -- backup ------------------------------------------------------------------------------------


def _snapshot_sqlite(source: Path, dest: Path) -> dict[str, Any]:
    """Copy the live database with the backup API; return its audit head and migrations."""
    if not source.is_file():
        raise BackupError(f"no database at {source}; nothing to back up")
    src = sqlite3.connect(source)  # read only by the backup; checked to exist above
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = dst.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"the snapshot of {source} fails SQLite's integrity check: {check}")
        head = dst.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1").fetchone()
        migrations = dst.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(
            f"SQLite backup of {source} failed: {exc}{_space_note(dest.parent)}; "
            "nothing was written"
        ) from None
    finally:
        dst.close()
        src.close()
    return {
        "audit_head": {"seq": head[0], "hash": head[1]} if head else None,
        "migrations": sorted(f"{app}.{name}" for app, name in migrations),
    }


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; PostgreSQL backups need the PostgreSQL client tools "
            "(Debian/Ubuntu: apt install postgresql-client, matching the server's major version)"
        )
    return found


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the configured database: the password never appears in argv."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    for key, value in pairs.items():
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return env


def _run_pg_tool(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise BackupError(f"{what} failed (exit {done.returncode}): {first}")


def _dump_postgres(settings_dict: dict[str, Any], dest: Path) -> dict[str, Any]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    migrations = sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())
    _run_pg_tool(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={dest}",
        ],
        _pg_env(settings_dict),
        "pg_dump",
    )
    # pg_dump takes its own snapshot, so the head read here could be a few entries behind it:
    # restore verifies the whole chain instead of comparing heads.
    return {"audit_head": None, "migrations": migrations}


def _versions() -> dict[str, str]:
    import django

    import mentalize

    return {"mentalize": mentalize.__version__, "django": django.get_version()}


def backup(out: Path, *, include_key: bool = False) -> dict[str, Any]:
    """Write the archive to ``out`` (Django must be set up); return its manifest."""
    from django.conf import settings
    from django.db import connection

    parent = out.parent if str(out.parent) else Path(".")
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"database {vendor!r} is not supported by mentalize backup")
    key = settings.MENTALIZE_ENCRYPTION_KEY
    if vendor == "sqlite":
        _check_space(Path(connection.settings_dict["NAME"]), parent)
    try:
        return _write_backup(out, parent, vendor, key, include_key=include_key)
    except OSError as exc:  # a full disk or a failing one, part-way through the archive
        raise BackupError(
            f"cannot write {out}: {exc.strerror or exc}{_space_note(parent)}; nothing was written"
        ) from None


def _write_backup(
    out: Path, parent: Path, vendor: str, key: bytes, *, include_key: bool
) -> dict[str, Any]:
    from django.db import connection

    with _scratch(parent, ".db") as snapshot:
        if vendor == "sqlite":
            member = SQLITE_MEMBER
            info = _snapshot_sqlite(Path(connection.settings_dict["NAME"]), snapshot)
        else:
            member = POSTGRES_MEMBER
            info = _dump_postgres(connection.settings_dict, snapshot)
        files = {member: {"sha256": _sha256(snapshot), "bytes": snapshot.stat().st_size}}
        if include_key:
            files[KEY_MEMBER] = {"sha256": hashlib.sha256(key).hexdigest(), "bytes": len(key)}
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
            "database": {"vendor": vendor, "member": member},
            "migrations": info["migrations"],
            "audit_head": info["audit_head"],
            "key": {"id": key_id(key), "included": include_key},
            "files": files,
        }

        def write(handle: IO[bytes]) -> None:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
                archive.write(snapshot, member)
                if include_key:
                    archive.writestr(KEY_MEMBER, key)

        write_atomically(out, write)
    return manifest


# -- restore -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    path: Path
    manifest: dict[str, Any]

    @property
    def vendor(self) -> str:
        return str(self.manifest["database"]["vendor"])

    @property
    def member(self) -> str:
        return str(self.manifest["database"]["member"])


def _bad(path: Path, why: str) -> BackupError:
    return BackupError(f"{path}: not a usable mentalize backup ({why}); nothing was restored")


def open_archive(path: Path) -> Archive:
    """Open ``path`` and check it whole: manifest, expected members, every checksum."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise _bad(path, f"not a readable zip archive: {exc}") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise _bad(path, "no manifest.json") from None
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise _bad(path, f"manifest unreadable: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise _bad(path, f"format {found!r}, expected {FORMAT!r}")
        try:
            files: dict[str, dict[str, Any]] = manifest["files"]
            vendor, member = manifest["database"]["vendor"], manifest["database"]["member"]
            manifest["key"]["id"]
        except (KeyError, TypeError):
            raise _bad(path, "manifest is missing fields") from None
        expected = {SQLITE_MEMBER} if vendor == "sqlite" else {POSTGRES_MEMBER}
        if manifest["key"].get("included"):
            expected.add(KEY_MEMBER)
        if member not in expected or set(files) != expected:
            raise _bad(path, f"manifest lists {sorted(files)}, expected {sorted(expected)}")
        names = set(archive.namelist())
        for name in sorted(expected):
            if name not in names:
                raise _bad(path, f"{name} is missing")
            digest, size = hashlib.sha256(), 0
            try:
                with archive.open(name) as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise _bad(path, f"{name} is damaged: {exc}") from None
            if digest.hexdigest() != files[name].get("sha256") or size != files[name].get("bytes"):
                raise _bad(path, f"{name} does not match its checksum")
    return Archive(path, manifest)


def _read_member(archive: Archive, name: str) -> bytes:
    with zipfile.ZipFile(archive.path) as opened:
        return opened.read(name)


def _extract(archive: Archive, name: str, dest: Path) -> None:
    with (
        zipfile.ZipFile(archive.path) as opened,
        opened.open(name) as src,
        open(dest, "wb") as out,
    ):
        shutil.copyfileobj(src, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())
    if _sha256(dest) != archive.manifest["files"][name]["sha256"]:
        raise _bad(archive.path, f"{name} changed while being read")


def _postgres_has_tables(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"cannot reach the PostgreSQL database: {first}") from None
    return bool(row and row[0])


def prepare_data_dir(archive: Archive, directory: Path, *, force: bool) -> Path:
    """Check the target before anything is written, then put the key in place.

    Refuses: a database kind other than the one configured; a directory that already holds a
    database (or a PostgreSQL database with tables) unless ``force``; a key that does not match
    the archive's (``force`` replaces it only when the archive carries its own key).
    """
    directory = datadir.ensure_data_dir(directory)
    url = (environment.get("MENTALIZE_DATABASE_URL") or "").strip()
    configured = "postgresql" if url else "sqlite"
    if archive.vendor != configured:
        how = "unset MENTALIZE_DATABASE_URL" if url else "set MENTALIZE_DATABASE_URL"
        raise BackupError(
            f"{archive.path} holds a {archive.vendor} database but the clinic is configured for "
            f"{configured}; {how} or restore a {configured} backup"
        )
    held = sorted(
        p.name for p in directory.iterdir() if p.name not in (datadir.KEY_FILE, datadir.SECRET_FILE)
    )
    if held and not force:
        raise BackupError(
            f"{directory} is not empty ({', '.join(held[:3])}); restore into an empty data "
            "directory, or pass --force to replace its database"
        )
    if url and not force and _postgres_has_tables(url):
        raise BackupError(
            "the PostgreSQL database already has tables; restore into an empty database, or "
            "pass --force to replace them"
        )
    wanted = archive.manifest["key"]["id"]
    key_path = directory / datadir.KEY_FILE
    current = key_path.read_bytes() if key_path.is_file() else None
    if archive.manifest["key"].get("included"):
        key = _read_member(archive, KEY_MEMBER)
        if current is not None and key_id(current) != wanted and not force:
            raise BackupError(
                f"{key_path} is a different key (id {key_id(current)}) from the archive's "
                f"({wanted}); pass --force to replace it"
            )
        if current != key:
            write_atomically(key_path, lambda handle: handle.write(key))
    elif current is None:
        raise BackupError(
            f"{archive.path} does not hold the encryption key (made without --include-key); "
            f"copy the clinic's encryption.key (id {wanted}) into {directory}, chmod 600 it, "
            "and run restore again"
        )
    elif key_id(current) != wanted:
        raise BackupError(
            f"{key_path} has key id {key_id(current)} but the archive's data needs key id "
            f"{wanted}; copy the right encryption.key into {directory}"
        )
    return directory


def check_migrations(archive: Archive) -> None:
    """Refuse an archive from a newer mentalize (migrations this code does not know)."""
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(archive.manifest.get("migrations") or []) - known)
    if unknown:
        version = archive.manifest.get("versions", {}).get("mentalize", "?")
        raise BackupError(
            f"{archive.path} was made by mentalize {version} with migrations this version does "
            f"not have ({unknown[0]}); upgrade mentalize first"
        )


def restore_database(archive: Archive, *, force: bool) -> None:
    """Replace the configured database with the archive's (Django set up, not yet migrated)."""
    from django.conf import settings
    from django.db import connection

    check_migrations(archive)
    connection.close()
    if archive.vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        with _scratch(target.parent, ".restoring") as staged:
            _extract(archive, archive.member, staged)
            try:
                with sqlite3.connect(staged) as check:
                    (result,) = check.execute("PRAGMA integrity_check").fetchone()
            except sqlite3.Error as exc:
                raise _bad(archive.path, f"database snapshot unreadable: {exc}") from None
            if result != "ok":
                raise _bad(archive.path, f"database snapshot fails integrity check: {result}")
            for stale in ("-wal", "-shm", "-journal"):
                Path(f"{target}{stale}").unlink(missing_ok=True)
            os.chmod(staged, 0o600)
            os.replace(staged, target)
        return
    with _scratch(Path(settings.DATA_DIR), ".pgdump") as staged:
        _extract(archive, archive.member, staged)
        args = [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
        ]
        if force:
            args += ["--clean", "--if-exists"]
        _run_pg_tool([*args, str(staged)], _pg_env(connection.settings_dict), "pg_restore")


def check_restored(archive: Archive) -> str:
    """After migrating: the audit chain verifies, and a row of every clinical table decrypts."""
    from django.apps import apps

    from mentalize.web.audit.chain import verify
    from mentalize.web.audit.models import AuditHead
    from mentalize.web.crypto import DecryptionError
    from mentalize.web.fields import EncryptedTextField

    result = verify()
    if not result.ok:
        where = f"entry id {result.first_bad_id}" if result.first_bad_id else "the chain's end"
        raise BackupError(
            f"restored, but the audit log does not verify at {where}: {result.problem}"
        )
    recorded = archive.manifest.get("audit_head")
    if recorded:
        head = AuditHead.objects.filter(pk=1).first()
        if head is None or head.seq < recorded["seq"]:
            raise BackupError("restored, but the audit log is shorter than the manifest says")
    checked = 0
    for model in apps.get_models():
        if any(isinstance(f, EncryptedTextField) for f in model._meta.get_fields()):
            try:
                if model.objects.order_by("pk").first() is not None:
                    checked += 1
            except DecryptionError:
                raise BackupError(
                    f"restored, but {model._meta.label_lower} does not decrypt with the key in "
                    "the data directory"
                ) from None
    return (
        f"restored {archive.vendor} database from {archive.path.name}: audit log intact "
        f"({result.checked} entries), clinical text decrypts ({checked} tables checked)"
    )
