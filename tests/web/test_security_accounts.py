"""Security review finding 1 (issue 18): account administration must not become clinical access
unseen.

The review's route: in the admin site an admin set a clinician's password (then logged in as
them) or made a supervisor account and set it as a clinician's supervisor; either gave read access
to clinical text, and neither (nor the CLI's ``users add``, ``users token``, ``assign-supervisor``)
left an entry in the hash-chained audit log. Now the admin site refuses both acts, every account
event is a chain entry with actor and target, and the user concerned is told on their next page.
Each test here fails on the code before the fix.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from mentalize.cli import app
from mentalize.web.accounts import events
from mentalize.web.accounts.models import ApiToken, Role, User
from mentalize.web.accounts.services import new_token
from mentalize.web.audit.chain import verify
from mentalize.web.audit.models import AuditEntry

PASSWORD = "the clinician's own passphrase"
ATTACKER_PASSWORD = "an admin's chosen passphrase"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    """Argon2 costs ~0.3 s per password on two cores; these tests are about who may set one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(people: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(people["admin"])
    return client


def _clinician(name: str = "nia", supervisor: User | None = None) -> User:
    user = User(username=name, role=Role.CLINICIAN, supervisor=supervisor)
    user.set_password(PASSWORD)
    user.save()
    return user


def _events(target: User, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(target.pk), action=action))


def _change_form(user: User, **changes: Any) -> dict[str, Any]:
    """Every field the old and the new admin change form post, with ``changes`` applied."""
    data: dict[str, Any] = {
        "username": user.username,
        "role": user.role,
        "is_active": "on",
        "first_name": "",
        "last_name": "",
        "email": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- (a) the review's route is closed --------------------------------------------------------------


def test_admin_site_cannot_set_a_clinicians_password(
    admin_client: Client, people: dict[str, Any]
) -> None:
    nia = _clinician()
    url = f"/admin/accounts/user/{nia.pk}/password/"
    assert admin_client.get(url).status_code == 403
    posted = {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD}
    assert admin_client.post(url, {**posted, "usable_password": "true"}).status_code == 403
    nia.refresh_from_db()
    assert nia.check_password(PASSWORD) and not nia.check_password(ATTACKER_PASSWORD)
    # The change page offers no password field or link to one.
    page = admin_client.get(f"/admin/accounts/user/{nia.pk}/change/").content.decode()
    assert "password/" not in page and 'name="password' not in page


def test_admin_site_cannot_assign_a_supervisor(
    admin_client: Client, people: dict[str, Any]
) -> None:
    nia = _clinician()
    page = admin_client.get(f"/admin/accounts/user/{nia.pk}/change/").content.decode()
    assert 'name="supervisor"' not in page
    response = admin_client.post(
        f"/admin/accounts/user/{nia.pk}/change/",
        _change_form(nia, supervisor=people["sup"].pk),
    )
    assert response.status_code in (200, 302)
    nia.refresh_from_db()
    assert nia.supervisor_id is None
    assert _events(nia, "supervisor_assign") == []


def test_an_account_made_in_the_admin_site_has_no_password_the_admin_knows(
    admin_client: Client,
) -> None:
    """The review's other half: a supervisor account the admin made (and so could log in as)."""
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "eve",
            "role": Role.SUPERVISOR,
            "password1": ATTACKER_PASSWORD,
            "password2": ATTACKER_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    eve = User.objects.get(username="eve")
    assert not eve.has_usable_password() and not eve.check_password(ATTACKER_PASSWORD)


# -- (b) what the admin site does offer is chained -------------------------------------------------


def test_admin_site_account_events_are_chained_with_actor_and_target(
    admin_client: Client, people: dict[str, Any]
) -> None:
    admin = people["admin"]
    assert (
        admin_client.post(
            "/admin/accounts/user/add/", {"username": "eve", "role": Role.CLINICIAN}
        ).status_code
        == 302
    )
    eve = User.objects.get(username="eve")
    change = f"/admin/accounts/user/{eve.pk}/change/"
    assert admin_client.post(change, _change_form(eve, role=Role.SUPERVISOR)).status_code == 302
    eve.refresh_from_db()
    assert eve.role == Role.SUPERVISOR
    assert admin_client.post(change, _change_form(eve, is_active=None)).status_code == 302
    assert admin_client.post(change, _change_form(eve)).status_code == 302
    token = ApiToken.objects.get(pk=_token_pk(new_token("owner")))
    answer = admin_client.post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not ApiToken.objects.filter(pk=token.pk).exists()
    other_token = _token_pk(new_token("other"))
    answer = admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": [other_token], "post": "yes"},
    )
    assert answer.status_code == 302 and not ApiToken.objects.filter(pk=other_token).exists()

    def entry(action: str, target: User) -> tuple[Any, ...]:
        [found] = _events(target, action)
        return (found.actor_id, found.actor, found.object_type)

    assert entry("user_create", eve) == (admin.pk, "admin", "accounts.user:role=clinician")
    assert entry("role_change", eve) == (admin.pk, "admin", "accounts.user:role=supervisor")
    assert entry("user_deactivate", eve) == (admin.pk, "admin", "accounts.user")
    assert entry("user_reactivate", eve) == (admin.pk, "admin", "accounts.user")
    assert entry("token_revoke", people["owner"]) == (
        admin.pk,
        "admin",
        f"accounts.user:token={token.pk}",
    )
    assert entry("token_revoke", people["other"])[:2] == (admin.pk, "admin")
    assert verify().ok


def _token_pk(token: str) -> int:
    from mentalize.web.accounts.models import token_digest

    return int(ApiToken.objects.get(digest=token_digest(token)).pk)


def test_admin_site_deletion_is_chained(admin_client: Client, people: dict[str, Any]) -> None:
    nia = _clinician()
    answer = admin_client.post(f"/admin/accounts/user/{nia.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not User.objects.filter(pk=nia.pk).exists()
    [entry] = _events(nia, "user_delete")
    assert (entry.actor, entry.object_type) == ("admin", "accounts.user")
    assert verify().ok


# -- (c) the CLI's account commands are chained, actor "cli" ---------------------------------------


def test_cli_account_commands_are_chained(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTALIZE_PASSWORD", PASSWORD)
    runner = CliRunner()

    def run(*args: str) -> None:
        outcome = runner.invoke(app, list(args))
        assert outcome.exit_code == 0, outcome.output

    run("users", "add", "nia", "--role", "clinician")
    run("users", "add", "sol", "--role", "supervisor")
    nia, sol = User.objects.get(username="nia"), User.objects.get(username="sol")
    run("users", "token", "nia")
    run("users", "assign-supervisor", "nia", "sol")
    TOTPDevice.objects.create(user=nia, name="authenticator app", confirmed=True)
    run("users", "reset-mfa", "nia")
    monkeypatch.setenv("MENTALIZE_PASSWORD", ATTACKER_PASSWORD)
    run("users", "set-password", "nia")
    nia.refresh_from_db()
    assert nia.check_password(ATTACKER_PASSWORD)

    token = ApiToken.objects.get(user=nia)
    expected = [
        ("user_create", nia, "accounts.user:role=clinician"),
        ("user_create", sol, "accounts.user:role=supervisor"),
        ("token_create", nia, f"accounts.user:token={token.pk}"),
        ("supervisor_assign", nia, f"accounts.user:supervisor={sol.pk}"),
        ("mfa_reset", nia, "accounts.user"),
        ("password_set", nia, "accounts.user"),
    ]
    for action, target, object_type in expected:
        [entry] = _events(target, action)
        assert (entry.actor_id, entry.actor, entry.object_type) == (None, "cli", object_type)
    assert verify().ok


def test_a_refused_cli_change_leaves_no_entry(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTALIZE_PASSWORD", "short")
    nia = _clinician()
    outcome = CliRunner().invoke(app, ["users", "set-password", "nia"])
    assert outcome.exit_code == 2 and "password rejected" in outcome.output
    nia.refresh_from_db()
    assert nia.check_password(PASSWORD) and _events(nia, "password_set") == []


# -- (d) the user concerned is told ----------------------------------------------------------------


def test_the_supervisee_is_told_at_each_log_in_and_sees_the_supervisor(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    nia = _clinician()
    outcome = CliRunner().invoke(app, ["users", "assign-supervisor", "nia", "sup"])
    assert outcome.exit_code == 0, outcome.output
    [assigned] = _events(nia, "supervisor_assign")

    client = Client()
    client.force_login(nia)
    page = client.get("/account/security/").content.decode()
    assert "made sup your supervisor" in page and "command line" in page
    assert "Shown at each log-in until" in page
    assert "Your supervisor: <strong>sup</strong>" in page
    # Once per log-in: not on the next page of the same log-in ...
    assert "made sup your supervisor" not in client.get("/account/security/").content.decode()
    # ... but again at the next log-in, within the notice window.
    again = Client()
    again.force_login(nia)
    assert "made sup your supervisor" in again.get("/account/security/").content.decode()
    shown = _events(nia, "account_notice")
    assert len(shown) == 2
    assert {(e.actor_id, e.object_type) for e in shown} == {
        (nia.pk, f"accounts.user:upto={assigned.seq}")
    }
    # Past the window, a change already shown is not shown again.
    monkeypatch.setattr(events, "NOTICE_WINDOW", dt.timedelta(0))
    late = Client()
    late.force_login(nia)
    assert "made sup your supervisor" not in late.get("/account/security/").content.decode()
    assert verify().ok


def test_a_notice_is_not_consumed_by_whoever_logs_in_first(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's case: the operator runs set-password, then tries the account; the user's own
    log-in later still tells them. A change never shown is shown even after the window."""
    nia = _clinician()
    monkeypatch.setenv("MENTALIZE_PASSWORD", ATTACKER_PASSWORD)
    assert CliRunner().invoke(app, ["users", "set-password", "nia"]).exit_code == 0
    phrase = "set a new password for your account"
    operator = Client()
    login = {"username": "nia", "password": ATTACKER_PASSWORD}
    assert operator.post("/login/", login).status_code == 302
    assert phrase in operator.get("/account/security/").content.decode()
    operator.post("/logout/")

    user = Client()
    assert user.post("/login/", login).status_code == 302
    assert phrase in user.get("/account/security/").content.decode()
    assert len(_events(nia, "account_notice")) == 2  # each showing is on the record

    # Never shown, and older than the window: shown once, at the next log-in.
    bob = _clinician("bob")
    assert CliRunner().invoke(app, ["users", "set-password", "bob"]).exit_code == 0
    bob.refresh_from_db()  # the new password's hash: force_login's session must match it
    monkeypatch.setattr(events, "NOTICE_WINDOW", dt.timedelta(0))
    first, second = Client(), Client()
    first.force_login(bob)
    page = first.get("/account/security/").content.decode()
    assert phrase in page and "Shown at each log-in" not in page
    second.force_login(bob)
    assert phrase not in second.get("/account/security/").content.decode()


def test_changes_by_an_admin_are_told_and_own_actions_are_not(
    admin_client: Client, people: dict[str, Any]
) -> None:
    owner = people["owner"]
    token = _token_pk(new_token("owner"))
    admin_client.post(f"/admin/accounts/apitoken/{token}/delete/", {"post": "yes"})
    client = Client()
    client.force_login(owner)
    # The first page after log-in, reached through a redirect, still carries the notices.
    page = client.get("/", follow=True).content.decode()
    assert "An administrator (admin) revoked an API token of your account" in page
    assert "made an API token for your account" in page  # by the command line

    # The admin's own log-in shows nothing about what the admin did to others.
    admin_page = admin_client.get("/admin/").content.decode()
    assert "revoked an API token" not in admin_page


def test_notices_wait_for_the_second_factor(people: dict[str, Any]) -> None:
    nia = _clinician()
    CliRunner().invoke(app, ["users", "assign-supervisor", "nia", "sup"])
    device = TOTPDevice.objects.create(user=nia, name="authenticator app", confirmed=True)
    client = Client()
    client.force_login(nia)  # the password step only
    page = client.get("/account/security/", follow=True).content.decode()
    assert "Enter your code" in page and "made sup your supervisor" not in page
    assert _events(nia, "account_notice") == []
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code = f"{totp.token():0{device.digits}d}"
    page = client.post("/login/code/", {"code": code}, follow=True).content.decode()
    assert "made sup your supervisor" in page


def test_a_supervised_clinician_made_a_supervisor_loses_the_supervisor_on_the_record(
    admin_client: Client, people: dict[str, Any]
) -> None:
    """Only clinicians are supervised: a role change away from clinician ends the supervision
    (access only narrows), and that too is a chained, notified event."""
    owner = people["owner"]
    answer = admin_client.post(
        f"/admin/accounts/user/{owner.pk}/change/", _change_form(owner, role=Role.SUPERVISOR)
    )
    assert answer.status_code == 302
    owner.refresh_from_db()
    assert (owner.role, owner.supervisor_id) == (Role.SUPERVISOR, None)
    [entry] = _events(owner, "supervisor_remove")
    assert (entry.actor, entry.object_type) == ("admin", "accounts.user")
    assert len(_events(owner, "role_change")) == 1


def test_a_supervisor_given_another_role_supervises_no_one(
    admin_client: Client, people: dict[str, Any]
) -> None:
    sup, owner = people["sup"], people["owner"]
    answer = admin_client.post(
        f"/admin/accounts/user/{sup.pk}/change/", _change_form(sup, role=Role.CLINICIAN)
    )
    assert answer.status_code == 302
    owner.refresh_from_db()
    assert owner.supervisor_id is None
    [entry] = _events(owner, "supervisor_remove")
    assert entry.actor == "admin"
    assert verify().ok


# -- follow-up review: delete pages, events that escaped the chain ---------------------------------

SECRET = "SECRET-CODE-77"


def test_the_delete_pages_name_no_clinical_object_and_refuse(
    admin_client: Client, people: dict[str, Any], chart: dict[str, Any]
) -> None:
    """Django's delete confirmation listed a clinician's patients by code (and their sessions and
    notes) as protected objects. Now: counts only, single and bulk, and the deletion is refused."""
    from mentalize.web.records import services
    from mentalize.web.records.models import Patient

    owner = people["owner"]
    services.create(owner, Patient, code=SECRET, name="Bea Secret", clinician=owner)
    forbidden = (SECRET, "MBT-0001", "Ada Example", "Bea Secret", "Patient:", "Session", "note")

    def check(page: str) -> None:
        for text in forbidden:
            assert text not in page, text
        assert "owner owns 2 patients and is named on" in page
        assert "this account is not deleted; deactivate it instead" in page

    single = f"/admin/accounts/user/{owner.pk}/delete/"
    answer = admin_client.get(single)
    assert answer.status_code == 200
    check(answer.content.decode())
    answer = admin_client.post(single, {"post": "yes"})
    assert answer.status_code == 200
    check(answer.content.decode())

    bulk = {"action": "delete_selected", "_selected_action": [owner.pk, people["other"].pk]}
    answer = admin_client.post("/admin/accounts/user/", bulk)
    assert answer.status_code == 200
    check(answer.content.decode())
    answer = admin_client.post("/admin/accounts/user/", {**bulk, "post": "yes"})
    assert answer.status_code == 200
    check(answer.content.decode())

    assert User.objects.filter(pk__in=[owner.pk, people["other"].pk]).count() == 2
    assert _events(owner, "user_delete") == [] and _events(people["other"], "user_delete") == []


def test_deleting_a_supervisor_ends_the_supervision_on_the_record(
    admin_client: Client, people: dict[str, Any]
) -> None:
    sup, owner = people["sup"], people["owner"]
    answer = admin_client.post(f"/admin/accounts/user/{sup.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not User.objects.filter(pk=sup.pk).exists()
    owner.refresh_from_db()
    assert owner.supervisor_id is None
    [entry] = _events(owner, "supervisor_remove")
    assert (entry.actor, entry.object_type) == ("admin", "accounts.user")
    client = Client()
    client.force_login(owner)
    assert "An administrator (admin) removed your supervisor" in (
        client.get("/account/security/").content.decode()
    )
    assert verify().ok


def test_tokens_deleted_with_their_user_are_revoked_on_the_record(
    admin_client: Client, people: dict[str, Any]
) -> None:
    nia, bob = _clinician(), _clinician("bob", supervisor=people["sup"])
    nia_token, bob_token = _token_pk(new_token("nia")), _token_pk(new_token("bob"))
    answer = admin_client.post(f"/admin/accounts/user/{nia.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    bulk = {"action": "delete_selected", "_selected_action": [bob.pk, people["sup"].pk]}
    answer = admin_client.post("/admin/accounts/user/", {**bulk, "post": "yes"})
    assert answer.status_code == 302
    assert not ApiToken.objects.filter(pk__in=[nia_token, bob_token]).exists()
    for user, token in ((nia, nia_token), (bob, bob_token)):
        [entry] = _events(user, "token_revoke")
        assert (entry.actor, entry.object_type) == ("admin", f"accounts.user:token={token}")
        assert len(_events(user, "user_delete")) == 1
    # bob was deleted with his supervisor: no supervisor_remove for a deleted user.
    assert _events(bob, "supervisor_remove") == []
    assert len(_events(people["owner"], "supervisor_remove")) == 1
    assert verify().ok


def test_an_admins_own_password_change_is_chained_not_notified(
    admin_client: Client, people: dict[str, Any]
) -> None:
    admin = people["admin"]
    admin.set_password(PASSWORD)
    admin.save()
    admin_client.force_login(admin)
    new = "an admin's new passphrase, long enough"
    wrong = admin_client.post(
        "/admin/password_change/",
        {"old_password": "not it", "new_password1": new, "new_password2": new},
    )
    assert wrong.status_code == 200 and _events(admin, "password_set") == []
    answer = admin_client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/password_change/done/"
    admin.refresh_from_db()
    assert admin.check_password(new)
    [entry] = _events(admin, "password_set")
    assert (entry.actor_id, entry.actor, entry.object_type) == (admin.pk, "admin", "accounts.user")
    assert events.pending(admin) == []  # one's own change is not a notice
    assert verify().ok


def test_an_upgrade_records_supervision_and_tokens_that_predate_account_events(
    people: dict[str, Any],
) -> None:
    """Audit migration 0004 writes one baseline entry per existing relation and token (else a
    clinic upgraded from a build without account events could not restore its own backups), the
    chain still verifies, and the supervisee is told it as an upgrade, not as someone's change."""
    from django.apps import apps

    baseline = importlib.import_module("mentalize.web.audit.migrations.0004_account_baseline")
    supervisor = User.objects.create(username="old_sup", role=Role.SUPERVISOR)
    supervisee = _clinician("old_nia", supervisor=supervisor)  # saved directly: no event
    token = ApiToken.objects.create(user=supervisee, digest="d" * 64, prefix="mz_old")
    assert not _events(supervisee, events.AccountAction.SUPERVISOR_ASSIGN)

    baseline._baseline(apps, None)

    (assigned,) = _events(supervisee, events.AccountAction.SUPERVISOR_ASSIGN)
    assert assigned.actor == "upgrade" and assigned.actor_id is None
    assert assigned.object_type == f"accounts.user:supervisor={supervisor.pk}"
    tokens = _events(supervisee, events.AccountAction.TOKEN_CREATE)
    assert [e.object_type for e in tokens] == [f"accounts.user:token={token.pk}"]
    assert verify().ok
    texts = [notice.text for notice in events.pending(supervisee)]
    assert any("upgraded" in t and "old_sup as your supervisor" in t for t in texts), texts
    assert not any("administrator" in t.lower() for t in texts), texts
