"""Account operations shared by the CLI and the admin: add users, tokens, supervision, passwords.

Each raises :class:`AccountError` with a one-line message the CLI prints as is, and each change is
an account event in the audit chain (events.py) in the same transaction: the actor is ``cli`` (the
``mentalize users`` command on the server) unless a user is given.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentalize.errors import MentalizeError
from mentalize.web.accounts.events import CLI, AccountAction, record_event
from mentalize.web.accounts.models import ApiToken, Role, User, token_digest

TOKEN_PREFIX = "mz_"

# What an admin may do in the admin site: manage accounts and tokens, read the audit log.
ADMIN_PERMISSIONS = (
    ("accounts", "add_user"),
    ("accounts", "change_user"),
    ("accounts", "view_user"),
    ("accounts", "delete_user"),
    ("accounts", "view_apitoken"),
    ("accounts", "delete_apitoken"),
    ("audit", "view_auditentry"),
)


class AccountError(MentalizeError):
    """A user name, role or password the account commands cannot accept."""


def _user(name: str) -> User:
    try:
        return User.objects.get(username=name)
    except User.DoesNotExist:
        raise AccountError(f"no user named {name!r}; add one with: mentalize users add") from None


def grant_role_permissions(user: User) -> None:
    """Give an admin exactly the admin-site permissions above (no superuser: clinical models are
    never reachable through the admin site, whatever is registered there later)."""
    if user.role != Role.ADMIN:
        user.user_permissions.clear()
        return
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in ADMIN_PERMISSIONS
    ]
    user.user_permissions.set(wanted)


@transaction.atomic
def add_user(name: str, role: str, password: str, *, actor: Any = CLI) -> User:
    if role not in Role.values:
        raise AccountError(f"role {role!r} is not one of: {', '.join(Role.values)}")
    if (
        not name
        or len(name) > 150
        or not name.replace("_", "")
        .replace(".", "")
        .replace("-", "")
        .replace("@", "")
        .replace("+", "")
        .isalnum()
    ):
        raise AccountError(
            f"user name {name[:40]!r} is not valid; use letters, digits and . @ + - _ (max 150)"
        )
    if User.objects.filter(username=name).exists():
        raise AccountError(f"a user named {name!r} already exists")
    user = User(username=name, role=role)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("password rejected: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    grant_role_permissions(user)
    record_event(actor, AccountAction.USER_CREATE, user, role=user.role)
    return user


@transaction.atomic
def new_token(name: str, *, actor: Any = CLI) -> str:
    """Create an API token for ``name`` and return it; only its digest is kept."""
    user = _user(name)
    if user.role == Role.ADMIN:
        raise AccountError("admins have no API access to clinical records; no token made")
    if not user.is_active:
        raise AccountError(f"user {name!r} is deactivated")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    made = ApiToken.objects.create(user=user, digest=token_digest(token), prefix=token[:10])
    record_event(actor, AccountAction.TOKEN_CREATE, user, token=made.pk)
    return token


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or ``None``; records when it was last used."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user


@transaction.atomic
def assign_supervisor(supervisee_name: str, supervisor_name: str, *, actor: Any = CLI) -> None:
    """Let the supervisor read the supervisee's patients. Deliberately not offered in the admin
    site: it grants access to clinical records, so it is a server-side act; it is chained and the
    supervisee is told on their next log-in (notices.py)."""
    supervisee, supervisor = _user(supervisee_name), _user(supervisor_name)
    if supervisee.role != Role.CLINICIAN:
        raise AccountError(
            f"{supervisee_name!r} is a {supervisee.role}; only clinicians are supervised"
        )
    if supervisor.role != Role.SUPERVISOR:
        raise AccountError(f"{supervisor_name!r} is a {supervisor.role}, not a supervisor")
    if supervisee.supervisor_id == supervisor.pk:
        return  # nothing changes, so nothing to record or to tell
    supervisee.supervisor = supervisor
    supervisee.save(update_fields=["supervisor", "is_staff", "is_superuser"])
    record_event(actor, AccountAction.SUPERVISOR_ASSIGN, supervisee, supervisor=supervisor.pk)


@transaction.atomic
def set_password(name: str, password: str, *, actor: Any = CLI) -> User:
    """Set ``name``'s password (a forgotten one, or the first of an account made in the admin
    site, which has none). Only on the server: whoever sets a password knows it and could log in
    as that user, so the admin site cannot; it is chained and the user is told (notices.py)."""
    user = _user(name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("password rejected: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor, AccountAction.PASSWORD_SET, user)
    return user


def reset_mfa(name: str) -> int:
    """Remove ``name``'s authenticator app (a lost phone); audited. Their next log-in asks for
    the password only, or, with MENTALIZE_REQUIRE_MFA on, sends them to set up a new one."""
    from mentalize.web.accounts.mfa import reset

    return reset(_user(name))
