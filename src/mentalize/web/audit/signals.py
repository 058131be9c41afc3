"""Logins and logouts go into the audit chain too (who was in the records, and when)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from mentalize.web.audit.chain import Action, record_raw


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_raw(user, Action.LOGIN, object_type="accounts.user", object_id=str(user.pk))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_raw(user, Action.LOGOUT, object_type="accounts.user", object_id=str(user.pk))
