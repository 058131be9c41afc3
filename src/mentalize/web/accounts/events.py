"""Account events in the audit chain, and the notice a user gets of those made by someone else.

Why: an account change is how clinical access changes hands. A supervisor assignment gives read
access to a caseload; a password set by someone else lets that person log in as the user. So
every such change is an entry in the hash-chained audit log (not only Django's editable admin
log), with who did it (the admin, or ``cli`` for the ``mentalize users`` command on the server)
and whom it concerns, and the user concerned is told on their first page of each log-in for
:data:`NOTICE_WINDOW` after the change (and in any case at the next log-in after it).

API tokens are not told anything: they are made on the server for integrations, not for people,
and a token's user is told at their next log-in to the pages like anyone else.

Entry format (the chain's fields are fixed, chain.py): ``object_id`` is always the id of the user
concerned, so "everything done to user 12" is one exact, indexed filter; ``object_type`` is
``accounts.user``, followed by ``:key=value`` where the event has a value (the new role, the new
supervisor's id, the token's id; for ``account_notice``, ``upto=`` the seq of the last event
shown). Ids and role names only: user names change, and no entry holds
clinical text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentalize.web.accounts.mfa import CommandLine
from mentalize.web.audit.chain import Action, record_raw
from mentalize.web.audit.models import AuditEntry

USER = "accounts.user"

#: The actor of the baseline entries written once at upgrade (audit migration 0004) for
#: supervision and tokens that predate chained account events.
UPGRADE_ACTOR = "upgrade"

#: The actor of changes made with ``mentalize users ...`` on the server: no user, named ``cli``
#: (the same actor as ``mentalize users reset-mfa``).
CLI = CommandLine()


class AccountAction(models.TextChoices):
    """Actions of account events (the chain's own :class:`Action` covers the rest)."""

    USER_CREATE = "user_create"
    ROLE_CHANGE = "role_change"
    SUPERVISOR_ASSIGN = "supervisor_assign"
    SUPERVISOR_REMOVE = "supervisor_remove"
    PASSWORD_SET = "password_set"
    TOKEN_CREATE = "token_create"
    TOKEN_REVOKE = "token_revoke"
    USER_DEACTIVATE = "user_deactivate"
    USER_REACTIVATE = "user_reactivate"
    PROFILE_CHANGE = "profile_change"
    USER_DELETE = "user_delete"
    # The user was shown the notice of the events above, up to ``upto`` (the last event's seq).
    ACCOUNT_NOTICE = "account_notice"


#: Events that change someone's account; the user concerned is told of those made by others.
NOTIFIED = (
    AccountAction.USER_CREATE,
    AccountAction.ROLE_CHANGE,
    AccountAction.SUPERVISOR_ASSIGN,
    AccountAction.SUPERVISOR_REMOVE,
    AccountAction.PASSWORD_SET,
    AccountAction.TOKEN_CREATE,
    AccountAction.TOKEN_REVOKE,
    AccountAction.USER_DEACTIVATE,
    AccountAction.USER_REACTIVATE,
    AccountAction.PROFILE_CHANGE,
    Action.MFA_RESET,
)


def record_event(actor: Any, action: str, target: Any, **value: object) -> AuditEntry:
    """Append one account event: ``actor`` (a user, or :data:`CLI`) did ``action`` to the user
    ``target``; ``value`` (one ``key=value`` at most) is what it was set to. Call it inside the
    transaction of the change, so the change and its entry commit together."""
    suffix = "".join(f":{key}={item}" for key, item in value.items())
    return record_raw(actor, action, object_type=USER + suffix, object_id=str(target.pk))


def event_value(object_type: str) -> tuple[str, str]:
    """The ``key`` and ``value`` of an account event's ``accounts.user:key=value`` object type
    (two empty strings where it has none); restore reads entries with it too (backup.py)."""
    key, _, value = object_type.partition(":")[2].partition("=")
    return key, value


def _value(entry: AuditEntry) -> str:
    return event_value(entry.object_type)[1]


#: How long a change made by someone else is shown again at each log-in. Why not once: whoever
#: logs in first would consume it, e.g. the operator who ran ``set-password`` and then tried the
#: account, and the user would never be told. Fourteen days covers a clinician's holiday; a
#: change is also shown at the first log-in after it however late that is (it is "unseen").
NOTICE_WINDOW = dt.timedelta(days=14)


@dataclass(frozen=True)
class Notice:
    """One line to show a user about a change to their account."""

    seq: int
    text: str


def _seen_up_to(user: Any) -> int:
    """The seq of the last event ``user`` was shown (``upto`` of the latest ``account_notice``;
    entries written before ``upto`` existed covered everything before themselves)."""
    last = (
        AuditEntry.objects.filter(
            object_id=str(user.pk), action=AccountAction.ACCOUNT_NOTICE, actor_id=user.pk
        )
        .order_by("-seq")
        .first()
    )
    if last is None:
        return 0
    value = _value(last)
    return int(value) if value.isdigit() else last.seq


def pending(user: Any) -> list[Notice]:
    """Changes to ``user``'s account made by anyone else (an admin, the command line) that the
    user was not shown yet, or made in the last :data:`NOTICE_WINDOW`, oldest first. Two indexed
    queries on the chain, no extra state."""
    since = timezone.now() - NOTICE_WINDOW
    entries = [
        entry
        for entry in AuditEntry.objects.filter(
            object_id=str(user.pk), action__in=[str(a) for a in NOTIFIED]
        )
        .filter(Q(seq__gt=_seen_up_to(user)) | Q(at__gte=since))
        .exclude(actor_id=user.pk)
        .order_by("seq")
        if entry.object_type == USER or entry.object_type.startswith(USER + ":")
    ]
    return [Notice(entry.seq, _text(entry)) for entry in entries]


def mark_shown(user: Any, notices: list[Notice]) -> None:
    """Record in the chain that ``user`` was shown ``notices``, up to the last one's seq (the log
    proves the user was told; an event chained meanwhile is still unseen)."""
    if notices:
        upto = max(notice.seq for notice in notices)
        record_raw(
            user,
            AccountAction.ACCOUNT_NOTICE,
            object_type=f"{USER}:upto={upto}",
            object_id=str(user.pk),
        )


def _who(entry: AuditEntry) -> str:
    if entry.actor_id is None:
        return "An administrator, on the server's command line,"
    return f"An administrator ({entry.actor})"


def _username(pk: str) -> str:
    from mentalize.web.accounts.models import User

    name = User.objects.filter(pk=pk).values_list("username", flat=True).first() if pk else None
    return name or "a user who no longer exists"


def _text(entry: AuditEntry) -> str:
    when = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M")
    who, value, action = _who(entry), _value(entry), entry.action
    if entry.actor_id is None and entry.actor == UPGRADE_ACTOR:
        # A baseline entry (audit migration 0004): what stood before account events were
        # chained, recorded at the upgrade; no one changed anything then.
        what = (
            f"{_username(value)} as your supervisor: they may read your patients' records "
            "(read-only)"
            if action == AccountAction.SUPERVISOR_ASSIGN
            else "an API token of your account"
        )
        return f"When the clinic was upgraded on {when}, its audit log began recording {what}."
    if action == AccountAction.SUPERVISOR_ASSIGN:
        what = (
            f"made {_username(value)} your supervisor: they may read your patients' records "
            "(read-only)"
        )
    elif action == AccountAction.ROLE_CHANGE:
        what = f"changed your role to {value}"
    else:
        what = _PHRASES.get(action, "changed your account")
    end = entry.at + NOTICE_WINDOW
    if end <= timezone.now():  # shown now because it was never shown: once more only
        return f"{who} {what} on {when}."
    until = timezone.localtime(end).strftime("%Y-%m-%d")
    return f"{who} {what} on {when}. (Shown at each log-in until {until}.)"


_PHRASES = {
    AccountAction.USER_CREATE: "created your account",
    AccountAction.SUPERVISOR_REMOVE: "removed your supervisor",
    AccountAction.PASSWORD_SET: "set a new password for your account",
    AccountAction.TOKEN_CREATE: "made an API token for your account",
    AccountAction.TOKEN_REVOKE: "revoked an API token of your account",
    AccountAction.USER_DEACTIVATE: "deactivated your account",
    AccountAction.USER_REACTIVATE: "reactivated your account",
    AccountAction.PROFILE_CHANGE: "changed your user name, name or e-mail address",
    Action.MFA_RESET: "removed your authenticator app",
}
