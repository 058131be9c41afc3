"""Review findings 2 and 3 (issue 18): backups carried live sessions, and restore installed an
archive before checking it.

Each test reproduces the attack as the review ran it, in real processes (``mentalize backup`` /
``mentalize restore``), on SQLite and, with ``MENTALIZE_TEST_DATABASE_URL``, on PostgreSQL:

* a session cookie that opens a patient page before the backup is in the archive no more, and
  does not work on the restored clinic (even one that kept the same ``secret_key``);
* a doctored archive (audit triggers dropped, a password hash changed, an API token planted, the
  manifest's hashes recomputed) is refused with one line, and the data directory (and database)
  it was aimed at is left exactly as it was;
* a ``--force`` restore that fails, whether a check fails or the install itself, keeps the
  previous database and ``encryption.key`` byte for byte;
* a ``--force`` restore that succeeds keeps the previous database and key beside the new ones.

The "triggers dropped" refusal is made by restore's trigger check (``chain.trigger_problems()``,
shared with ``audit verify``). The follow-up review's findings are at the end: supervisors and
API tokens cross-checked against the chain's account events, PostgreSQL dumps whose table of
contents holds entries a clinic's never has, database errors while installing, sessions left in
a kept database, and a SQLite database still being written.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import sqlite3
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import EXAMPLE
from tests.web.test_backup import NOTE, SEED, Clinic, _mentalize, _pg_url, _read_back, _run

LOGIN = """
import json, django
django.setup()
from django.test import Client
from mentalize.web.accounts.models import User
from mentalize.web.records.models import Patient
client = Client()
client.force_login(User.objects.get(username="ines"))
print(json.dumps({"cookie": client.cookies["mentalize_session"].value,
                  "patient": Patient.objects.get().pk}))
"""

PROBE = """
import sys, django
django.setup()
from django.test import Client
client = Client()
client.cookies["mentalize_session"] = sys.argv[1]
print(client.get(f"/patients/{sys.argv[2]}/").status_code)
"""

# The install step fails after the renames (the check that the installed copy is the one that
# was checked): everything must be put back.
FAIL_INSTALL = """
import sys
from mentalize.web import backup
def broken(plan, stage):
    raise backup.BackupError("simulated failure after the database was renamed into place")
backup._check_installed = broken
from mentalize.cli import app
app(sys.argv[1:], prog_name="mentalize")
"""

PLANTED_TOKEN = "planted-" + "x" * 40
PLANTED_PASSWORD = "planted password 123"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    made = Clinic(tmp_path_factory.mktemp("restore"))
    try:
        yield made
    finally:
        made.drop_all()


def _env(clinic: Clinic, name: str) -> dict[str, str]:
    env = clinic.new(name)
    env["MENTALIZE_ALLOWED_HOSTS"] = "testserver"  # django.test.Client's host name
    return env


def _status(env: dict[str, str], cookie: str, patient: int) -> int:
    done = _run(env, "-c", PROBE, cookie, str(patient))
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def live(clinic: Clinic) -> dict[str, Any]:
    """A clinic with a logged-in session whose cookie opens a patient page, and its archive."""
    env = _env(clinic, "live")
    seeded = _run(env, "-c", SEED.format(example=str(EXAMPLE), note=NOTE))
    assert seeded.returncode == 0, seeded.stderr
    session = json.loads(seeded.stdout.strip().splitlines()[-1])["session"]
    logged = _run(env, "-c", LOGIN)
    assert logged.returncode == 0, logged.stderr
    login = json.loads(logged.stdout.strip().splitlines()[-1])
    assert _status(env, login["cookie"], login["patient"]) == 200  # the cookie works today
    archive = clinic.root / "live.zip"
    made = _mentalize(env, "backup", "--out", str(archive), "--include-key")
    assert made.returncode == 0, made.stderr
    return {"env": env, "session": session, "archive": archive, **login}


def _data_dir(env: dict[str, str]) -> Path:
    return Path(env["MENTALIZE_DATA_DIR"])


def _snapshot_text(archive: Path, tmp_path: Path) -> tuple[bytes, int]:
    """The archive's database as bytes a cookie could be searched in, and its session rows."""
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        member = manifest["database"]["member"]
        data = opened.read(member)
    copy = tmp_path / "snapshot"
    copy.write_bytes(data)
    if manifest["database"]["vendor"] == "sqlite":
        with sqlite3.connect(copy) as db:
            (rows,) = db.execute("SELECT count(*) FROM django_session").fetchone()
        return data, rows
    script = subprocess.run(
        ["pg_restore", "--data-only", "--table=django_session", "-f", "-", str(copy)],
        capture_output=True,
        check=True,
    ).stdout
    full = subprocess.run(["pg_restore", "-f", "-", str(copy)], capture_output=True, check=True)
    # A COPY block's rows sit between its header line and the "\." that ends it.
    body = script.split(b"FROM stdin;\n", 1)[1].split(b"\n\\.", 1)[0] if b"stdin" in script else b""
    return full.stdout, len([line for line in body.splitlines() if line.strip()])


# -- finding 2: sessions -------------------------------------------------------------------------


def test_the_archive_holds_no_session_and_a_live_cookie_dies_on_restore(
    clinic: Clinic, live: dict[str, Any], tmp_path: Path
) -> None:
    text, rows = _snapshot_text(live["archive"], tmp_path)
    assert rows == 0
    assert live["cookie"].encode() not in text  # not even in free pages of the SQLite file
    with zipfile.ZipFile(live["archive"]) as opened:
        assert json.loads(opened.read("manifest.json"))["excluded_data"] == ["django_session"]

    # Restored into a directory that has the source's secret_key (the case where an old
    # session would otherwise still be valid): the cookie no longer opens the page.
    env = _env(clinic, "aftersession")
    target = _data_dir(env)
    target.mkdir(mode=0o700)
    shutil.copy2(_data_dir(live["env"]) / "secret_key", target / "secret_key")
    restored = _mentalize(env, "restore", str(live["archive"]))
    assert restored.returncode == 0, restored.stderr
    assert "sessions cleared" in restored.stdout
    assert _status(env, live["cookie"], live["patient"]) == 302  # to the log-in page


def test_restore_empties_sessions_carried_by_an_older_archive(
    clinic: Clinic, live: dict[str, Any], tmp_path: Path
) -> None:
    """An archive made before this fix still holds sessions: restore deletes them all."""
    old = _rebuilt(live["archive"], tmp_path, _with_session(live["cookie"]))
    env = _env(clinic, "oldarchive")
    target = _data_dir(env)
    target.mkdir(mode=0o700)
    shutil.copy2(_data_dir(live["env"]) / "secret_key", target / "secret_key")
    restored = _mentalize(env, "restore", str(old))
    assert restored.returncode == 0, restored.stderr
    # Restore migrates it forward, and audit 0004 writes the baseline of what stood then.
    verified = _mentalize(env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    if clinic.postgres:
        import psycopg

        with psycopg.connect(env["MENTALIZE_DATABASE_URL"]) as conn:
            assert conn.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
    else:
        with sqlite3.connect(target / "clinic.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
    assert _status(env, live["cookie"], live["patient"]) == 302


# -- doctored archives -----------------------------------------------------------------------------


def _rebuilt(
    archive: Path,
    tmp_path: Path,
    change: Any,
    *,
    key: bytes | None = None,
    manifest_change: Any = None,
) -> Path:
    """``archive`` with its database changed by ``change(path_or_url)`` (and optionally another
    key, or its manifest changed by ``manifest_change(manifest)``), every hash in the manifest
    recomputed: what an attacker with the archive can make."""
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        member = manifest["database"]["member"]
        snapshot = tmp_path / f"{uuid.uuid4().hex}.db"
        snapshot.write_bytes(opened.read(member))
        old_key = opened.read("keys/encryption.key")
    if manifest["database"]["vendor"] == "sqlite":
        change(snapshot)
    else:
        _change_pg_dump(snapshot, change)
    new_key = key if key is not None else old_key
    data = snapshot.read_bytes()
    manifest["files"][member] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest["files"]["keys/encryption.key"] = {
        "sha256": hashlib.sha256(new_key).hexdigest(),
        "bytes": len(new_key),
    }
    if key is not None:
        from mentalize.web.backup import key_id

        manifest["key"]["id"] = key_id(key)
    if manifest_change is not None:
        manifest_change(manifest)
    out = tmp_path / f"doctored-{uuid.uuid4().hex[:6]}.zip"
    with zipfile.ZipFile(out, "w") as new:
        new.writestr("manifest.json", json.dumps(manifest))
        new.writestr(member, data)
        new.writestr("keys/encryption.key", new_key)
    return out


def _change_pg_dump(dump: Path, change: Any) -> None:
    """pg_restore the dump into a throw-away database, change it, pg_dump it back."""
    import psycopg

    name = f"mentalize_doctor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = _pg_url(name)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(dump)], check=True)
        change(url)
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", url], check=True)
    finally:
        with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(target: Any, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run statements on a SQLite file (``?`` parameters) or a PostgreSQL URL (``%s``)."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as db:
            for statement, params in statements:
                db.execute(statement.replace("%s", "?"), params)
        return
    import psycopg

    with psycopg.connect(target, autocommit=True) as conn:
        for statement, params in statements:
            conn.execute(statement, params)


def _attack(target: Any) -> None:
    """The review's doctoring: triggers dropped, a password hash changed, a token planted."""
    from django.contrib.auth.hashers import make_password

    from mentalize.web.accounts.models import token_digest

    drop = (
        ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"]
        if isinstance(target, Path)
        else ["DROP TRIGGER audit_entry_append_only ON audit_auditentry"]
    )
    _execute(
        target,
        [(statement, ()) for statement in drop]
        + [
            (
                "UPDATE accounts_user SET password = %s WHERE username = 'ines'",
                (make_password(PLANTED_PASSWORD),),
            ),
            (
                "INSERT INTO accounts_apitoken (user_id, digest, prefix, created_at) "
                "SELECT id, %s, %s, %s FROM accounts_user WHERE username = 'ines'",
                (token_digest(PLANTED_TOKEN), PLANTED_TOKEN[:8], "2026-03-01 00:00:00+00:00"),
            ),
        ],
    )


def _with_session(cookie: str) -> Any:
    """Put a session row back (what archives made before the fix carried)."""

    def change(target: Any) -> None:
        _execute(
            target,
            [
                (
                    ("INSERT OR REPLACE" if isinstance(target, Path) else "INSERT")
                    + " INTO django_session (session_key, session_data, expire_date) "
                    "VALUES (%s, %s, %s)",
                    (cookie, "e30:forged", "2099-01-01 00:00:00"),
                )
            ],
        )

    return change


def _state(env: dict[str, str]) -> dict[str, Any]:
    """Every file of the data directory, byte for byte, and on PostgreSQL the database's
    security-relevant contents: what a refused or rolled-back restore must leave alone."""
    directory = _data_dir(env)
    files = (
        {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}
        if directory.exists()
        else None
    )
    state: dict[str, Any] = {"files": files}
    url = env.get("MENTALIZE_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
            state["tables"] = tables
            if tables and tables[0]:
                for query in (
                    "SELECT seq, hash FROM audit_audithead",
                    "SELECT username, password FROM accounts_user ORDER BY id",
                    "SELECT digest FROM accounts_apitoken ORDER BY id",
                    "SELECT session_key FROM django_session ORDER BY session_key",
                    "SELECT tgname FROM pg_trigger WHERE tgname = 'audit_entry_append_only'",
                ):
                    state[query] = conn.execute(query).fetchall()
    return state


@pytest.fixture
def victim(clinic: Clinic, live: dict[str, Any]) -> dict[str, str]:
    """A working clinic (restored from the good archive) with a logged-in user of its own."""
    env = _env(clinic, f"v{uuid.uuid4().hex[:6]}")
    restored = _mentalize(env, "restore", str(live["archive"]))
    assert restored.returncode == 0, restored.stderr
    logged = _run(env, "-c", LOGIN)
    assert logged.returncode == 0, logged.stderr
    return env


def _refused_once(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_a_doctored_archive_is_refused_and_the_clinic_is_untouched(
    clinic: Clinic, live: dict[str, Any], victim: dict[str, str], tmp_path: Path
) -> None:
    doctored = _rebuilt(live["archive"], tmp_path, _attack)
    before = _state(victim)
    refused = _mentalize(victim, "restore", str(doctored), "--force")
    _refused_once(refused, "trigger", "nothing was restored")
    assert _state(victim) == before  # database, key, secret: byte for byte; nothing left over

    fresh = _env(clinic, f"f{uuid.uuid4().hex[:6]}")
    before = _state(fresh)
    refused = _mentalize(fresh, "restore", str(doctored))
    _refused_once(refused, "trigger")
    assert _state(fresh)["files"] in (None, {})  # no key, no database, no scratch left behind
    assert _state(fresh) == before | {"files": _state(fresh)["files"]}


def test_a_force_restore_whose_check_fails_keeps_the_database_and_key(
    live: dict[str, Any], victim: dict[str, str], tmp_path: Path
) -> None:
    """An archive carrying another key (its data will not decrypt): the old code wrote that key
    over the clinic's before it found out, and the database too."""
    wrong = _rebuilt(live["archive"], tmp_path, lambda target: None, key=secrets.token_bytes(32))
    before = _state(victim)
    refused = _mentalize(victim, "restore", str(wrong), "--force")
    _refused_once(refused, "does not decrypt")
    assert _state(victim) == before


def test_a_force_restore_that_fails_while_installing_rolls_back(
    clinic: Clinic, live: dict[str, Any]
) -> None:
    """Another clinic (its own key and data) is overwritten by --force, and the install fails
    after the database and the key were renamed into place: both come back byte for byte."""
    env = _env(clinic, "other")
    seeded = _run(env, "-c", SEED.format(example=str(EXAMPLE), note="Another clinic's note."))
    assert seeded.returncode == 0, seeded.stderr
    before = _state(env)
    failed = _run(env, "-c", FAIL_INSTALL, "restore", str(live["archive"]), "--force")
    _refused_once(failed, "rolled back")
    assert _state(env) == before
    assert _read_back(env, 1)["note"] == "Another clinic's note."


def test_a_successful_force_restore_keeps_the_previous_database_and_key(
    clinic: Clinic, live: dict[str, Any], victim: dict[str, str]
) -> None:
    directory = _data_dir(victim)
    restored = _mentalize(victim, "restore", str(live["archive"]), "--force")
    assert restored.returncode == 0, restored.stderr
    assert "previous database and key kept" in restored.stdout
    back = _read_back(victim, live["session"])
    assert back["note"] == NOTE and back["audit"] is True
    assert not list(directory.glob(".restore-*"))
    if clinic.postgres:
        assert "_pre_restore_" in restored.stdout
        return
    kept = [
        p
        for p in directory.glob("clinic.sqlite3.before-restore-*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    ]
    assert len(kept) == 1
    with sqlite3.connect(kept[0]) as db:  # the previous clinic, its sessions emptied
        assert db.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM records_patient").fetchone() == (1,)
    assert oct((directory / "clinic.sqlite3").stat().st_mode & 0o777) == "0o600"


# -- follow-up review: account rows cross-checked against the chain, dumps that are code ---------

ACCOUNTS = """
import json, django
django.setup()
from mentalize.web.accounts import services
from mentalize.web.accounts.models import ApiToken, User
password = "correct horse battery staple 42"
services.add_user("sam", "supervisor", password)
services.add_user("kim", "supervisor", password)
services.assign_supervisor("ines", "sam")
services.new_token("ines")
print(json.dumps({n: User.objects.get(username=n).pk for n in ("ines", "sam", "kim")}
                 | {"token": ApiToken.objects.get().pk}))
"""

# Installing works, then the check of the installed copy hits a database error (not a
# BackupError): it must still roll back, with one line and no traceback.
FAIL_INSTALL_DB = """
import sys
import django.db
from mentalize.web import backup
def broken(plan, stage):
    raise django.db.OperationalError("simulated: server closed the connection unexpectedly")
backup._check_installed = broken
from mentalize.cli import app
app(sys.argv[1:], prog_name="mentalize")
"""

# Emptying the kept database's sessions fails: the CLI must not claim it did.
KEPT_NOT_CLEARED = """
import sys
from mentalize.web import backup
backup._clear_kept_sqlite = lambda path: False
backup._clear_kept_postgres = lambda url: False
from mentalize.cli import app
app(sys.argv[1:], prog_name="mentalize")
"""


@pytest.fixture(scope="module")
def supervised(clinic: Clinic) -> dict[str, Any]:
    """A clinic where ines is supervised by sam and has an API token, all made the normal way
    (so chained), and its archive."""
    env = _env(clinic, "supervised")
    seeded = _run(env, "-c", SEED.format(example=str(EXAMPLE), note=NOTE))
    assert seeded.returncode == 0, seeded.stderr
    made = _run(env, "-c", ACCOUNTS)
    assert made.returncode == 0, made.stderr
    ids = json.loads(made.stdout.strip().splitlines()[-1])
    archive = clinic.root / "supervised.zip"
    done = _mentalize(env, "backup", "--out", str(archive), "--include-key")
    assert done.returncode == 0, done.stderr
    return {"env": env, "archive": archive, **ids}


def _insert_user(target: Any, name: str, supervisor: int | None) -> None:
    _execute(
        target,
        [
            (
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined, role, supervisor_id) "
                "VALUES ('!', %s, %s, '', '', '', %s, %s, '2026-01-01 00:00:00+00:00', "
                "'clinician', %s)",
                (False, name, False, True, supervisor),
            ),
            (
                "INSERT INTO accounts_apitoken (user_id, digest, prefix, created_at) "
                "SELECT id, %s, 'mz_old', '2026-01-01 00:00:00+00:00' FROM accounts_user "
                "WHERE username = %s",
                (hashlib.sha256(name.encode()).hexdigest(), name),
            ),
        ],
    )


def _refused_fresh(clinic: Clinic, archive: Path, *words: str) -> str:
    """Restore ``archive`` into a fresh clinic: refused in one line, nothing left behind."""
    env = _env(clinic, f"f{uuid.uuid4().hex[:6]}")
    before = _state(env)
    refused = _mentalize(env, "restore", str(archive))
    _refused_once(refused, "nothing was restored", *words)
    assert _state(env)["files"] in (None, {})
    assert _state(env) == before | {"files": _state(env)["files"]}
    return refused.stderr


def test_an_archive_with_chained_supervisors_and_tokens_restores(
    clinic: Clinic, supervised: dict[str, Any]
) -> None:
    env = _env(clinic, f"s{uuid.uuid4().hex[:6]}")
    restored = _mentalize(env, "restore", str(supervised["archive"]))
    assert restored.returncode == 0, restored.stderr


def test_a_doctored_supervisor_is_refused(
    clinic: Clinic, supervised: dict[str, Any], tmp_path: Path
) -> None:
    """Finding 1: ines's supervisor switched from sam to kim in the snapshot (chain, triggers
    and head untouched, manifest recomputed): kim would read ines's caseload unseen."""
    ines, kim = supervised["ines"], supervised["kim"]

    def switch(target: Any) -> None:
        _execute(
            target, [("UPDATE accounts_user SET supervisor_id = %s WHERE id = %s", (kim, ines))]
        )

    doctored = _rebuilt(supervised["archive"], tmp_path, switch)
    stderr = _refused_fresh(clinic, doctored, f"user {ines} has supervisor {kim}")
    assert "ines" not in stderr and "kim" not in stderr  # ids only, no names


def test_a_planted_token_is_refused_even_with_intact_triggers(
    clinic: Clinic, supervised: dict[str, Any], tmp_path: Path
) -> None:
    def plant(target: Any) -> None:
        from mentalize.web.accounts.models import token_digest

        _execute(
            target,
            [
                (
                    "INSERT INTO accounts_apitoken (user_id, digest, prefix, created_at) "
                    "VALUES (%s, %s, %s, '2026-03-01 00:00:00+00:00')",
                    (supervised["ines"], token_digest(PLANTED_TOKEN), PLANTED_TOKEN[:8]),
                )
            ],
        )

    doctored = _rebuilt(supervised["archive"], tmp_path, plant)
    _refused_fresh(clinic, doctored, "API token", f"of user {supervised['ines']}", "token_create")


def _without_account_events_migration(manifest: dict[str, Any]) -> None:
    later = {"audit.0003_account_events", "audit.0004_account_baseline"}
    manifest["migrations"] = [m for m in manifest["migrations"] if m not in later]


def test_rows_from_before_chained_account_events_are_allowed_only_in_such_an_archive(
    clinic: Clinic, supervised: dict[str, Any], tmp_path: Path
) -> None:
    """A user with a supervisor and a token but no account event at all restores only from an
    archive that predates migration audit.0003 (manifest and snapshot both lack it); claiming
    that in the manifest alone is not enough."""
    sam = supervised["sam"]

    def legacy(target: Any) -> None:
        _insert_user(target, "olduser", sam)
        _execute(
            target,
            [
                (  # an archive from before chained account events lacks 0003 and 0004
                    "DELETE FROM django_migrations WHERE app = 'audit' AND name IN (%s, %s)",
                    ("0003_account_events", "0004_account_baseline"),
                ),
                ("DROP INDEX audit_object_action", ()),
            ],
        )

    old = _rebuilt(
        supervised["archive"], tmp_path, legacy, manifest_change=_without_account_events_migration
    )
    env = _env(clinic, f"o{uuid.uuid4().hex[:6]}")
    restored = _mentalize(env, "restore", str(old))
    assert restored.returncode == 0, restored.stderr
    # Restore migrates it forward, and audit 0004 writes the baseline of what stood then.
    verified = _mentalize(env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    claimed = _rebuilt(
        supervised["archive"],
        tmp_path,
        lambda target: _insert_user(target, "olduser", sam),
        manifest_change=_without_account_events_migration,
    )
    _refused_fresh(clinic, claimed, "supervisor_assign")


def test_a_force_restore_whose_installed_check_hits_a_database_error_rolls_back(
    clinic: Clinic, live: dict[str, Any]
) -> None:
    """Finding 3: a psycopg/Django error after the renames was not caught: no rollback, the new
    database left installed and a traceback printed."""
    env = _env(clinic, f"d{uuid.uuid4().hex[:6]}")
    seeded = _run(env, "-c", SEED.format(example=str(EXAMPLE), note="Another clinic's note."))
    assert seeded.returncode == 0, seeded.stderr
    before = _state(env)
    failed = _run(env, "-c", FAIL_INSTALL_DB, "restore", str(live["archive"]), "--force")
    _refused_once(failed, "rolled back", "simulated")
    assert _state(env) == before
    assert _read_back(env, 1)["note"] == "Another clinic's note."


def test_the_cli_says_when_the_kept_database_still_holds_sessions(
    clinic: Clinic, live: dict[str, Any], victim: dict[str, str]
) -> None:
    restored = _run(victim, "-c", KEPT_NOT_CLEARED, "restore", str(live["archive"]), "--force")
    assert restored.returncode == 0, restored.stderr
    assert "sessions NOT emptied" in restored.stdout
    assert "(sessions emptied)" not in restored.stdout


def test_a_force_restore_is_refused_while_the_database_is_being_written(
    clinic: Clinic, live: dict[str, Any], victim: dict[str, str]
) -> None:
    if clinic.postgres:
        pytest.skip("SQLite only: PostgreSQL's rename refuses a database in use by itself")
    before = _state(victim)
    writer = sqlite3.connect(_data_dir(victim) / "clinic.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # what serve holds while it writes
        refused = _mentalize(victim, "restore", str(live["archive"]), "--force")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    _refused_once(refused, "stop mentalize serve", "nothing was restored")
    assert _state(victim) == before


@pytest.mark.parametrize(
    "extra, kind",
    [
        (
            "CREATE FUNCTION evil() RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql",
            "FUNCTION other than the audit log's",
        ),
        ("GRANT ALL ON TABLE accounts_user TO PUBLIC", "ACL"),
        ("CREATE SCHEMA elsewhere", "SCHEMA"),
    ],
)
def test_a_dump_with_entries_a_clinic_never_has_is_refused_before_restore(
    clinic: Clinic, live: dict[str, Any], tmp_path: Path, extra: str, kind: str
) -> None:
    """Finding 2: pg_restore ran every definition of a doctored dump as the clinic's role before
    any check. Entries other than a clinic's own kinds are refused from ``pg_restore --list``,
    before any database is made."""
    if not clinic.postgres:
        pytest.skip("PostgreSQL only (MENTALIZE_TEST_DATABASE_URL)")
    doctored = _rebuilt(live["archive"], tmp_path, lambda url: _execute(url, [(extra, ())]))
    _refused_fresh(clinic, doctored, f"holds a {kind}", "which a clinic's dump never has")


def test_a_genuine_dump_lists_only_allowed_entries(
    clinic: Clinic, supervised: dict[str, Any], tmp_path: Path
) -> None:
    """What a clinic's pg_dump holds, entry kind by entry kind: the allow-list is exactly this."""
    if not clinic.postgres:
        pytest.skip("PostgreSQL only (MENTALIZE_TEST_DATABASE_URL)")
    from mentalize.web import backup

    opened = backup.open_archive(supervised["archive"])
    dump = tmp_path / "clinic.pgdump"
    with zipfile.ZipFile(supervised["archive"]) as archive:
        dump.write_bytes(archive.read(opened.member))
    toc = subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    entries = [line for line in toc.splitlines() if line and not line.startswith(";")]
    kept = backup.pg_restore_list(opened, toc).splitlines()
    assert kept == entries  # nothing refused, nothing skipped
    kinds = {
        next(k for k in backup._PG_KINDS if line.split(" ", 3)[3].startswith(k + " "))
        for line in entries
    }
    assert kinds <= set(backup._PG_KINDS)
    assert {
        "TABLE",
        "TABLE DATA",
        "INDEX",
        "CONSTRAINT",
        "FK CONSTRAINT",
        "TRIGGER",
        "FUNCTION",
    } <= kinds
    functions = [line.split(" ")[5] for line in entries if line.split(" ")[3] == "FUNCTION"]
    assert functions == ["audit_entry_append_only()"]
