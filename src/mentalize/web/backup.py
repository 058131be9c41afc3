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
complete, so a failed backup leaves no partial archive.

**No live sessions** (review finding 2, issue 18). A session key is a log-in (second factor
included), so the rows of :data:`EXCLUDED_DATA` (``django_session``) never reach an archive: the
SQLite snapshot is emptied with ``secure_delete`` (no key left in free pages), ``pg_dump`` gets
``--exclude-table-data``; restore empties the table again (older archives carry sessions) and in
the previous database it keeps. Kept on purpose: API tokens and questionnaire links (SHA-256
digests only, which open nothing; dropping them would break integrations and open links), axes'
lock-out records (no secret; they expire in 15 minutes), the task queue (ids), and the TOTP
devices, whose secrets django-otp stores in the clear: dropping them would silently switch every
second factor off, so an archive is a credential store and is kept like one.

**Restore checks before it installs** (review finding 3). In order, and nothing outside a scratch
copy is written until the last step:

1. :func:`open_archive`: the manifest, the expected members, every checksum (exit 2).
2. :func:`plan_restore`: database kind, an empty target (or ``--force``), the right key.
3. :func:`staged`: the archive is unpacked into a private ``.restore-*`` directory inside the data
   directory (the key, and the SQLite file) or, on PostgreSQL, a scratch database beside the
   configured one (the role needs CREATEDB: pg_restore cannot be pointed at another schema, and
   a checked database can then be swapped in by renaming); Django is set up on that copy and
   migrates it forward. A dump's table of contents is checked first (:func:`pg_restore_list`):
   only a clinic's own entry kinds reach the server, the rest refuses the archive.
4. :func:`check_staged`: sessions emptied; every migration applied and every model's columns
   present; the audit log's triggers exactly as migration ``audit.0002`` made them
   (``chain.trigger_problems()``, then ``chain.verify()``, which checks the chain and the
   triggers too); the head no shorter than the manifest's; supervisors and API tokens recorded
   by the chain's account events (:func:`_check_accounts`); every encrypted value decrypts with
   the key the directory will hold.
5. :func:`install`: renames only (the previous ``clinic.sqlite3`` to
   ``clinic.sqlite3.before-restore-STAMP``, a replaced key to ``encryption.key.before-restore-
   STAMP``, the checked copy into place; PostgreSQL: ``NAME`` to ``NAME_pre_restore_STAMP``, the
   scratch database to ``NAME``), each recorded with its inverse, then the installed copy is
   compared with what was checked; any failure undoes the steps in reverse, so the previous
   database and key are back byte for byte. The previous ones are kept after a success.

What restore cannot detect: rows that are not chained. Someone able to rewrite the archive can
recompute its manifest; the triggers and the chain catch tampering with the audit log, account
events catch a supervisor or an API token the chain does not record, but a changed password hash
restores as it is. A PostgreSQL archive is code: the table-of-contents check reads pg_dump's
labels, and a hand-made archive can label any SQL as a table, which pg_restore runs as the
restoring role; so restore runs as the clinic's own role, never a superuser (documented, not
enforced: CI restores as ``postgres``). Archives must come from a trusted place; ``audit verify
--against HEAD`` with a head kept elsewhere anchors the history.

Django is imported inside functions: ``restore`` must place the key before Django's settings
(which create a fresh key when none exists) are imported.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from mentalize import environment
from mentalize.errors import MentalizeError
from mentalize.files import atomic_path, fsync_folder
from mentalize.web import datadir

FORMAT = "mentalize.backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/clinic.sqlite3"
POSTGRES_MEMBER = "database/clinic.pgdump"
KEY_MEMBER = "keys/encryption.key"
SQLITE_FILE = "clinic.sqlite3"
_CHUNK = 1 << 20
_LOW_SPACE = 1 << 20  # below this much free space, an I/O error is reported as a full disk
# Tables whose rows never leave the clinic in an archive and are emptied in every restored (or
# kept) database: django_session holds live log-ins (a session key is a password, second factor
# included). Everything else is kept, see the module docstring for why, table by table.
EXCLUDED_DATA = ("django_session",)


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
        _drop_secrets_sqlite(dst)
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


def _drop_secrets_sqlite(db: sqlite3.Connection) -> None:
    """Empty the tables in :data:`EXCLUDED_DATA` of a snapshot (or a kept copy).

    ``secure_delete`` overwrites the deleted rows' bytes with zeros, so the session keys are not
    left behind in free pages of the archived file either.
    """
    db.execute("PRAGMA secure_delete = ON")
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table in EXCLUDED_DATA:
        if table in present:
            db.execute(f'DELETE FROM "{table}"')
    db.commit()


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


def _run_pg_tool(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise BackupError(f"{what} failed (exit {done.returncode}): {first}")
    return done.stdout


def _dump_postgres(settings_dict: dict[str, Any], dest: Path) -> dict[str, Any]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    migrations = sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())
    # The head is read before pg_dump takes its own snapshot: the log only grows, so the dump
    # holds this entry (perhaps with a few later ones), and the head is a valid outside anchor
    # for ``audit verify --against-file ARCHIVE`` and a floor for restore's head check.
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1")
        head = cursor.fetchone()
    _run_pg_tool(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *(f"--exclude-table-data={table}" for table in EXCLUDED_DATA),
            f"--file={dest}",
        ],
        _pg_env(settings_dict),
        "pg_dump",
    )
    return {
        "audit_head": {"seq": head[0], "hash": head[1]} if head else None,
        "migrations": migrations,
    }


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
            "excluded_data": list(EXCLUDED_DATA),
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _pg_connect(conninfo: str, dbname: str | None = None) -> Any:
    """An autocommit connection to the configured server (``dbname`` overrides the URL's)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    try:
        info = make_conninfo(conninfo, dbname=dbname) if dbname else conninfo
        return psycopg.connect(info, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise BackupError(f"cannot reach the PostgreSQL database: {_first_line(exc)}") from None


def _pg_name(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path.lstrip("/"))


def _pg_with_name(url: str, name: str) -> str:
    from urllib.parse import quote, urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name)))


def _pg_derived(name: str, suffix: str) -> str:
    """``name`` + ``suffix`` within PostgreSQL's 63-byte identifiers (it would cut it silently)."""
    return name[: 63 - len(suffix)] + suffix


def _postgres_has_tables(url: str) -> bool:
    import psycopg

    with _pg_connect(url) as conn:
        try:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        except psycopg.Error as exc:
            raise BackupError(f"cannot read the PostgreSQL database: {_first_line(exc)}") from None
    return bool(row and row[0])


def _check_not_in_use(path: Path, timeout: float = 1.0) -> None:
    """Refuse when another process is writing the SQLite database a ``--force`` restore would
    replace (``mentalize serve``, a worker): its writes would go to the renamed file, or be lost.

    An exclusive transaction, taken and given back at once, waits ``timeout`` seconds for any
    other writer; an idle open connection cannot be seen this way, hence the advice.
    """
    if not path.is_file():
        return
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=timeout)) as db:
            db.execute("BEGIN EXCLUSIVE")
            db.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise BackupError(
            f"{path} is in use by another process ({_first_line(exc)}); stop mentalize serve "
            "and its workers first; nothing was restored"
        ) from None


@dataclass(frozen=True)
class RestorePlan:
    """What restore will do, decided before anything is written."""

    archive: Archive
    directory: Path  # the target data directory
    key: bytes  # the key the data directory will hold once restored
    postgres_url: str | None  # the configured database (None: SQLite in ``directory``)


def plan_restore(archive: Archive, directory: Path, *, force: bool) -> RestorePlan:
    """Check the target and pick the key; writes nothing but the (empty, 0700) directory.

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
    if not url and force:
        _check_not_in_use(directory / SQLITE_FILE)
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
        if key_id(key) != wanted:
            raise _bad(archive.path, f"{KEY_MEMBER} is not the key the manifest names ({wanted})")
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
    else:
        key = current
    return RestorePlan(archive, directory, key, url or None)


@dataclass
class Stage:
    """The scratch data directory (and, on PostgreSQL, scratch database) a restore is checked in.

    ``directory`` lies inside the target data directory, so the checked SQLite file is renamed
    into place on the same file system (atomic); ``head`` is the audit head the checks saw, which
    the installed database must show too.
    """

    directory: Path
    database_url: str | None = None
    database_name: str | None = None
    head: tuple[int, str] | None = None
    installed: bool = False
    # The migrations the snapshot itself recorded, read before restore migrates it forward.
    snapshot_migrations: frozenset[str] = frozenset()


def _close_django_connections() -> None:
    """Close Django's connections, if Django is set up (rename and DROP need them closed)."""
    import sys

    if "django.db" not in sys.modules:
        return
    from django.conf import settings
    from django.db import connections

    if settings.configured:
        connections.close_all()


@contextmanager
def staged(plan: RestorePlan) -> Iterator[Stage]:
    """Unpack the archive into a scratch data directory (and scratch database), never the target.

    Nothing outside the scratch is touched here; on the way out the scratch is removed (and the
    scratch database dropped) unless :func:`install` moved it into place.
    """
    scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=plan.directory))  # 0700
    stage = Stage(scratch)
    try:
        write_atomically(scratch / datadir.KEY_FILE, lambda handle: handle.write(plan.key))
        if plan.postgres_url is None:
            stage.snapshot_migrations = _stage_sqlite(plan.archive, scratch / SQLITE_FILE)
        else:
            _stage_postgres(plan, stage)
        yield stage
    finally:
        _close_django_connections()
        if stage.database_name and not stage.installed and plan.postgres_url:
            _drop_database(plan.postgres_url, stage.database_name)
        shutil.rmtree(scratch, ignore_errors=True)


def _stage_sqlite(archive: Archive, dest: Path) -> frozenset[str]:
    """Unpack and check the SQLite snapshot; return the migrations it recorded."""
    _extract(archive, archive.member, dest)
    os.chmod(dest, 0o600)
    try:
        with closing(sqlite3.connect(dest)) as check:
            (result,) = check.execute("PRAGMA integrity_check").fetchone()
            if result == "ok":
                rows = check.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.Error as exc:
        raise _bad(archive.path, f"database snapshot unreadable: {exc}") from None
    if result != "ok":
        raise _bad(archive.path, f"database snapshot fails integrity check: {result}")
    return frozenset(f"{app}.{name}" for app, name in rows)


# The kinds of entry (``pg_restore --list``) a clinic's ``pg_dump`` holds, longest first so that
# ``TABLE DATA`` is not read as ``TABLE``. What a genuine dump lists (PostgreSQL 15, checked by
# ``test_a_genuine_dump_lists_only_allowed_entries``): TABLE, TABLE DATA, SEQUENCE, SEQUENCE SET,
# INDEX, CONSTRAINT, FK CONSTRAINT, TRIGGER and the one FUNCTION of migration ``audit.0002``;
# SEQUENCE OWNED BY and DEFAULT are what other versions use for serial columns.
_PG_KINDS = (
    "SEQUENCE OWNED BY",
    "FK CONSTRAINT",
    "SEQUENCE SET",
    "TABLE DATA",
    "CONSTRAINT",
    "FUNCTION",
    "SEQUENCE",
    "TRIGGER",
    "DEFAULT",
    "INDEX",
    "TABLE",
)
# Entries some pg_dump versions add about the ``public`` schema itself: harmless, and skipped
# (never restored) rather than refused.
_PG_SKIPPED = ("SCHEMA - public ", "COMMENT - SCHEMA public ")
_PG_ENTRY = re.compile(r"(\d+); (\d+) (\d+) (.*)")


def _audit_functions() -> frozenset[str]:
    """The functions migration ``audit.0002`` creates (``name()``), the only ones a dump holds."""
    import importlib

    migration = importlib.import_module("mentalize.web.audit.migrations.0002_head_and_append_only")
    return frozenset(
        f"{match.group(1)}()"
        for statement in migration.POSTGRES
        if (match := re.match(r"CREATE (?:OR REPLACE )?FUNCTION (\w+)\(\)", statement))
    )


def _entry_kind(rest: str) -> str:
    """The kind of an unexpected TOC entry for the refusal: its leading upper-case words (pg_dump
    writes kinds in capitals, names as they are), printable ASCII only."""
    words = []
    for word in rest.split(" "):
        if not word.isalpha() or not word.isupper():
            break
        words.append(word)
    kind = " ".join(words) or rest.split(" ")[0]
    return "".join(c for c in kind if c.isprintable() and c.isascii())[:40] or "?"


def pg_restore_list(archive: Archive, toc: str) -> str:
    """The ``--use-list`` file for ``pg_restore``: the dump's entries that a clinic's dump holds
    (tables, their data, sequences, indexes, constraints, triggers in schema ``public``, and the
    audit log's append-only function), or refuse the archive naming the first other entry.

    Why: pg_restore sends each entry's SQL to the server as the clinic's role before any check
    can run, so a doctored dump could carry ``ALTER ROLE``, ``ALTER DATABASE <live> SET ...``, a
    function of its own or, with a superuser, ``COPY ... TO PROGRAM``. This checks the entries'
    kinds and names as pg_dump labels them; a hand-made archive can still label any SQL as a
    table, which is why a PostgreSQL archive is code and restore should not run as a superuser
    (module docstring).
    """
    functions = _audit_functions()
    kept = []
    for line in toc.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        match = _PG_ENTRY.fullmatch(line)
        if match is None:
            raise _bad(archive.path, "its database dump has an unreadable table of contents")
        rest = match.group(4)
        if rest.startswith(_PG_SKIPPED):
            continue
        kind = next((k for k in _PG_KINDS if rest.startswith(k + " ")), None)
        namespace, _, tag = rest[len(kind) + 1 :].partition(" ") if kind else ("", "", "")
        allowed = (
            kind is not None
            and namespace == "public"
            and (kind != "FUNCTION" or tag.split(" ")[0] in functions)
        )
        if not allowed:
            what = f"{kind} {namespace}" if kind else _entry_kind(rest)
            if kind == "FUNCTION":
                what = "FUNCTION other than the audit log's"
            raise _bad(
                archive.path,
                f"its database dump holds a {what} entry (#{match.group(1)}), which a clinic's "
                "dump never has",
            )
        kept.append(line)
    return "\n".join(kept) + "\n"


def _stage_postgres(plan: RestorePlan, stage: Stage) -> None:
    """Create a scratch database beside the configured one and pg_restore the archive into it."""
    import psycopg
    from psycopg import sql

    assert plan.postgres_url is not None
    # The dump's entries are checked before any database is made: pg_restore --list reads the
    # file only. Nothing but the allowed entries is ever sent to the server (--use-list).
    dump, uses = stage.directory / "clinic.pgdump", stage.directory / "clinic.pgdump.list"
    _extract(plan.archive, plan.archive.member, dump)
    try:
        toc = _run_pg_tool(
            [_tool("pg_restore"), "--list", str(dump)], dict(os.environ), "pg_restore --list"
        )
    except BackupError as exc:
        raise _bad(plan.archive.path, str(exc)) from None
    uses.write_text(pg_restore_list(plan.archive, toc), encoding="utf-8")
    target = _pg_name(plan.postgres_url)
    scratch = _pg_derived(target, f"_restore_{secrets.token_hex(4)}")
    with _pg_connect(plan.postgres_url, dbname="postgres") as conn:
        try:
            like = conn.execute(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                "WHERE datname = %s",
                (target,),
            ).fetchone()
            if like is None:
                raise BackupError(f"PostgreSQL database {target} does not exist; create it first")
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}"
                ).format(sql.Identifier(scratch), *(sql.Literal(v) for v in like))
            )
        except psycopg.Error as exc:
            raise BackupError(
                f"cannot create the scratch database {scratch} that restore checks the archive "
                f"in ({_first_line(exc)}); the clinic's PostgreSQL role needs CREATEDB and must "
                f"own {target}; nothing was restored"
            ) from None
    stage.database_name = scratch
    stage.database_url = _pg_with_name(plan.postgres_url, scratch)
    args = [
        _tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--no-tablespaces",
        f"--use-list={uses}",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={scratch}",
        str(dump),
    ]
    env = _pg_env(_settings_dict(plan.postgres_url) | {"NAME": scratch})
    try:
        _run_pg_tool(args, env, "pg_restore")
    except BackupError as exc:
        raise _bad(plan.archive.path, str(exc)) from None
    finally:
        dump.unlink(missing_ok=True)
        uses.unlink(missing_ok=True)
    with _pg_connect(stage.database_url) as conn:
        try:
            rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
        except psycopg.Error:
            rows = []  # no table: migrate makes it, and the schema check judges the rest
    stage.snapshot_migrations = frozenset(f"{app}.{name}" for app, name in rows)


def _settings_dict(url: str) -> dict[str, Any]:
    """The parts of a database URL that :func:`_pg_env` reads."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    return {
        "HOST": params.get("host"),
        "PORT": params.get("port"),
        "USER": params.get("user"),
        "PASSWORD": params.get("password"),
        "NAME": params.get("dbname"),
        "OPTIONS": {"sslmode": params.get("sslmode")},
    }


def _drop_database(url: str, name: str) -> None:
    """Drop a database restore made (best effort: it is on the way out of a failure already)."""
    import psycopg
    from psycopg import sql

    try:
        with _pg_connect(url, dbname="postgres") as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    except (psycopg.Error, BackupError):
        pass


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


def _check_audit_triggers(archive: Archive) -> None:
    """The audit log's tables carry exactly the triggers migration ``audit.0002`` made.

    A doctored archive with its triggers dropped still passes every checksum (the manifest can be
    recomputed) and, until someone edits an entry, the hash chain too; so restore asks
    ``chain.trigger_problems()`` (the one definition of "as the migrations made them", shared
    with ``audit verify``) before the chain is walked, and refuses with its own wording.
    """
    from mentalize.web.audit.chain import describe, trigger_problems

    problems = trigger_problems()
    if problems:
        raise _bad(
            archive.path,
            "the audit log's tables are not as the migrations left them: " + describe(*problems[0]),
        )


def _check_schema(archive: Archive) -> None:
    """Every migration is applied and every model's table and columns exist."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        migration = pending[0][0]
        raise _bad(archive.path, f"migration {migration.app_label}.{migration.name} not applied")
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if not meta.managed or meta.proxy:
                continue
            if meta.db_table not in tables:
                raise _bad(archive.path, f"table {meta.db_table} is missing")
            columns = {
                c.name
                for c in connection.introspection.get_table_description(cursor, meta.db_table)
            }
            for field in meta.local_concrete_fields:
                if field.column not in columns:
                    raise _bad(archive.path, f"column {meta.db_table}.{field.column} is missing")


def _drop_secrets(connection: Any) -> None:
    """Empty :data:`EXCLUDED_DATA` in the database Django is connected to."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA secure_delete = ON")
        for table in EXCLUDED_DATA:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


#: The migration that came with chained account events (accounts/events.py); a database that never
#: had it may hold supervisors and tokens from before, with no entry for them.
ACCOUNT_EVENTS_MIGRATION = "audit.0003_account_events"


def _check_accounts(archive: Archive, stage: Stage) -> None:
    """Every supervisor and API token in the copy is one the audit chain records.

    Why: a doctored archive (manifest recomputed, chain and triggers untouched) could otherwise
    grant a supervisor read access to a caseload, or plant a token, unseen. Account events are
    chained, so: each non-null ``supervisor_id`` must be the value of the user's latest
    ``supervisor_assign`` with no ``supervisor_remove`` after it, and each ``accounts_apitoken``
    row must have a ``token_create`` entry naming it, for its user. The one allowance: a database
    from before chained account events (neither the manifest nor the snapshot records
    :data:`ACCOUNT_EVENTS_MIGRATION`), for a user with no account event at all. Password hashes
    are not chained and cannot be checked (module docstring). Refusals name ids only.
    """
    from django.apps import apps
    from django.db.models import Q

    from mentalize.web.accounts.events import USER, AccountAction, event_value
    from mentalize.web.audit.models import AuditEntry

    users, tokens = apps.get_model("accounts", "User"), apps.get_model("accounts", "ApiToken")
    supervised = dict(
        users._base_manager.exclude(supervisor_id=None).values_list("pk", "supervisor_id")
    )
    made = list(tokens._base_manager.order_by("pk").values_list("pk", "user_id"))
    if not supervised and not made:
        return
    recorded = set(archive.manifest.get("migrations") or []) | stage.snapshot_migrations
    legacy = ACCOUNT_EVENTS_MIGRATION not in recorded
    wanted = {str(pk) for pk in supervised} | {str(user) for _, user in made}
    events = (
        AuditEntry.objects.filter(object_id__in=wanted, action__in=AccountAction.values)
        .filter(Q(object_type=USER) | Q(object_type__startswith=USER + ":"))
        .order_by("seq")
        .values_list("action", "object_type", "object_id")
    )
    chained: set[str] = set()  # users with any account event
    supervisor: dict[str, str | None] = {}  # user -> supervisor per the latest assign/remove
    created: set[tuple[str, str]] = set()  # (user, token) with a token_create entry
    for action, object_type, object_id in events.iterator(chunk_size=2000):
        chained.add(object_id)
        key, value = event_value(object_type)
        if action == AccountAction.SUPERVISOR_ASSIGN and key == "supervisor":
            supervisor[object_id] = value
        elif action == AccountAction.SUPERVISOR_REMOVE:
            supervisor[object_id] = None
        elif action == AccountAction.TOKEN_CREATE and key == "token":
            created.add((object_id, value))
    for pk, supervisor_id in sorted(supervised.items()):
        user = str(pk)
        if legacy and user not in chained:
            continue
        if supervisor.get(user) != str(supervisor_id):
            raise _bad(
                archive.path,
                f"user {pk} has supervisor {supervisor_id}, which no supervisor_assign entry "
                "of the audit log records",
            )
    for token, owner in made:
        if legacy and str(owner) not in chained:
            continue
        if (str(owner), str(token)) not in created:
            raise _bad(
                archive.path,
                f"API token {token} of user {owner} has no token_create entry in the audit log",
            )


def check_staged(archive: Archive, stage: Stage) -> str:
    """Check the migrated scratch database; raise before anything is installed.

    Order: sessions emptied, schema, the audit log's triggers, the hash chain (``verify()``), the
    chain's head against the manifest, supervisors and API tokens against the chain's account
    events, then every encrypted value of every clinical row decrypts with the key the data
    directory will hold. Returns the line the CLI prints.
    """
    from django.apps import apps
    from django.db import connection

    from mentalize.web.audit.chain import verify
    from mentalize.web.audit.models import AuditEntry, AuditHead
    from mentalize.web.crypto import DecryptionError
    from mentalize.web.fields import EncryptedTextField

    _drop_secrets(connection)
    _check_schema(archive)
    _check_audit_triggers(archive)
    result = verify()
    if not result.ok:
        where = f"entry id {result.first_bad_id}" if result.first_bad_id else "the chain's end"
        raise _bad(archive.path, f"the audit log does not verify at {where}: {result.problem}")
    head = AuditHead.objects.filter(pk=1).first()
    recorded = archive.manifest.get("audit_head")
    if recorded and (head is None or head.seq < recorded["seq"]):
        raise _bad(archive.path, "the audit log is shorter than the manifest says")
    if (
        recorded
        and recorded["seq"]
        and not AuditEntry.objects.filter(seq=recorded["seq"], hash=recorded["hash"]).exists()
    ):
        raise _bad(archive.path, f"audit entry {recorded['seq']} differs from the manifest's head")
    stage.head = (head.seq, head.hash) if head else None
    _check_accounts(archive, stage)
    tables = rows = 0
    for model in apps.get_models():
        encrypted = [
            f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if not encrypted:
            continue
        tables += 1
        query = model._base_manager.order_by("pk").only("pk", *encrypted)
        last: Any = None
        try:
            # Pages read whole (list), not a server-side iterator: a decryption error then
            # leaves no cursor open behind it.
            while page := list((query if last is None else query.filter(pk__gt=last))[:500]):
                rows += len(page)
                last = page[-1].pk
        except DecryptionError:
            raise _bad(
                archive.path,
                f"{model._meta.label_lower} does not decrypt with the key the data directory "
                "would hold",
            ) from None
    return (
        f"restored {archive.vendor} database from {archive.path.name}, checked before it was "
        f"installed: audit log intact ({result.checked} entries, append-only triggers present), "
        f"clinical text decrypts ({rows} rows in {tables} tables), sessions cleared"
    )


# -- install (atomic, with the previous database and key kept) --------------------------------


def _free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name-1``, ``name-2`` ... if that (or a side file of it) exists."""
    candidate, n = directory / name, 0
    while any(Path(f"{candidate}{s}").exists() for s in ("", "-wal", "-shm", "-journal")):
        n += 1
        candidate = directory / f"{name}-{n}"
    return candidate


def _install_key(plan: RestorePlan, stamp: str, undo: list[Callable[[], object]]) -> Path | None:
    path = plan.directory / datadir.KEY_FILE
    current = path.read_bytes() if path.is_file() else None
    if current == plan.key:
        return None
    kept = None
    if current is not None:
        kept = _free_name(plan.directory, f"{datadir.KEY_FILE}.before-restore-{stamp}")
        os.replace(path, kept)
        undo.append(lambda: os.replace(kept, path))
    undo.append(lambda: path.unlink(missing_ok=True))
    write_atomically(path, lambda handle: handle.write(plan.key))
    return kept


_SIDE = ("-wal", "-shm", "-journal")


def _install_sqlite(
    plan: RestorePlan, stage: Stage, stamp: str, undo: list[Callable[[], object]]
) -> Path | None:
    target = plan.directory / SQLITE_FILE
    staged_db = stage.directory / SQLITE_FILE
    with closing(sqlite3.connect(staged_db)) as db:  # fold the WAL in: one self-contained file
        db.execute("PRAGMA journal_mode=DELETE")
    kept = None
    if target.exists():
        kept = _free_name(plan.directory, f"{SQLITE_FILE}.before-restore-{stamp}")
        for side in ("", *_SIDE):
            src, dst = Path(f"{target}{side}"), Path(f"{kept}{side}")
            if src.exists():
                os.replace(src, dst)
                undo.append(functools.partial(os.replace, dst, src))
    else:
        for side in _SIDE:  # stale side files of no database would be applied to the new one
            Path(f"{target}{side}").unlink(missing_ok=True)

    def remove_new() -> None:
        for side in ("", *_SIDE):
            Path(f"{target}{side}").unlink(missing_ok=True)

    undo.append(remove_new)
    os.replace(staged_db, target)
    return kept


def _install_postgres(
    plan: RestorePlan, stage: Stage, stamp: str, undo: list[Callable[[], object]]
) -> str:
    """Swap the checked scratch database in by two renames (the old one is kept, renamed)."""
    import psycopg
    from psycopg import sql

    assert plan.postgres_url is not None and stage.database_name is not None
    target, scratch = _pg_name(plan.postgres_url), stage.database_name
    kept = _pg_derived(target, f"_pre_restore_{stamp.lower()}")
    rename = sql.SQL("ALTER DATABASE {} RENAME TO {}")
    with _pg_connect(plan.postgres_url, dbname="postgres") as conn:

        def move(old: str, new: str) -> None:
            try:
                conn.execute(rename.format(sql.Identifier(old), sql.Identifier(new)))
            except psycopg.Error as exc:
                raise BackupError(
                    f"cannot rename PostgreSQL database {old} to {new} ({_first_line(exc)}); "
                    "stop mentalize serve and its workers first"
                ) from None

        move(target, kept)
        undo.append(lambda: _pg_rename(plan.postgres_url or "", kept, target))
        move(scratch, target)
        undo.append(lambda: _pg_rename(plan.postgres_url or "", target, scratch))
    return kept


def _pg_rename(url: str, old: str, new: str) -> None:
    from psycopg import sql

    with _pg_connect(url, dbname="postgres") as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(old), sql.Identifier(new)
            )
        )


def _database_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a database step may raise: sqlite3's, and psycopg's and Django's where they
    are loaded (an uncaught one would skip the rollback and print a traceback)."""
    import sys

    errors: list[type[BaseException]] = [sqlite3.Error]
    if "psycopg" in sys.modules:
        errors.append(sys.modules["psycopg"].Error)
    if "django.db" in sys.modules:
        errors.append(sys.modules["django.db"].Error)
    return tuple(errors)


def _check_installed(plan: RestorePlan, stage: Stage) -> None:
    """The installed database is the one checked: same audit head, no sessions; the key file is
    the archive's key."""
    try:
        if plan.postgres_url is None:
            uri = f"file:{plan.directory / SQLITE_FILE}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True)) as db:
                head = db.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1").fetchone()
                (sessions,) = db.execute("SELECT count(*) FROM django_session").fetchone()
        else:
            with _pg_connect(plan.postgres_url) as conn:
                head = conn.execute("SELECT seq, hash FROM audit_audithead WHERE id = 1").fetchone()
                (sessions,) = conn.execute("SELECT count(*) FROM django_session").fetchone()
    except _database_errors() as exc:
        raise BackupError(f"cannot read the installed database: {_first_line(exc)}") from None
    key = (plan.directory / datadir.KEY_FILE).read_bytes()
    if (tuple(head) if head else None) != stage.head or sessions or key != plan.key:
        raise BackupError("the installed database or key is not the one that was checked")


def _roll_back(undo: list[Callable[[], object]]) -> str | None:
    """Undo in reverse order; the first problem, if any undo step failed."""
    problem = None
    for step in reversed(undo):
        try:
            step()
        except Exception as exc:  # keep undoing the rest; report the first
            problem = problem or _first_line(exc)
    return problem


@dataclass(frozen=True)
class Kept:
    """What :func:`install` kept of the previous clinic: the names, and those whose sessions
    could not be emptied (the CLI says so rather than claiming they were)."""

    names: list[str]
    sessions_left: list[str]


def _kept_previous(plan: RestorePlan, stamp: str) -> str:
    """Where a failed rollback leaves the previous database, in this vendor's terms."""
    if plan.postgres_url is None:
        return f"as *.before-restore-* in {plan.directory}"
    kept = _pg_derived(_pg_name(plan.postgres_url), f"_pre_restore_{stamp.lower()}")
    return (
        f"as PostgreSQL database {kept} (the key as encryption.key.before-restore-* in "
        f"{plan.directory})"
    )


def install(plan: RestorePlan, stage: Stage) -> Kept:
    """Move the checked database and key into place; on any failure put the old ones back.

    Every step is a rename (or an atomic write) recorded with its inverse, so a failure (a
    rename refused, PostgreSQL's database in use, the installed copy not matching what was
    checked) is undone in reverse and leaves the data directory, and the configured database,
    exactly as they were. The previous database and key are kept beside the new ones
    (``*.before-restore-STAMP``; PostgreSQL: database ``NAME_pre_restore_STAMP``), with their
    sessions emptied once the new database has been checked in place; returns their names (and
    any whose sessions could not be emptied).
    """
    _close_django_connections()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    undo: list[Callable[[], object]] = []
    failures: tuple[type[BaseException], ...] = (BackupError, OSError, *_database_errors())
    try:
        if plan.postgres_url is None:
            kept_db: Path | str | None = _install_sqlite(plan, stage, stamp, undo)
        else:
            kept_db = _install_postgres(plan, stage, stamp, undo)
        kept_key = _install_key(plan, stamp, undo)
        _check_installed(plan, stage)
    except failures as exc:
        why = str(exc) if isinstance(exc, BackupError) else _first_line(exc)
        problem = _roll_back(undo)
        if problem:
            raise BackupError(
                f"restore failed while installing ({why}) and rolling back failed too "
                f"({problem}); the previous database and key are kept {_kept_previous(plan, stamp)}"
            ) from None
        raise BackupError(
            f"restore failed while installing ({why}); rolled back, the previous database and "
            "key are as they were"
        ) from None
    stage.installed = True
    fsync_folder(plan.directory)
    kept: list[str] = []
    left: list[str] = []
    if isinstance(kept_db, Path):
        kept.append(kept_db.name)
        if not _clear_kept_sqlite(kept_db):
            left.append(kept_db.name)
    elif kept_db is not None:
        assert plan.postgres_url is not None
        cleared = _clear_kept_postgres(_pg_with_name(plan.postgres_url, kept_db))
        if cleared is None:  # it held no tables: nothing worth keeping
            _drop_database(plan.postgres_url, kept_db)
        else:
            kept.append(f"PostgreSQL database {kept_db}")
            if not cleared:
                left.append(f"PostgreSQL database {kept_db}")
    if kept_key is not None:
        kept.append(kept_key.name)
    return Kept(kept, left)


def _clear_kept_sqlite(path: Path) -> bool:
    """Empty the kept copy's sessions (it is a database copy too); False if that failed."""
    try:
        with closing(sqlite3.connect(path)) as db:
            _drop_secrets_sqlite(db)
    except sqlite3.Error:
        return False
    return True


def _clear_kept_postgres(url: str) -> bool | None:
    """Empty the kept database's sessions: True when done, False when that failed, None when
    the database holds no tables at all."""
    import psycopg

    try:
        with _pg_connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
            if not (row and row[0]):
                return None
            for table in EXCLUDED_DATA:
                conn.execute(f'DELETE FROM "{table}"')
    except (psycopg.Error, BackupError):
        return False
    return True
