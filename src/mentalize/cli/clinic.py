"""``mentalize serve``, ``mentalize users ...`` and ``mentalize audit verify``: the clinic's CLI.

Django is imported inside each command, never at module level, so ``mentalize analyze`` and
``import mentalize`` work without the ``clinic`` extra; without it these commands say how to
install it and exit 2.

    mentalize serve [--data-dir DIR] [--host 127.0.0.1] [--port 8000] [--threads 8]
                    [--analysis-workers N] [--trusted-proxy ADDRESS]
    mentalize worker [--data-dir DIR]   (an analysis worker; serve starts its own)
    mentalize users add NAME --role clinician|supervisor|admin   (MENTALIZE_PASSWORD or a prompt)
    mentalize users token NAME
    mentalize users assign-supervisor SUPERVISEE SUPERVISOR
    mentalize users reset-mfa NAME   (remove a user's authenticator app, e.g. a lost phone)
    mentalize users set-password NAME   (MENTALIZE_PASSWORD or a prompt; the user is told)
    mentalize audit verify [--against HEAD] [--against-file FILE]
    mentalize audit head [--append FILE]   (the head to keep outside the database)
    mentalize backup --out FILE [--include-key]   /   mentalize restore FILE [--force]
"""

from __future__ import annotations

import ipaddress
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from mentalize import environment
from mentalize.cli.common import EXIT_INTERNAL, fail
from mentalize.errors import MissingExtra

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Clinic data directory (default: $MENTALIZE_DATA_DIR or ~/.local/share/mentalize).",
    ),
]

users_app = typer.Typer(
    name="users",
    help=(
        "Manage clinic accounts: add users, make API tokens, assign supervisors, set passwords, "
        "reset MFA. Every change is an entry in the audit chain (actor: cli)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(
    name="audit",
    help="Check the clinic's hash-chained audit log and anchor it outside the database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def setup_django(data_dir: Path | None, *, migrate: bool = True) -> None:
    """Point Django at the data directory, create what is missing, and apply migrations.

    Every clinic command migrates first, so the first command run against a new data directory
    (``users add`` before ``serve``, say) finds the tables it needs.
    """
    if data_dir is not None:
        environment.set_value("MENTALIZE_DATA_DIR", str(data_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentalize.web.settings")
    try:
        import django
    except ImportError:
        raise fail(str(MissingExtra("clinic", "the clinic"))) from None
    from mentalize.errors import MentalizeError

    try:
        django.setup()
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    if migrate:
        from django.core.management import call_command
        from django.db import Error as DatabaseError

        try:
            call_command("migrate", interactive=False, verbosity=0)
        except DatabaseError as exc:
            raise fail(
                f"database: {type(exc).__name__}: {exc}".splitlines()[0], EXIT_INTERNAL
            ) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    threads: Annotated[int, typer.Option("--threads", help="Worker threads.", min=1)] = 8,
    analysis_workers: Annotated[
        int | None,
        typer.Option(
            "--analysis-workers",
            help="Analysis worker processes started alongside the server (default: one fewer "
            "than the CPU cores, 1 to 4); 0 when workers run separately (mentalize worker).",
            min=0,
        ),
    ] = None,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxy",
            help="IP address of the TLS proxy in front (with MENTALIZE_BEHIND_TLS_PROXY=1): "
            "only its X-Forwarded-Proto is believed (default: $MENTALIZE_TRUSTED_PROXY, or "
            "loopback when --host is loopback).",
        ),
    ] = None,
) -> None:
    """Run the clinic web app with waitress and its analysis workers.

    The first run creates the data directory, its key and the database.
    """
    from mentalize.web.proxy import ProxyConfigError, waitress_options

    try:  # checked before anything is created: a proxy set-up that cannot work does not start
        proxy = waitress_options(
            host,
            trusted_proxy or environment.get("MENTALIZE_TRUSTED_PROXY"),
            behind_tls_proxy=environment.flag("MENTALIZE_BEHIND_TLS_PROXY"),
        )
    except ProxyConfigError as exc:
        raise fail(str(exc)) from None
    if not _is_loopback(host):
        # Off the loopback interface, cookies must only travel over TLS (a proxy in front).
        environment.setdefault("MENTALIZE_SECURE_COOKIES", "1")
        if host in ("0.0.0.0", "::"):
            if not environment.get("MENTALIZE_ALLOWED_HOSTS"):
                typer.echo(
                    "mentalize clinic: set MENTALIZE_ALLOWED_HOSTS to the names clients use; "
                    "requests for any other host name are refused",
                    err=True,
                )
        else:
            environment.set_value(
                "MENTALIZE_ALLOWED_HOSTS",
                ",".join(filter(None, [environment.get("MENTALIZE_ALLOWED_HOSTS", ""), host])),
            )
    setup_django(data_dir)
    try:
        from waitress import serve as waitress_serve
    except ImportError:
        raise fail(str(MissingExtra("clinic", "the clinic"))) from None
    from django.conf import settings

    from mentalize.web.analysis.worker import Pool, default_workers
    from mentalize.web.uploads import server_limits
    from mentalize.web.wsgi import application

    workers = default_workers() if analysis_workers is None else analysis_workers
    typer.echo(f"mentalize clinic: data in {settings.DATA_DIR}", err=True)
    typer.echo(f"mentalize clinic: serving on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    typer.echo(
        f"mentalize clinic: {workers} analysis worker(s)"
        + ("" if workers else "; run `mentalize worker` to analyse uploads"),
        err=True,
    )
    pool = Pool(workers, Path(settings.DATA_DIR))
    # SIGTERM (a service manager's stop) ends the server like Ctrl+C, so the workers are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if workers:
            pool.start()
        waitress_serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="mentalize",
            # bodies stay in memory (no transcript in a temp file); oversized ones get 413 unread
            **server_limits(),
            # X-Forwarded-Proto from the trusted TLS proxy only (mentalize.web.proxy)
            **proxy,
        )
    except OSError as exc:
        raise fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_INTERNAL
        ) from None
    except KeyboardInterrupt:
        pass
    finally:
        pool.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def worker(
    data_dir: DataDir = None,
    interval: Annotated[
        float,
        typer.Option("--interval", help="Seconds between looks at an empty queue.", min=0.05),
    ] = 0.5,
    parent: Annotated[
        int | None,
        typer.Option(
            "--parent", help="Exit when this process id is no longer the parent.", hidden=True
        ),
    ] = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="Analyse what is queued, then exit.")
    ] = False,
) -> None:
    """Run one analysis worker: take queued analyses from the clinic's database until stopped.

    mentalize serve starts these itself; run more, on this or another host, for larger set-ups.
    """
    setup_django(data_dir)
    from django.db import Error as DatabaseError

    from mentalize.web.analysis.worker import run

    try:
        run(interval=interval, parent=parent, batch=batch)
    except DatabaseError as exc:
        raise fail(f"database: {type(exc).__name__}".splitlines()[0], EXIT_INTERNAL) from None


def _password() -> str:
    from_env = environment.get("MENTALIZE_PASSWORD")
    if from_env:
        return from_env
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . @ + - _).")],
    role: Annotated[str, typer.Option("--role", help="clinician, supervisor or admin.")],
    data_dir: DataDir = None,
) -> None:
    """Add a user. The password comes from MENTALIZE_PASSWORD or an interactive prompt."""
    from mentalize.errors import MentalizeError

    if role not in ("clinician", "supervisor", "admin"):
        raise fail(f"--role {role!r} is not one of: clinician, supervisor, admin")
    setup_django(data_dir)
    from mentalize.web.accounts.services import add_user

    try:
        user = add_user(name, role, _password())
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"added {user.username} ({user.role})")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="User the token is for.")],
    data_dir: DataDir = None,
) -> None:
    """Make an API token and print it once (only its hash is stored)."""
    from mentalize.errors import MentalizeError

    setup_django(data_dir)
    from mentalize.web.accounts.services import new_token

    try:
        token = new_token(name)
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    typer.echo(token)


@users_app.command("assign-supervisor")
def users_assign_supervisor(
    supervisee: Annotated[str, typer.Argument(help="The clinician to be supervised.")],
    supervisor: Annotated[str, typer.Argument(help="A user with the supervisor role.")],
    data_dir: DataDir = None,
) -> None:
    """Let SUPERVISOR read SUPERVISEE's patients (read-only)."""
    from mentalize.errors import MentalizeError

    setup_django(data_dir)
    from mentalize.web.accounts.services import assign_supervisor

    try:
        assign_supervisor(supervisee, supervisor)
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{supervisor} now supervises {supervisee}")


@users_app.command("set-password")
def users_set_password(
    name: Annotated[str, typer.Argument(help="User whose password is set.")],
    data_dir: DataDir = None,
) -> None:
    """Set NAME's password (MENTALIZE_PASSWORD or a prompt); audited, and NAME is told.

    The admin site cannot set passwords (whoever sets one could log in as that user): an account
    made there can log in once this has been run.
    """
    from mentalize.errors import MentalizeError

    setup_django(data_dir)
    from mentalize.web.accounts.services import set_password

    try:
        set_password(name, _password())
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"password set for {name}; they are told at their next log-in")


@users_app.command("reset-mfa")
def users_reset_mfa(
    name: Annotated[str, typer.Argument(help="User whose authenticator app is removed.")],
    data_dir: DataDir = None,
) -> None:
    """Remove NAME's authenticator app (a lost phone); audited.

    They set up a new one after logging in with their password.
    """
    from mentalize.errors import MentalizeError

    setup_django(data_dir)
    from mentalize.web.accounts.services import reset_mfa

    try:
        removed = reset_mfa(name)
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    if removed:
        typer.echo(f"removed {name}'s authenticator app; their next log-in asks for the password")
    else:
        typer.echo(f"{name} had no authenticator app; nothing to remove")


@audit_app.command("verify")
def audit_verify(
    data_dir: DataDir = None,
    against: Annotated[
        list[str] | None,
        typer.Option(
            "--against",
            metavar="HEAD",
            help="A head printed by `mentalize audit head` (or SEQ:HASH); the log must still "
            "contain it. Repeatable.",
        ),
    ] = None,
    against_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--against-file",
            metavar="FILE",
            help="A file of heads from `audit head --append` (every line is checked), or a "
            "backup archive (its manifest's head). Repeatable.",
        ),
    ] = None,
) -> None:
    """Check the audit log: every entry's hash and link, and the append-only triggers.

    Exit 1 at the first break. With --against/--against-file, also check the log against heads
    kept outside the database, which catches a chain rewritten end to end."""
    from mentalize.errors import MentalizeError

    setup_django(data_dir)
    from mentalize.web.audit import anchor as audit_anchor
    from mentalize.web.audit.chain import verify

    try:  # read the anchors first: a typo is exit 2 before any walk
        anchors = [audit_anchor.parse(text) for text in against or []]
        for path in against_file or []:
            anchors.extend(audit_anchor.read_file(path))
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    result = audit_anchor.check(anchors) if anchors else verify()
    if not result.ok:
        if result.bad_triggers:
            raise fail(f"audit log unprotected: {result.problem}", EXIT_INTERNAL)
        if anchors and result.problem.startswith("entry "):
            raise fail(f"audit log rewritten: {result.problem}", EXIT_INTERNAL)
        where = (
            f"entry id {result.first_bad_id}" if result.first_bad_id is not None else "chain end"
        )
        raise fail(
            f"audit log broken at {where}: {result.problem} "
            f"({result.checked} entries fine before it)",
            EXIT_INTERNAL,
        )
    matched = f"; matches {len(anchors)} head(s) kept outside the database" if anchors else ""
    typer.echo(f"audit log intact: {result.checked} entries{matched}")


@audit_app.command("head")
def audit_head(
    data_dir: DataDir = None,
    append_to: Annotated[
        Path | None,
        typer.Option(
            "--append",
            metavar="FILE",
            help="Also add the line to this file (kept outside the database, ideally on "
            "another machine); earlier lines are kept.",
        ),
    ] = None,
) -> None:
    """Print the audit chain's current head as one line to keep outside the database.

    `mentalize audit verify --against LINE` later proves the log up to that entry was not
    rewritten. Refuses (exit 1) when the log does not verify now.
    """
    from mentalize.cli.common import check_output
    from mentalize.errors import MentalizeError

    check_output(append_to, "--append")
    setup_django(data_dir)
    from mentalize.web.audit import anchor as audit_anchor

    try:
        head = audit_anchor.take()
    except MentalizeError as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    if append_to is not None:
        try:
            audit_anchor.append(head, append_to)
        except OSError as exc:
            raise fail(f"--append {append_to}: {exc.strerror or exc}", EXIT_INTERNAL) from None
    typer.echo(head.line())


def backup(
    out: Annotated[Path, typer.Option("--out", help="Archive to write (a .zip).")],
    data_dir: DataDir = None,
    include_key: Annotated[
        bool,
        typer.Option(
            "--include-key",
            help="Put encryption.key into the archive (keep the archive as safe as the key).",
        ),
    ] = False,
) -> None:
    """Snapshot the clinic's database (safe while serving) into one checked archive."""
    from mentalize.cli.common import check_output
    from mentalize.errors import MentalizeError

    check_output(out, "--out")
    setup_django(data_dir, migrate=False)  # a backup copies the database as it is
    from mentalize.web.backup import backup as write_backup

    try:
        manifest = write_backup(out, include_key=include_key)
    except MentalizeError as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    key = "included" if include_key else f"NOT included (id {manifest['key']['id']})"
    typer.echo(f"backup written to {out} ({manifest['database']['vendor']}; key {key})")


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by mentalize backup.")],
    data_dir: DataDir = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the database already in the data directory.")
    ] = False,
) -> None:
    """Restore an archive into an empty data directory, checking it before it is installed.

    The archive is unpacked into a scratch directory inside the data directory (and, on
    PostgreSQL, a scratch database), migrated and checked there (schema, the audit log's chain
    and triggers, decryption); only then are the database and key renamed into place, the
    previous ones kept beside them, and any failure rolls back to exactly what was there.
    """
    from mentalize.errors import MentalizeError
    from mentalize.web import backup as clinic_backup
    from mentalize.web.datadir import data_dir as default_data_dir

    try:
        opened = clinic_backup.open_archive(archive)
        plan = clinic_backup.plan_restore(opened, data_dir or default_data_dir(), force=force)
    except MentalizeError as exc:
        raise fail(str(exc)) from None
    try:
        with clinic_backup.staged(plan) as stage:
            if stage.database_url:  # Django checks the scratch database, never the live one
                environment.set_value("MENTALIZE_DATABASE_URL", stage.database_url)
            setup_django(stage.directory, migrate=False)
            from django.conf import settings

            if Path(settings.DATA_DIR) != stage.directory:  # set up for another directory
                raise fail(f"restore into {plan.directory} must run in its own process")
            clinic_backup.check_migrations(opened)
            setup_django(stage.directory)  # migrate the scratch copy forward
            checked = clinic_backup.check_staged(opened, stage)
            kept = clinic_backup.install(plan, stage)
    except MentalizeError as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    typer.echo(checked)
    if kept.names:
        sessions = (
            f"sessions NOT emptied in {', '.join(kept.sessions_left)}: delete them now"
            if kept.sessions_left
            else "sessions emptied"
        )
        typer.echo(
            f"previous database and key kept in {plan.directory}: {', '.join(kept.names)} "
            f"({sessions}); delete them once the restored clinic is in use"
        )
