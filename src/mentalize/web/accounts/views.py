"""The account's Security page: set up or remove an authenticator app, and the log-in's code step.

Every form takes the code as typed; a wrong one says so in one line and counts toward django-otp's
throttle on that device (a wait that doubles with each wrong code). The secret is shown on the
set-up page only until the device is confirmed, on a page that no browser cache keeps
(``Cache-Control: no-store``, middleware.py).
"""

from __future__ import annotations

import math
from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from mentalize.web.accounts import mfa

WRONG_CODE = "That code was not accepted. Check the time on your phone and enter the newest code."


def _wait(device: TOTPDevice) -> str:
    """Empty when the device will check a code now; else how long django-otp's throttle (a wait
    that doubles with each wrong code) still holds, in one line."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    until = (data or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return f"Too many wrong codes: wait {seconds} s, then enter the newest code."


@login_required
@require_safe
def security(request: HttpRequest) -> HttpResponse:
    """Whether the account has a second factor, with the way to add or remove it."""
    device = mfa.confirmed_device(request.user)
    return render(request, "accounts/security.html", {"device": device})


def _qr_svg(device: TOTPDevice) -> str:
    # Inline SVG drawn on the server: nothing is fetched, so the page passes the clinic's CSP.
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title="")


def _secret(device: TOTPDevice) -> str:
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code and secret of a pending device; confirm it with a current code."""
    if mfa.confirmed_device(request.user) is not None:
        return redirect("account_security")
    device = mfa.pending_device(request.user)
    error = ""
    if request.method == "POST":
        error = _wait(device)
        if not error and mfa.confirm(request, device, request.POST.get("code", "")):
            messages.success(request, "Authenticator app set up: log-ins now ask for a code.")
            return redirect(mfa.safe_next(request, reverse("home")))
        error = error or WRONG_CODE
    context = {
        "qr": _qr_svg(device),
        "secret": _secret(device),
        "error": error,
        "next": mfa.safe_next(request, ""),
    }
    return render(request, "accounts/enrol.html", context, status=400 if error else 200)


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator after a current code from it (so a left-open session cannot)."""
    device = mfa.confirmed_device(request.user)
    if device is None:
        return redirect("account_security")
    error = _wait(device)
    if not error and mfa.remove(request, device, request.POST.get("code", "")):
        messages.success(request, "Authenticator app removed: log-ins ask for the password only.")
        return redirect("account_security")
    context = {"device": device, "error": error or WRONG_CODE}
    return render(request, "accounts/security.html", context, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The log-in's second step: a current code from the user's authenticator app."""
    device = mfa.confirmed_device(request.user)
    if device is None or request.user.is_verified():
        return redirect(mfa.safe_next(request, reverse("home")))
    error = ""
    if request.method == "POST":
        error = _wait(device)
        if not error and mfa.verify(device, request.POST.get("code", "")):
            mfa.mark_verified(request, device)
            return redirect(mfa.safe_next(request, reverse("home")))
        error = error or WRONG_CODE
    context = {"error": error, "next": mfa.safe_next(request, "")}
    return render(request, "accounts/verify.html", context, status=400 if error else 200)
