"""The optional TOTP second factor (accounts/mfa.py): enrolment, the log-in's code step, replay and
throttling, the MENTALIZE_REQUIRE_MFA policy, API tokens, ``users reset-mfa`` and the audit trail.

Codes are computed from the device's own secret with django-otp's ``TOTP`` class, the way an
authenticator app computes them. A device accepts a code at most once per 30-second step and
allows one step of clock drift, so a test that needs a second good code uses the next step's.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.accounts.models import ApiToken, Role, User, token_digest
from mentalize.web.audit.chain import verify as verify_chain
from mentalize.web.audit.models import AuditEntry
from mentalize.web.middleware import CONTENT_SECURITY_POLICY
from mentalize.web.records.models import Patient

PASSWORD = "a passphrase long enough"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    """Argon2 costs ~0.3 s per password on two cores; these tests are about the second step."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong(device: TOTPDevice) -> str:
    """A six-digit code no step within the device's tolerance produces."""
    good = {code(device, step) for step in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in good)


def clinician(name: str = "dana") -> User:
    user = User(username=name, role=Role.CLINICIAN)
    user.set_password(PASSWORD)
    user.save()
    return user


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def password_login(client: Client, name: str, next_url: str = "") -> Any:
    data = {"username": name, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# -- enrolment ------------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_and_confirms_with_a_current_code(db: Any) -> None:
    user = clinician()
    client = Client()
    client.force_login(user)
    page = client.get("/account/security/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>', html)
    assert secret is not None
    text = secret.group(1).replace(" ", "")
    assert b32decode(text + "=" * (-len(text) % 8)) == device.bin_key
    # Reloading the page keeps the same pending device (and so the same QR code).
    client.get("/account/security/enrol/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    refused = client.post("/account/security/enrol/", {"code": wrong(device)})
    assert refused.status_code == 400
    assert b"not accepted" in refused.content
    device.refresh_from_db()
    assert not device.confirmed
    assert actions("mfa_enrol") == []

    device.throttle_reset()  # the wrong code's one-second wait
    done = client.post("/account/security/enrol/", {"code": code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    [entry] = actions("mfa_enrol")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        "dana",
        "otp_totp.totpdevice",
        str(device.pk),
    )
    # The code just entered verified this session: the pages are open.
    assert client.get("/patients/").status_code == 200
    # Once confirmed, the secret is never shown again.
    again = client.get("/account/security/enrol/")
    assert again.status_code == 302 and again["Location"] == "/account/security/"


def test_enrolment_page_loads_nothing_from_outside_and_carries_the_csp(db: Any) -> None:
    client = Client()
    client.force_login(clinician())
    page = client.get("/account/security/enrol/")
    html = page.content.decode()
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "no-store" in page.headers["Cache-Control"]
    assert "<script" not in html.lower()
    # Every src/href/xlink is relative, a fragment or a data: URI; the QR code is inline SVG.
    for url in re.findall(r'(?:src|href|action)\s*=\s*"([^"]*)"', html):
        assert not re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:|//)", url) or url.startswith("data:"), url
    assert "otpauth://" not in html  # the QR code encodes it; the page does not link to it


# -- the log-in's second step ---------------------------------------------------------------------


def test_login_asks_for_the_code_and_reaches_nothing_before_it(db: Any) -> None:
    user = clinician()
    device = enrolled(user)
    client = Client()
    first = password_login(client, "dana", "/patients/")
    assert first.status_code == 302
    before = client.session.session_key
    for path in ("/patients/", "/account/security/", "/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/code/"), path
    # A write is refused too, and makes nothing.
    created = client.post("/patients/new/", {"code": "SHOULD-NOT-EXIST"})
    assert created.status_code == 302 and created["Location"] == "/login/code/"
    assert Patient.objects.count() == 0
    # Removing the device needs the second step first.
    assert client.post("/account/security/remove/", {"code": code(device)}).status_code == 302
    assert TOTPDevice.objects.filter(user=user).exists()

    form = client.get("/login/code/?next=/patients/")
    assert form.status_code == 200 and b'name="code"' in form.content
    refused = client.post("/login/code/", {"code": wrong(device), "next": "/patients/"})
    assert refused.status_code == 400
    assert client.get("/patients/").status_code == 302

    device.throttle_reset()
    accepted = client.post("/login/code/", {"code": code(device), "next": "/patients/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/patients/"
    assert client.session.session_key != before  # a new session key once fully logged in
    assert client.get("/patients/").status_code == 200
    assert client.get("/account/security/").status_code == 200


def test_a_replayed_code_is_refused(db: Any) -> None:
    user = clinician()
    device = enrolled(user)
    used = code(device)
    first = Client()
    password_login(first, "dana")
    assert first.post("/login/code/", {"code": used}).status_code == 302
    # Someone who saw the code and the password tries it in another browser.
    second = Client()
    password_login(second, "dana")
    assert second.post("/login/code/", {"code": used}).status_code == 400
    assert second.get("/patients/").status_code == 302


def test_wrong_codes_are_throttled(db: Any) -> None:
    user = clinician()
    device = enrolled(user)
    client = Client()
    password_login(client, "dana")
    assert client.post("/login/code/", {"code": wrong(device)}).status_code == 400
    # Straight after a wrong code even the right one is not checked: the device makes us wait.
    throttled = client.post("/login/code/", {"code": code(device)})
    assert throttled.status_code == 400
    assert b"Too many wrong codes" in throttled.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1 and device.last_t == -1  # refused unchecked
    assert client.get("/patients/").status_code == 302
    # Once the wait is over, the right code goes through.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert client.post("/login/code/", {"code": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_no_user_enumeration_at_the_password_step(db: Any) -> None:
    enrolled(clinician())
    answers = []
    for name in ("dana", "nobody-by-this-name"):
        response = Client().post("/login/", {"username": name, "password": "wrong " + PASSWORD})
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
        answers.append((response.status_code, body.replace(name.encode(), b"NAME")))
    assert answers[0] == answers[1]
    assert b"code" not in answers[0][1].lower().replace(b"<code", b"")


def test_next_cannot_leave_the_site(db: Any) -> None:
    device = enrolled(clinician())
    client = Client()
    password_login(client, "dana")
    response = client.post("/login/code/", {"code": code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_unverified_user_can_log_out(db: Any) -> None:
    enrolled(clinician())
    client = Client()
    password_login(client, "dana")
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_users_without_a_device_are_unaffected_when_the_policy_is_off(db: Any) -> None:
    client = Client()
    password_login(client, clinician().username)
    assert client.get("/patients/").status_code == 200
    assert client.get("/login/code/").status_code == 302  # nothing to enter: sent on


# -- removal --------------------------------------------------------------------------------------


def test_removal_needs_a_current_code_and_is_audited(db: Any) -> None:
    user = clinician()
    device = enrolled(user)
    client = Client()
    password_login(client, "dana")
    client.post("/login/code/", {"code": code(device)})
    page = client.get("/account/security/")
    assert b"Remove" in page.content
    refused = client.post("/account/security/remove/", {"code": wrong(device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()
    device.throttle_reset()
    done = client.post("/account/security/remove/", {"code": code(device, 1)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    [entry] = actions("mfa_remove")
    assert (entry.actor, entry.object_id) == ("dana", str(device.pk))
    # The next log-in asks for the password only.
    fresh = Client()
    password_login(fresh, "dana")
    assert fresh.get("/patients/").status_code == 200
    assert verify_chain().ok


# -- the policy -----------------------------------------------------------------------------------


def test_policy_on_sends_users_without_a_device_to_enrolment(db: Any, settings: Any) -> None:
    settings.MENTALIZE_REQUIRE_MFA = True
    user = clinician()
    client = Client()
    password_login(client, "dana", "/patients/")
    for path in ("/patients/", "/account/security/", "/", "/admin/", "/login/code/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/security/enrol/"), path
    page = client.get("/account/security/enrol/?next=/patients/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    done = client.post("/account/security/enrol/", {"code": code(device), "next": "/patients/"})
    assert done.status_code == 302 and done["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


def test_policy_on_still_asks_enrolled_users_for_their_code(db: Any, settings: Any) -> None:
    settings.MENTALIZE_REQUIRE_MFA = True
    device = enrolled(clinician())
    client = Client()
    password_login(client, "dana")
    response = client.get("/account/security/enrol/")
    assert response["Location"].startswith("/login/code/")
    client.post("/login/code/", {"code": code(device)})
    assert client.get("/patients/").status_code == 200


# -- API tokens -----------------------------------------------------------------------------------


def test_api_tokens_are_a_separate_credential(db: Any, settings: Any) -> None:
    settings.MENTALIZE_REQUIRE_MFA = True
    user = clinician()
    enrolled(user)
    token = "mz_" + "t" * 40
    ApiToken.objects.create(user=user, digest=token_digest(token), prefix=token[:10])
    answer = Client().get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    # A session that gave only the password does not reach the API either (it needs a token).
    client = Client()
    password_login(client, "dana")
    assert client.get("/api/v1/patients/").status_code == 401


# -- the administrator's reset --------------------------------------------------------------------


def test_reset_mfa_cli_removes_the_device_and_is_audited(db: Any) -> None:
    user = clinician()
    enrolled(user)
    result = CliRunner().invoke(app, ["users", "reset-mfa", "dana"])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert not TOTPDevice.objects.filter(user=user).exists()
    [entry] = actions("mfa_reset")
    assert (entry.actor, entry.actor_id, entry.object_type, entry.object_id) == (
        "cli",
        None,
        "accounts.user",
        str(user.pk),
    )
    assert verify_chain().ok
    client = Client()
    password_login(client, "dana")
    assert client.get("/patients/").status_code == 200


def test_reset_mfa_cli_unknown_user_is_one_line_exit_2(db: Any) -> None:
    result = CliRunner().invoke(app, ["users", "reset-mfa", "ghost"])
    assert result.exit_code == 2
    assert "no user named 'ghost'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert actions("mfa_reset") == []
