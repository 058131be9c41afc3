"""The whole role × URL × method matrix, generated from the live URL configuration.

Every URL pattern the clinic serves (its pages, the API, the admin site, static files) must have a
rule below saying what each of six callers gets for GET and for POST:

    anon       not logged in (pages) / no token (API)
    owner      the patient's clinician
    sup        the owner's supervisor (reads, never writes)
    other      another clinician (horizontal: the records do not exist for them, 404)
    other_sup  another clinician's supervisor (404)
    admin      accounts only (vertical: no clinical record, 404; the admin site, within its
               permissions); on the API, with a token made before the account became an admin

A URL added without a rule fails :func:`test_every_url_has_a_rule`, so access to it is decided
here, on purpose, before it ships. The same table drives the CSRF check: every page that takes a
POST refuses one without the CSRF token. Side effects of the writes (rows created or not) are in
``test_access_matrix.py``; this file is about who reaches what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from mentalize.web.accounts.models import ApiToken, User, token_digest
from tests.web.routes import all_routes

ROLES = ("anon", "owner", "sup", "other", "other_sup", "admin")
Ctx = dict[str, Any]


def _all(status: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, status) for role in ROLES}


# Pages (login required): owner writes, sup reads, everyone else gets 404; admins hold no records.
READ = _all(404, anon=302, owner=200, sup=200)
FORM = _all(404, anon=302, owner=200, sup=403)
WRITE = _all(404, anon=302, owner=302, sup=403)
GET_ONLY = _all(405, anon=302)
POST_ONLY = _all(405, anon=302)
LOGGED_IN = _all(200, anon=302)
# The API: no token is 401; the rest as the pages, with JSON.
API_READ = _all(404, anon=401, owner=200, sup=200)
API_WRITE = _all(404, anon=401, owner=201, sup=403)
API_NO = _all(405, anon=401)
# The admin site: anyone who is not an admin is sent to the admin log-in.
ADMIN_ONLY = _all(302, admin=200)
ADMIN_DENIED = _all(302, admin=403)
ADMIN_POST_ONLY = _all(302, admin=405)

PHQ9 = {f"item_{n}": "1" for n in range(1, 10)}
GAD7 = {f"item_{n}": "1" for n in range(1, 8)}


@dataclass(frozen=True)
class Rule:
    """What each role gets at one URL for GET and POST (and the POST's form data)."""

    url: Callable[[Ctx], str]
    get: dict[str, int]
    post: dict[str, int]
    data: Callable[[Ctx], Any] = field(default=lambda c: {})
    api: bool = False


def _p(c: Ctx) -> int:
    return c["chart"]["patient"].pk


# Keyed by the route exactly as Django writes it (prefixes joined), so unnamed routes count too.
RULES: dict[str, Rule] = {
    # -- log-in and the clinic's pages --------------------------------------------------------
    "login/": Rule(
        lambda c: "/login/",
        _all(302, anon=200),  # a logged-in user is sent on
        _all(302, anon=200),  # anon: the form again (no password); others: already in
        lambda c: {"username": "nobody", "password": "not the passphrase"},
    ),
    "logout/": Rule(lambda c: "/logout/", _all(405), _all(302)),
    # The account's second factor (test_mfa.py has the flows): each user's own, no record in it.
    # Nobody here has a device, so the code step and removal send everyone on, and a made-up
    # code at enrolment is refused (400) for every signed-in role.
    "login/code/": Rule(lambda c: "/login/code/", _all(302), _all(302), lambda c: {"code": "1"}),
    "account/security/": Rule(lambda c: "/account/security/", LOGGED_IN, GET_ONLY),
    "account/security/enrol/": Rule(
        lambda c: "/account/security/enrol/",
        LOGGED_IN,
        _all(400, anon=302),
        lambda c: {"code": "not a code"},
    ),
    "account/security/remove/": Rule(
        lambda c: "/account/security/remove/",
        _all(405, anon=302),
        _all(302),
        lambda c: {"code": "not a code"},
    ),
    "": Rule(lambda c: "/", _all(302), _all(405, anon=302)),
    "patients/": Rule(lambda c: "/patients/", LOGGED_IN, GET_ONLY),
    "patients/new/": Rule(
        lambda c: "/patients/new/",
        _all(403, anon=302, owner=200, other=200),
        _all(403, anon=302, owner=302, other=302),
        lambda c: {"code": f"NEW-{c['role']}"},
    ),
    "patients/<int:pk>/": Rule(lambda c: f"/patients/{_p(c)}/", READ, GET_ONLY),
    "patients/<int:pk>/overview/": Rule(lambda c: f"/patients/{_p(c)}/overview/", READ, GET_ONLY),
    # Marking an alert reviewed: the treating clinician only (a supervisor reads the reviews).
    "patients/<int:pk>/alerts/review/": Rule(
        lambda c: f"/patients/{_p(c)}/alerts/review/",
        POST_ONLY,
        WRITE,
        lambda c: {"key": f"risk_flags:{c['chart']['session'].pk}", "note": "Discussed."},
    ),
    # Supervision comments: the owner's supervisor writes; the owner and supervisor read.
    "patients/<int:pk>/supervision/": Rule(
        lambda c: f"/patients/{_p(c)}/supervision/",
        READ,
        _all(404, anon=302, owner=403, sup=302),
        lambda c: {"text": "Curious about the pause after the break."},
    ),
    "patients/<int:pk>/treatments/new/": Rule(
        lambda c: f"/patients/{_p(c)}/treatments/new/",
        FORM,
        WRITE,
        lambda c: {
            "modality": "group",
            "frequency": "weekly",
            "start": "2026-03-01",
            "status": "active",
        },
    ),
    "patients/<int:pk>/sessions/new/": Rule(
        lambda c: f"/patients/{_p(c)}/sessions/new/",
        FORM,
        WRITE,
        lambda c: {"date": "2026-03-02", "transcript_text": "T: How was it?\nP: Hard.\n"},
    ),
    "patients/<int:pk>/outcomes/new/": Rule(
        lambda c: f"/patients/{_p(c)}/outcomes/new/",
        FORM,
        WRITE,
        lambda c: {"kind": "self_harm", "date": "2026-03-04"},
    ),
    "patients/<int:pk>/export/": Rule(
        lambda c: f"/patients/{_p(c)}/export/", READ, READ, lambda c: {"format": "csv"}
    ),
    "patients/<int:pk>/questionnaires/<slug:instrument>/new/": Rule(
        lambda c: f"/patients/{_p(c)}/questionnaires/phq9/new/",
        FORM,
        WRITE,
        lambda c: {"date": "2026-03-03", **PHQ9},
    ),
    "questionnaires/<int:pk>/": Rule(
        lambda c: f"/questionnaires/{c['chart']['questionnaire'].pk}/", READ, GET_ONLY
    ),
    "treatments/<int:pk>/crisis-plan/": Rule(
        lambda c: f"/treatments/{c['chart']['treatment'].pk}/crisis-plan/",
        READ,
        WRITE,
        lambda c: {"patient_can_do": "a", "professionals_do": "b", "information_for_others": "c"},
    ),
    "treatments/<int:pk>/crisis-plan/print/": Rule(
        lambda c: f"/treatments/{c['chart']['treatment'].pk}/crisis-plan/print/", READ, GET_ONLY
    ),
    "sessions/<int:pk>/": Rule(lambda c: f"/sessions/{c['chart']['session'].pk}/", READ, GET_ONLY),
    "sessions/<int:pk>/analysis/retry/": Rule(
        lambda c: f"/sessions/{c['chart']['session'].pk}/analysis/retry/", POST_ONLY, WRITE
    ),
    "sessions/<int:pk>/report/": Rule(
        lambda c: f"/sessions/{c['chart']['session'].pk}/report/", READ, GET_ONLY
    ),
    "sessions/<int:pk>/report/<slug:how>/": Rule(
        lambda c: f"/sessions/{c['chart']['session'].pk}/report/download/", READ, GET_ONLY
    ),
    "sessions/<int:pk>/notes/<slug:kind>/": Rule(
        lambda c: f"/sessions/{c['chart']['session'].pk}/notes/psychotherapy/",
        POST_ONLY,
        WRITE,
        lambda c: {"text": "A process note."},
    ),
    "patients/<int:pk>/questionnaire-links/": Rule(
        lambda c: f"/patients/{_p(c)}/questionnaire-links/",
        FORM,
        FORM,  # the new link is shown on the response itself, never redirected to
        lambda c: {"instrument": "phq9"},
    ),
    "questionnaire-links/<int:pk>/revoke/": Rule(
        lambda c: f"/questionnaire-links/{c['link'].pk}/revoke/", POST_ONLY, WRITE
    ),
    "questionnaire-links/handover/": Rule(
        lambda c: "/questionnaire-links/handover/",
        POST_ONLY,
        _all(404, anon=302, owner=302),  # only the link's own clinician hands over
        lambda c: {"token": c["token"]},
    ),
    # The patient's form: the token is the key, whoever holds it (logged in or not).
    "q/<str:token>/": Rule(lambda c: f"/q/{c['token']}/", _all(200), _all(200), lambda c: GAD7),
    "^static/(?P<path>.*)$": Rule(lambda c: "/static/admin/css/base.css", _all(200), _all(405)),
    # -- the API (bearer tokens only) ---------------------------------------------------------
    "api/v1/openapi.json": Rule(lambda c: "/api/v1/openapi.json", _all(200), _all(405), api=True),
    "api/v1/patients/": Rule(
        lambda c: "/api/v1/patients/",
        _all(200, anon=401),
        _all(403, anon=401, owner=201, other=201),
        lambda c: {"code": f"API-{c['role']}"},
        api=True,
    ),
    "api/v1/patients/<int:pk>/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/", API_READ, API_NO, api=True
    ),
    "api/v1/patients/<int:pk>/overview/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/overview/", API_READ, API_NO, api=True
    ),
    "api/v1/patients/<int:pk>/alert-reviews/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/alert-reviews/", API_READ, API_NO, api=True
    ),
    "api/v1/patients/<int:pk>/supervision-comments/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/supervision-comments/", API_READ, API_NO, api=True
    ),
    "api/v1/patients/<int:pk>/sessions/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/sessions/",
        API_NO,
        API_WRITE,
        lambda c: {"transcript": c["upload"]()},
        api=True,
    ),
    "api/v1/sessions/<int:pk>/": Rule(
        lambda c: f"/api/v1/sessions/{c['chart']['session'].pk}/", API_READ, API_NO, api=True
    ),
    "api/v1/sessions/<int:pk>/analysis/": Rule(
        lambda c: f"/api/v1/sessions/{c['chart']['session'].pk}/analysis/",
        API_READ,
        API_NO,
        api=True,
    ),
    "api/v1/patients/<int:pk>/questionnaires/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/questionnaires/",
        API_NO,
        API_WRITE,
        lambda c: {"instrument": "phq9", "answers": [1] * 9},
        api=True,
    ),
    "api/v1/questionnaires/<int:pk>/": Rule(
        lambda c: f"/api/v1/questionnaires/{c['chart']['questionnaire'].pk}/",
        API_READ,
        API_NO,
        api=True,
    ),
    "api/v1/patients/<int:pk>/export/": Rule(
        lambda c: f"/api/v1/patients/{_p(c)}/export/?format=fhir", API_READ, API_NO, api=True
    ),
    # -- the admin site (accounts, tokens, the audit log; nothing clinical) --------------------
    "admin/": Rule(lambda c: "/admin/", ADMIN_ONLY, ADMIN_ONLY),
    "admin/login/": Rule(
        lambda c: "/admin/login/",
        _all(200, admin=302),  # a logged-in non-admin is told they are not authorised
        _all(200),  # wrong credentials: the form again
        lambda c: {"username": "nobody", "password": "not the passphrase"},
    ),
    "admin/logout/": Rule(lambda c: "/admin/logout/", _all(302, admin=405), _all(302)),
    "admin/password_change/": Rule(
        lambda c: "/admin/password_change/", ADMIN_ONLY, ADMIN_ONLY
    ),  # POST with no data: the form again
    "admin/password_change/done/": Rule(
        lambda c: "/admin/password_change/done/", ADMIN_ONLY, ADMIN_POST_ONLY
    ),
    "admin/autocomplete/": Rule(lambda c: "/admin/autocomplete/", ADMIN_DENIED, ADMIN_POST_ONLY),
    "admin/jsi18n/": Rule(lambda c: "/admin/jsi18n/", ADMIN_ONLY, ADMIN_POST_ONLY),
    "admin/r/<path:content_type_id>/<path:object_id>/": Rule(
        lambda c: f"/admin/r/{c['user_type']}/{c['people']['owner'].pk}/",
        _all(302, admin=404),  # users have no public page to send an admin to
        _all(302, admin=404),
    ),
    "admin/^(?P<app_label>auth|axes|accounts|audit|django_tasks_database)/$": Rule(
        lambda c: "/admin/accounts/", ADMIN_ONLY, ADMIN_ONLY
    ),
    "admin/(?P<url>.*)$": Rule(
        lambda c: "/admin/nothing-here/", _all(302, admin=404), _all(302, admin=404)
    ),
    # Refused even to admins: whoever sets a password can log in as that user (issue 18,
    # finding 1); passwords are set on the server, `mentalize users set-password`.
    "admin/accounts/user/<id>/password/": Rule(
        lambda c: f"/admin/accounts/user/{c['people']['owner'].pk}/password/",
        ADMIN_DENIED,
        ADMIN_DENIED,
    ),
}


def _admin_model(
    path: str, obj: Callable[[Ctx], Any], allowed: dict[str, int], view_only: tuple[str, ...] = ()
) -> None:
    """Rules for one registered model's six admin URLs. ``allowed`` is what an admin gets for
    GET on each (from the permissions in accounts.services.ADMIN_PERMISSIONS); POSTs are sent
    without data, so an allowed one shows the form again and changes nothing."""
    base = f"admin/{path}/"
    url = {
        "changelist": lambda c: f"/{base}",
        "add": lambda c: f"/{base}add/",
        "history": lambda c: f"/{base}{obj(c)}/history/",
        "delete": lambda c: f"/{base}{obj(c)}/delete/",
        "change": lambda c: f"/{base}{obj(c)}/change/",
        "bare": lambda c: f"/{base}{obj(c)}/",
    }
    routes = {
        "changelist": base,
        "add": f"{base}add/",
        "history": f"{base}<path:object_id>/history/",
        "delete": f"{base}<path:object_id>/delete/",
        "change": f"{base}<path:object_id>/change/",
        "bare": f"{base}<path:object_id>/",
    }
    for action, route in routes.items():
        get = allowed[action]
        # Viewing is not changing: a POST to a view-only change page is refused.
        post = 403 if action == "change" and "change" in view_only else get
        RULES[route] = Rule(url[action], _all(302, admin=get), _all(302, admin=post))


NO_ACCESS = dict.fromkeys(("changelist", "add", "history", "delete", "change"), 403)
_admin_model("auth/group", lambda c: c["group"].pk, {**NO_ACCESS, "bare": 302})
for _axes in ("accessattempt", "accesslog", "accessfailurelog"):
    _admin_model(f"axes/{_axes}", lambda c, m=_axes: c["axes"][m].pk, {**NO_ACCESS, "bare": 302})
# The analysis queue's task results (django-tasks-db): hold session ids only, and are not an
# account matter, so the admin role has no permission on them either.
_admin_model(
    "django_tasks_database/dbtaskresult",
    lambda c: c["task_result"].pk,
    {**NO_ACCESS, "bare": 302},
)
_admin_model(
    "accounts/user",
    lambda c: c["people"]["other"].pk,
    {"changelist": 200, "add": 200, "history": 200, "delete": 200, "change": 200, "bare": 302},
)
_admin_model(
    "accounts/apitoken",  # tokens are made on the command line only, and never edited
    lambda c: c["api_token"].pk,
    {"changelist": 200, "add": 403, "history": 200, "delete": 200, "change": 200, "bare": 302},
    view_only=("change",),
)
_admin_model(
    "audit/auditentry",  # read-only: no add, change or delete, for anyone
    lambda c: c["audit_entry"].pk,
    {"changelist": 200, "add": 403, "history": 200, "delete": 403, "change": 200, "bare": 302},
    view_only=("change",),
)


def test_every_url_has_a_rule() -> None:
    routes = all_routes()
    assert len(routes) == len(set(routes))
    missing = sorted(set(routes) - set(RULES))
    stale = sorted(set(RULES) - set(routes))
    assert not missing, f"URLs without an access rule in {__name__}: {missing}"
    assert not stale, f"rules for URLs that no longer exist: {stale}"


@pytest.fixture
def ctx(people: dict[str, Any], chart: dict[str, Any]) -> Ctx:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from mentalize.web.accounts.services import new_token
    from mentalize.web.audit.models import AuditEntry
    from mentalize.web.questionnaire_links.services import create_link

    link, token = create_link(people["owner"], chart["patient"], "gad7")
    tokens = {role: new_token(role) for role in ("owner", "sup", "other", "other_sup")}
    # An admin holds no token (new_token refuses); one made before a role change still exists.
    admin_token = "mz_" + "a" * 43
    ApiToken.objects.create(
        user=people["admin"], digest=token_digest(admin_token), prefix="mz_aaaa"
    )
    tokens["admin"] = admin_token
    base = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "x",
        "http_accept": "*/*",
        "path_info": "/login/",
    }
    return {
        "people": people,
        "chart": chart,
        "link": link,
        "token": token,
        "tokens": tokens,
        "group": Group.objects.create(name="unused"),
        "axes": {
            "accessattempt": AccessAttempt.objects.create(
                **base, get_data="", post_data="", failures_since_start=1
            ),
            "accesslog": AccessLog.objects.create(**base),
            "accessfailurelog": AccessFailureLog.objects.create(**base),
        },
        "api_token": ApiToken.objects.get(digest=token_digest(tokens["owner"])),
        "task_result": DBTaskResult.objects.create(
            args_kwargs={"args": [chart["session"].pk], "kwargs": {}},
            task_path="mentalize.web.analysis.tasks.analyse_session",
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        ),
        "audit_entry": AuditEntry.objects.order_by("seq").first(),
        "user_type": ContentType.objects.get_for_model(User).pk,
        "upload": lambda: SimpleUploadedFile(
            "s.txt", b"T: How was the week?\nP: Hard, I think.\n", "text/plain"
        ),
    }


def _call(ctx: Ctx, role: str, route: str, method: str, *, csrf: bool = False) -> Any:
    rule = RULES[route]
    ctx = {**ctx, "role": role}
    client = Client(enforce_csrf_checks=csrf)
    headers: dict[str, str] = {}
    if rule.api:
        if role != "anon":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {ctx['tokens'][role]}"
    elif role != "anon":
        client.force_login(ctx["people"][role])
    url = rule.url(ctx)
    if method == "get":
        return client.get(url, **headers)
    data = rule.data(ctx)
    if rule.api and isinstance(data, dict) and "transcript" not in data:
        return client.post(url, data, content_type="application/json", **headers)
    return client.post(url, data, **headers)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(ctx: Ctx, role: str) -> None:
    """Every URL, GET then POST, as one role; all mismatches reported together."""
    wrong = []
    # Handing over logs the clinician out, filling in uses the link and revoking closes it: in
    # that order, after everything else.
    last = (
        "questionnaire-links/handover/",
        "q/<str:token>/",
        "questionnaire-links/<int:pk>/revoke/",
    )
    order = sorted(RULES, key=lambda r: (last.index(r) if r in last else -1, r))
    for route in order:
        for method in ("get", "post"):
            expected = getattr(RULES[route], method)[role]
            got = _call(ctx, role, route, method).status_code
            if got != expected:
                wrong.append(f"{method.upper()} {route}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def _csrf_checked_routes() -> list[str]:
    """Page routes that answer a POST at all (the API takes bearer tokens, not cookies)."""
    return sorted(
        route
        for route, rule in RULES.items()
        if not rule.api and any(status != 405 for status in rule.post.values())
    )


def _poster(route: str) -> str:
    """Who posts in the CSRF check: the role the URL is for, else anyone it answers."""
    rule = RULES[route]
    preferred = "admin" if route.startswith("admin/") else "owner"
    if route in ("login/", "q/<str:token>/"):
        preferred = "anon"
    if rule.post[preferred] != 405:
        return preferred
    return next(role for role in ROLES if rule.post[role] != 405)


@pytest.mark.parametrize("route", _csrf_checked_routes())
def test_every_form_post_needs_the_csrf_token(ctx: Ctx, route: str) -> None:
    """Without the token: 403 and nothing happens. The same request with the token gets what
    the table says, so the 403 is the token's doing."""
    rule = RULES[route]
    role = _poster(route)
    from mentalize.web.audit.models import AuditEntry

    client = Client(enforce_csrf_checks=True)
    if role != "anon":
        client.force_login(ctx["people"][role])
    url = rule.url({**ctx, "role": role})
    entries = AuditEntry.objects.count()
    assert client.post(url, rule.data({**ctx, "role": role})).status_code == 403
    assert AuditEntry.objects.count() == entries, "a refused POST must change nothing"
    # Any well-formed secret, the same in the cookie and the form: what a page of the clinic
    # hands the browser, and what a page on another site cannot read.
    secret = "K" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(url, {**rule.data({**ctx, "role": role}), "csrfmiddlewaretoken": secret})
    expected = rule.post[role]
    if route.endswith("/delete/") and expected == 200:
        expected = 302  # the admin's delete page takes any non-empty POST as the confirmation
    assert response.status_code == expected


def test_the_api_ignores_the_session_cookie_for_writes(ctx: Ctx) -> None:
    """The API is CSRF-exempt because it never accepts the cookie: a logged-in browser that is
    tricked into posting to it is refused before anything happens."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx["people"]["owner"])
    for route, rule in RULES.items():
        if rule.api and rule.post["owner"] not in (403, 405):
            response = client.post(rule.url({**ctx, "role": "owner"}), {})
            assert response.status_code == 401, route


def test_supervision_ends_when_the_supervisee_moves(ctx: Ctx) -> None:
    """Horizontal, over time: a supervisor reads only their current supervisees' patients."""
    people = ctx["people"]
    url = f"/patients/{_p(ctx)}/"
    sup, other_sup = Client(), Client()
    sup.force_login(people["sup"])
    other_sup.force_login(people["other_sup"])
    assert (sup.get(url).status_code, other_sup.get(url).status_code) == (200, 404)
    owner = people["owner"]
    owner.supervisor = people["other_sup"]
    owner.save()
    assert (sup.get(url).status_code, other_sup.get(url).status_code) == (404, 200)


def test_a_link_token_opens_its_own_form_and_nothing_else(ctx: Ctx) -> None:
    """A questionnaire link's token is not a log-in, an API token or another link's key."""
    from mentalize.web.questionnaire_links.services import create_link
    from mentalize.web.records.models import Patient, QuestionnaireAdministration

    people, token = ctx["people"], ctx["token"]
    theirs = Patient.objects.create(code="OTHER-1", clinician=people["other"])
    _, other_token = create_link(people["other"], theirs, "phq9")
    patient = Client()
    page = patient.get(f"/q/{token}/").content.decode()
    assert "GAD-7" in page or "gad7" in page.lower()
    assert "item_8" not in page  # GAD-7's seven items, not the other link's PHQ-9
    # The token opens nothing else: pages, the API, a handover or the other link's form.
    assert patient.get(f"/patients/{_p(ctx)}/").status_code == 302
    assert patient.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert patient.post("/questionnaire-links/handover/", {"token": token}).status_code == 302
    for variant in (token.upper(), token[:-1], token + "A", f"{token}/../{other_token}"):
        assert patient.get(f"/q/{variant}/").status_code == 404
    assert patient.post(f"/q/{token}/", GAD7).status_code == 200
    stored = QuestionnaireAdministration.objects.latest("pk")
    assert stored.patient_id == _p(ctx) and stored.instrument == "gad7"
    assert not QuestionnaireAdministration.objects.filter(patient=theirs).exists()
    assert patient.post(f"/q/{token}/", GAD7).status_code == 404  # used: closed
    assert patient.get(f"/q/{other_token}/").status_code == 200  # the other link is untouched
