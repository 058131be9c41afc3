"""ASVS V2 (authentication) and V3 (session management), through the real log-in page.

These log in with real passwords (Argon2), not ``force_login``, because what is under test is the
log-in path itself: which hasher runs, what an attacker can learn from the answer, when the
account locks, and what happens to the session cookie before and after.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings
from django.utils import timezone

from mentalize.web.accounts.models import ApiToken, User
from mentalize.web.accounts.services import add_user, new_token

PASSWORD = "a long enough passphrase"
WRONG = "not the passphrase at all"
COOKIE = settings.SESSION_COOKIE_NAME


@pytest.fixture
def lena(db: Any) -> User:
    return add_user("lena", "clinician", PASSWORD)


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def _page(response: Any, username: str) -> str:
    """The response body with what legitimately differs between two requests taken out: the
    per-request CSRF token and the user name echoed back into the form."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    return body.replace(f'value="{username}"', 'value="NAME"')


# -- passwords ----------------------------------------------------------------------------------


def test_new_passwords_are_hashed_with_argon2(lena: User) -> None:
    algorithm, *_ = lena.password.split("$")
    assert algorithm == "argon2"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_an_older_hash_is_upgraded_to_argon2_at_log_in(db: Any) -> None:
    user = User.objects.create(
        username="old", password=make_password(PASSWORD, None, "pbkdf2_sha256")
    )
    assert user.password.startswith("pbkdf2_sha256$")
    assert _login(Client(), "old", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


# -- no user enumeration ------------------------------------------------------------------------


def test_unknown_user_wrong_password_and_inactive_user_look_the_same(lena: User) -> None:
    inactive = add_user("ines", "clinician", PASSWORD)
    inactive.is_active = False
    inactive.save()
    unknown = _login(Client(), "nobody", WRONG)
    wrong = _login(Client(), "lena", WRONG)
    deactivated = _login(Client(), "ines", PASSWORD)  # right password, deactivated account
    assert unknown.status_code == wrong.status_code == deactivated.status_code == 200
    assert _page(unknown, "nobody") == _page(wrong, "lena") == _page(deactivated, "ines")
    assert "Please enter a correct" in unknown.content.decode()


def test_unknown_user_and_wrong_password_run_the_same_argon2_work(lena: User) -> None:
    """The timing path: each failed log-in runs exactly one Argon2 computation with the same
    cost, whether the account exists or not (Django hashes the password for an unknown user
    precisely so that the answer does not come back faster). Timed figures: bench/login_timing.py.
    """
    calls: list[str] = []
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def encode(self: Any, password: str, salt: str) -> str:
        calls.append("hash")
        return real_encode(self, password, salt)

    def verify(self: Any, password: str, encoded: str) -> bool:
        calls.append("verify")
        return real_verify(self, password, encoded)

    with (
        mock.patch.object(Argon2PasswordHasher, "encode", encode),
        mock.patch.object(Argon2PasswordHasher, "verify", verify),
    ):
        _login(Client(), "nobody", WRONG)
        unknown, calls[:] = list(calls), []
        _login(Client(), "lena", WRONG)
        wrong = list(calls)
    assert len(unknown) == 1 and len(wrong) == 1, (unknown, wrong)
    hasher = Argon2PasswordHasher()
    # Same cost parameters on both paths: the stored hash was made with the current settings.
    assert hasher.decode(lena.password)["memory_cost"] == hasher.memory_cost
    assert hasher.decode(lena.password)["time_cost"] == hasher.time_cost


def test_lockout_after_five_failures_looks_the_same_for_unknown_names(lena: User) -> None:
    responses = {}
    for name in ("lena", "nobody"):
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, name, WRONG)
        responses[name] = _login(client, name, PASSWORD if name == "lena" else WRONG)
    assert responses["lena"].status_code == responses["nobody"].status_code == 429
    assert _page(responses["lena"], "lena") == _page(responses["nobody"], "nobody")
    assert "_auth_user_id" not in Client().session


def test_guessing_across_many_names_locks_no_one(lena: User) -> None:
    """An attacker trying one password against many names (or a few against lena) does not
    lock lena out: failures count per account name, and a success clears them."""
    client = Client()
    for n in range(3 * settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{n}", WRONG)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "lena", WRONG)
    assert _login(Client(), "lena", PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):  # the success reset lena's count
        _login(client, "lena", WRONG)
    assert _login(Client(), "lena", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(lena: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "lena", WRONG)
    assert _login(client, "lena", PASSWORD).status_code == 429
    from axes.models import AccessAttempt

    # Fifteen minutes pass: age the stored failures rather than the clock axes reads.
    aged = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    assert AccessAttempt.objects.update(attempt_time=aged) == 1
    assert _login(Client(), "lena", PASSWORD).status_code == 302


def test_api_tokens_fail_alike_whatever_is_wrong(client: Any, people: dict[str, Any]) -> None:
    """Unknown, malformed, revoked, wrong-scheme and deactivated-user tokens: one answer."""
    revoked = new_token("owner")
    ApiToken.objects.filter(prefix=revoked[:10]).delete()
    inactive = new_token("other")
    User.objects.filter(username="other").update(is_active=False)
    headers = {
        "missing": None,
        "unknown": "Bearer mz_" + "A" * 43,
        "malformed": "Bearer not-a-token",
        "revoked": f"Bearer {revoked}",
        "wrong scheme": f"Basic {new_token('owner')}",
        "deactivated user": f"Bearer {inactive}",
        "oversized": "Bearer mz_" + "A" * 5000,
    }
    answers = set()
    for header in headers.values():
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        response = client.get("/api/v1/patients/", **extra)
        answers.add((response.status_code, response.content, response["WWW-Authenticate"]))
    assert len(answers) == 1
    assert next(iter(answers))[0] == 401


def test_there_is_no_password_reset_or_self_service_token_path() -> None:
    """No reset-by-e-mail page exists to enumerate accounts through: passwords are set by an
    admin (admin site or ``mentalize users``). Guards against one being added unreviewed."""
    from django.urls import get_resolver

    names = [str(name) for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert not [n for n in names if "reset" in n or "signup" in n or "register" in n]


# -- sessions -----------------------------------------------------------------------------------


def test_log_in_replaces_the_session_key(lena: User) -> None:
    """Session fixation: a key planted before log-in is dropped, and a new one issued."""
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client = Client()
    client.cookies[COOKIE] = planted.session_key
    response = _login(client, "lena", PASSWORD)
    assert response.status_code == 302
    issued = response.cookies[COOKIE].value
    assert issued and issued != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert client.get("/patients/").status_code == 200


def test_log_out_ends_the_session_on_the_server(lena: User) -> None:
    client = Client()
    _login(client, "lena", PASSWORD)
    key = client.cookies[COOKIE].value
    assert client.get("/logout/").status_code == 405  # a link or image cannot log anyone out
    assert client.get("/patients/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert not SessionStore().exists(key)
    replay = Client()
    replay.cookies[COOKIE] = key
    response = replay.get("/patients/")
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("change", ["password", "deactivation"])
def test_password_change_or_deactivation_ends_other_sessions(lena: User, change: str) -> None:
    client = Client()
    _login(client, "lena", PASSWORD)
    assert client.get("/patients/").status_code == 200
    if change == "password":
        lena.set_password("a completely new passphrase")
    else:
        lena.is_active = False
    lena.save()
    response = client.get("/patients/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_sessions_slide_with_activity_and_end_after_inactivity(lena: User) -> None:
    client = Client()
    _login(client, "lena", PASSWORD)
    start, age = timezone.now(), timedelta(seconds=settings.SESSION_COOKIE_AGE)

    def at(offset: timedelta) -> Any:
        with mock.patch("django.utils.timezone.now", return_value=start + offset):
            return client.get("/patients/")

    assert at(age * 2 / 3).status_code == 200  # pushes the expiry forward
    assert at(age * 4 / 3).status_code == 200  # past the first expiry, within the pushed one
    response = at(age * 4 / 3 + age + timedelta(seconds=5))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_cookie_flags(lena: User) -> None:
    client = Client()
    login_page = client.get("/login/")
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Strict" and not csrf["secure"]
    session = _login(client, "lena", PASSWORD).cookies[COOKIE]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert not session["secure"]  # the tests run on plain-HTTP loopback, as serve does
    assert session["max-age"] == "" and session["expires"] == ""  # ends with the browser
    with override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        secure = Client()
        assert secure.get("/login/").cookies[settings.CSRF_COOKIE_NAME]["secure"]
        assert _login(secure, "lena", PASSWORD).cookies[COOKIE]["secure"]


def _settings_in_subprocess(tmp_path: Path, **env: str) -> dict[str, Any]:
    """Import the settings module fresh, with ``env``, and return a few of its values."""
    import json
    import os

    data = tmp_path / "data"
    code = (
        "import json, mentalize.web.settings as s; print(json.dumps({k: getattr(s, k, None) "
        "for k in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS')}))"
    )
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MENTALIZE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "MENTALIZE_DATA_DIR": str(data), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_secure_cookies_follow_the_deployment(tmp_path: Path) -> None:
    plain = _settings_in_subprocess(tmp_path)
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["SECURE_SSL_REDIRECT"] is None
    flagged = _settings_in_subprocess(tmp_path, MENTALIZE_SECURE_COOKIES="1")
    assert flagged["SESSION_COOKIE_SECURE"] is True and flagged["CSRF_COOKIE_SECURE"] is True
    proxied = _settings_in_subprocess(tmp_path, MENTALIZE_BEHIND_TLS_PROXY="1")
    assert proxied["SESSION_COOKIE_SECURE"] is True and proxied["SECURE_SSL_REDIRECT"] is True
    assert proxied["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_log_in_never_redirects_off_site(lena: User, target: str) -> None:
    """ASVS 5.1.5: the ``next`` parameter only ever leads to a page of the clinic itself."""
    response = Client().post("/login/", {"username": "lena", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.url == "/"


def test_a_log_in_ends_after_twelve_hours_however_active(lena: User) -> None:
    """ASVS 3.3.2: activity keeps pushing the inactivity expiry forward, so an absolute limit
    is what ends a session kept busy. Regression: before it, a busy session never ended."""
    from mentalize.web.session_limits import LOGIN_AT

    client = Client()
    _login(client, "lena", PASSWORD)
    key = client.cookies[COOKIE].value
    limit = timedelta(hours=settings.MENTALIZE_SESSION_MAX_HOURS)
    assert limit == timedelta(hours=12)

    def logged_in_ago(age: timedelta) -> None:
        session = SessionStore(session_key=key)
        session[LOGIN_AT] = (timezone.now() - age).isoformat()
        session.save()

    logged_in_ago(limit - timedelta(minutes=1))
    assert client.get("/patients/").status_code == 200
    logged_in_ago(limit + timedelta(minutes=1))
    response = client.get("/patients/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not SessionStore().exists(key)
    # Logging in again starts a new period (the old time is not carried over to the new key).
    assert _login(client, "lena", PASSWORD).status_code == 302
    assert client.get("/patients/").status_code == 200
