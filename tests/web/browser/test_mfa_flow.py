"""The two-step log-in in a real browser: set up an authenticator app from the Security page (the
QR code drawn inline, nothing blocked by the page's Content-Security-Policy), log in again with a
code, and have an administrator reset it with ``mentalize users reset-mfa``.

Codes are computed from the secret the page shows, as an authenticator app would compute them
(django-otp's ``TOTP``; its ``oath`` module needs no Django set-up).
"""

from __future__ import annotations

import re
import time
from base64 import b32decode
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import Clinic, new_page

pytest.importorskip(
    "playwright", reason="the playwright package is not installed (pip install -e '.[test]')"
)
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.web.serving import PASSWORD

USER = "mo"


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code, ``steps_ahead`` 30-second steps from now. Near the end of a
    step it first waits for the next one: a code typed as the step turns is accepted one step
    late, the device then records a drift of -1, and the next step-ahead code falls outside
    its window (seen once in CI as "That code was not accepted")."""
    into_step = time.time() % 30
    if into_step > 24:
        time.sleep(30 - into_step + 0.5)
    text = secret.replace(" ", "")
    totp = TOTP(b32decode(text + "=" * (-len(text) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _password_step(page: Page) -> None:
    page.goto("/login/")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_set_up_log_in_with_a_code_and_reset(
    browser: Any, clinic: Clinic, shots: Callable[[Any, str], Path]
) -> None:
    added = clinic.mentalize("users", "add", USER, "--role", "clinician")
    assert added.returncode == 0, added.stderr
    page = new_page(browser, clinic)
    blocked: list[str] = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("requestfailed", lambda request: blocked.append(f"failed: {request.url}"))

    _password_step(page)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] > 80  # type: ignore[index]
    secret = page.locator("#mfa-secret").inner_text()
    shots(page, "mfa-01-enrol")
    page.get_by_label("Code from the app").fill(_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Authenticator app set up")).to_be_visible()
    assert clinic.count("otp_totp_totpdevice", "confirmed") == 1
    assert blocked == []

    page.get_by_role("button", name="Log out").click()
    _password_step(page)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.goto("/patients/")  # nothing opens before the code
    expect(page).to_have_url(re.compile(r"/login/code/\?next="))
    shots(page, "mfa-02-code")
    page.get_by_label("Code from your authenticator app").fill(_code(secret, 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    reset = clinic.mentalize("users", "reset-mfa", USER)
    assert reset.returncode == 0, reset.stderr
    assert clinic.count("otp_totp_totpdevice") == 0
    _password_step(page)
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    assert clinic.count("audit_auditentry", "action IN ('mfa_enrol', 'mfa_reset')") == 2
    page.context.close()
