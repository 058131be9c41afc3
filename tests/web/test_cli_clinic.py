"""``mentalize users ...``: one-line errors and exit 2 for bad input, like the rest of the CLI."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.accounts.models import ApiToken, User, token_digest

PASSWORD = "a passphrase long enough"


@pytest.fixture
def run(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MENTALIZE_PASSWORD", PASSWORD)

    def invoke(*args: str, **kwargs: Any) -> Any:
        return CliRunner().invoke(app, list(args), **kwargs)

    return invoke


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Argon2 costs ~0.3 s per password on two cores; tests about other things skip it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_users_add_token_and_assign(run: Any) -> None:
    assert run("users", "add", "nia", "--role", "clinician").exit_code == 0
    assert run("users", "add", "sol", "--role", "supervisor").exit_code == 0
    nia = User.objects.get(username="nia")
    assert nia.role == "clinician" and nia.check_password(PASSWORD) and not nia.is_staff
    assert nia.password.startswith("argon2$")

    outcome = run("users", "token", "nia")
    assert outcome.exit_code == 0
    # stdout alone, as in TOKEN=$(mentalize users token nia): the audit line goes to stderr.
    token = outcome.stdout.strip()
    assert token.startswith("mz_") and len(token) > 40
    stored = ApiToken.objects.get(user=nia)
    assert stored.digest == token_digest(token) and token not in stored.digest

    assert run("users", "assign-supervisor", "nia", "sol").exit_code == 0
    nia.refresh_from_db()
    assert nia.supervisor.username == "sol"


def test_admin_role_gets_account_permissions_only(run: Any, fast_hashing: None) -> None:
    assert run("users", "add", "ada", "--role", "admin").exit_code == 0
    ada = User.objects.get(username="ada")
    assert ada.is_staff and not ada.is_superuser
    assert ada.has_perm("accounts.change_user") and ada.has_perm("audit.view_auditentry")
    assert not ada.has_perm("audit.change_auditentry")
    assert not ada.has_perm("records.view_patient")


def test_password_prompt_when_no_environment_variable(
    run: Any, monkeypatch: pytest.MonkeyPatch, fast_hashing: None
) -> None:
    monkeypatch.delenv("MENTALIZE_PASSWORD")
    outcome = run("users", "add", "kit", "--role", "clinician", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert outcome.exit_code == 0, outcome.output
    assert User.objects.get(username="kit").check_password(PASSWORD)


@pytest.mark.parametrize(
    "args, message",
    [
        (("users", "add", "x1", "--role", "boss"), "--role 'boss' is not one of"),
        (("users", "add", "bad name!", "--role", "clinician"), "is not valid"),
        (("users", "token", "ghost"), "no user named 'ghost'"),
        (("users", "assign-supervisor", "nia", "ghost"), "no user named 'ghost'"),
        (("users", "assign-supervisor", "nia", "nia2"), "'nia2' is a clinician, not a supervisor"),
        (("users", "assign-supervisor", "sol", "sol"), "only clinicians are supervised"),
        (("users", "add", "nia", "--role", "clinician"), "already exists"),
        (("users", "token", "ada"), "admins have no API access"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    run: Any, fast_hashing: None, args: tuple[str, ...], message: str
) -> None:
    for name, role in (
        ("nia", "clinician"),
        ("nia2", "clinician"),
        ("sol", "supervisor"),
        ("ada", "admin"),
    ):
        assert run("users", "add", name, "--role", role).exit_code == 0
    outcome = run(*args)
    assert outcome.exit_code == 2
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mentalize: error: ") and message in lines[0]


def test_weak_password_is_refused(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTALIZE_PASSWORD", "12345678")
    outcome = run("users", "add", "weak", "--role", "clinician")
    assert outcome.exit_code == 2 and "password rejected" in outcome.output
    assert not User.objects.filter(username="weak").exists()
