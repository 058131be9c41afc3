"""The optional TOTP second factor: enrolment, removal, and the gate every page sits behind.

django-otp does the cryptography and the bookkeeping: ``TOTPDevice`` holds the secret, refuses a
code at or before the last accepted time step (no replay), and throttles wrong codes (1, 2, 4 ...
seconds between tries). ``OTPMiddleware`` marks a session verified once :func:`django_otp.login`
has been called for it. This module decides *where* that matters:

* a user with a confirmed device who has only given their password reaches nothing but the code
  page and log-out, whatever URL they ask for;
* with ``MENTALIZE_REQUIRE_MFA`` on, a user with no device reaches nothing but enrolment.

The API is left alone: it never reads the session cookie, only bearer tokens, which are a separate
credential made by an administrator (docs/clinic.md). Enrolment and removal are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentalize.web.audit.chain import Action, record, record_raw

DEVICE_NAME = "authenticator app"


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any (one per user)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> TOTPDevice:
    """The device being enrolled: unconfirmed until a code from it is entered, so it never gates
    a log-in. Reused across page loads so the QR code stays the same until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def clean_code(code: str) -> str:
    """Digits only, as typed in apps ("123 456"); anything else fails verification."""
    return "".join(code.split())[:16]


def verify(device: TOTPDevice, code: str) -> bool:
    """Check ``code`` on ``device`` under a row lock (django-otp: throttling and replay are
    enforced even when two requests race)."""
    return django_otp.verify_token(device.user, device.persistent_id, clean_code(code)) is not None


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    """Record in the session that this device verified the user, under a new session key (the
    session that gave only a password is not the one that reaches records)."""
    request.session.cycle_key()
    django_otp.login(request, device)


@transaction.atomic
def confirm(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm a pending device with a current code from it; audited with the device."""
    if not verify(device, code):
        return False
    device.refresh_from_db()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    record(request.user, Action.MFA_ENROL, device)
    mark_verified(request, device)
    return True


@transaction.atomic
def remove(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Remove the user's device after a current code from it; audited."""
    if not verify(device, code):
        return False
    pk = device.pk
    TOTPDevice.objects.filter(user=device.user).delete()
    record_raw(
        request.user, Action.MFA_REMOVE, object_type="otp_totp.totpdevice", object_id=str(pk)
    )
    return True


@dataclass(frozen=True)
class CommandLine:
    """The audit actor for changes made with the ``mentalize`` command on the server."""

    pk: None = None
    username: str = "cli"


@transaction.atomic
def reset(user: Any) -> int:
    """Remove every device of ``user`` (a lost phone); audited. Returns how many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record_raw(CommandLine(), Action.MFA_RESET, object_type="accounts.user", object_id=str(user.pk))
    return removed


# -- the gate ------------------------------------------------------------------------------------


def _redirect(request: HttpRequest, name: str) -> HttpResponse:
    target = reverse(name)
    if request.method == "GET" and request.get_full_path() != target:
        target += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(target)


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter when it points back into this site, else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: sends a signed-in user who still owes a code to the code page, and
    (policy on) a user with no device to enrolment. Log-out, static files, the API (tokens only)
    and patients' questionnaire links (no clinic session) pass."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._gate(request)
        return redirect if redirect is not None else self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path.startswith(("/api/", "/static/", "/q/")) or path == reverse("logout"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if confirmed_device(user) is not None:
            return None if path == reverse("mfa_verify") else _redirect(request, "mfa_verify")
        if getattr(settings, "MENTALIZE_REQUIRE_MFA", False) and path != reverse("mfa_enrol"):
            return _redirect(request, "mfa_enrol")
        return None
