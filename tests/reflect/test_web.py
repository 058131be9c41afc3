"""Reflect's local page (src/mentalize/reflect/web) through Flask's test client: who may open
it, what protects each form, what is shown in which order, what is stored, and what never
reaches a log.

The journal's key derivation is made cheap here (``FAST_KDF``); the browser tests use the real
one through ``mentalize reflect``.
"""

from __future__ import annotations

import json
import logging
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask")
pytest.importorskip("flask_wtf")

from flask import Flask
from flask.testing import FlaskClient

from mentalize.reflect import wording
from mentalize.reflect.vault import Journal
from mentalize.reflect.web import create_app
from mentalize.reflect.web.app import context
from mentalize.reflect.web.marks import runs
from mentalize.reflect.web.server import ServeError, serve

TOKEN = "k3Y-Only_for-the-tests-0123456789abcdef"
FAST_KDF = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSPHRASE = "blue kettle morning"
#: Heated, certain, all-or-nothing: the analyser's markers find signs in it.
HEATED = (
    "She didn't answer all evening. She obviously did it on purpose to punish me, she always "
    "does this!!! Everyone leaves in the end. My heart was POUNDING and I was shaking."
)
RISK = "I don't want to be here anymore. I keep thinking about ending it."
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(tmp_path: Path, **options: Any) -> Flask:
    options.setdefault("kdf", FAST_KDF)
    return create_app(tmp_path / "journal", TOKEN, **options)


def open_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.get(f"/?token={TOKEN}").status_code == 302
    return client


def csrf(client: FlaskClient) -> str:
    """The form token (one per browser session), read from a page as a browser would."""
    match = CSRF.search(client.get("/message").get_data(as_text=True))
    assert match, "no CSRF token on the message page"
    return match.group(1)


def post(client: FlaskClient, url: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": csrf(client), **data})


def create(client: FlaskClient) -> None:
    response = post(client, "/create", passphrase=PASSPHRASE, again=PASSPHRASE)
    assert response.status_code == 302 and response.headers["Location"] == "/write"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return open_client(app)


@pytest.fixture
def unlocked(client: FlaskClient) -> FlaskClient:
    create(client)
    return client


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --------------------------------------------------------------------------- who may open it


def test_without_the_token_only_a_plain_page_answers(app: Flask) -> None:
    client = app.test_client()
    for path in ("/", "/write", "/journal", "/message", "/history", "/create", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert wording.PAGE_GATE in text_of(response)
        assert "csrf_token" not in text_of(response)
    assert client.get("/?token=not-the-token").status_code == 403
    assert client.post("/message", data={"text": HEATED}).status_code == 403


def test_the_token_is_traded_for_a_strict_httponly_cookie(app: Flask) -> None:
    client = app.test_client()
    response = client.get(f"/journal?token={TOKEN}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/journal"  # the token leaves the address bar
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get("/message").status_code == 200
    # the cookie names differ between launches: the clinic or another launch on another port
    # (cookies ignore ports) cannot overwrite it
    other = create_app(
        app.extensions["reflect"].folder, "another-token-0123456789abcdef", kdf=FAST_KDF
    )
    assert (
        other.test_client()
        .get("/?token=another-token-0123456789abcdef")
        .headers["Set-Cookie"]
        .split("=")[0]
        != cookie.split("=")[0]
    )


def test_other_host_names_are_refused(client: FlaskClient) -> None:
    """DNS rebinding: a page served under another name reaches 127.0.0.1 but is refused."""
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example"):
        response = client.get("/message", headers={"Host": host})
        assert response.status_code == 400, host
        assert "csrf_token" not in text_of(response)
    assert client.get("/message", headers={"Host": "localhost:5000"}).status_code == 200
    response = client.get(f"/?token={TOKEN}", headers={"Host": "127.0.0.1:5000"})
    assert response.status_code == 302


def test_a_post_without_the_csrf_token_is_refused(unlocked: FlaskClient) -> None:
    for path, data in (
        ("/message", {"text": HEATED}),
        ("/reflect", {"text": HEATED}),
        ("/save", {"text": HEATED}),
        ("/lock", {}),
        ("/journal/delete-all", {"confirm": "delete"}),
        ("/journal/export", {}),
    ):
        response = unlocked.post(path, data=data)
        assert response.status_code == 400, path
        assert wording.PAGE_EXPIRED in text_of(response)
        response = unlocked.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, path
    assert Journal.exists(unlocked.application.extensions["reflect"].folder)


def test_serve_refuses_any_host_but_loopback(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "::", "localhost", "192.168.1.2"):
        with pytest.raises(ServeError, match=r"127\.0\.0\.1 only"):
            serve(tmp_path, host=host, open_browser=False)


# ------------------------------------------------------------------------ the journal's lock


def test_create_unlock_wrong_passphrase_and_lock(client: FlaskClient, app: Flask) -> None:
    assert client.get("/").headers["Location"] == "/create"
    page = text_of(client.get("/create"))
    assert wording.PAGE_CREATE in page and "no way to recover" in page
    response = post(client, "/create", passphrase=PASSPHRASE, again=PASSPHRASE + "x")
    assert wording.PAGE_PASSPHRASES_DIFFER in text_of(response)
    response = post(client, "/create", passphrase="short", again="short")
    assert "at least 8 characters" in text_of(response)
    assert not Journal.exists(app.extensions["reflect"].folder)
    create(client)
    assert client.get("/write").status_code == 200
    assert client.get("/create").headers["Location"] == "/unlock"

    response = post(client, "/lock")
    assert response.headers["Location"] == "/unlock"
    assert context(app).journal.get() is None
    for path in ("/write", "/journal", "/history"):
        assert client.get(path).headers["Location"] == "/unlock", path
    response = post(client, "/unlock", passphrase="not the passphrase")
    assert response.status_code == 401
    assert wording.PAGE_WRONG_PASSPHRASE in text_of(response)
    response = post(client, "/unlock", passphrase=PASSPHRASE)
    assert response.headers["Location"] == "/write"
    assert client.get("/journal").status_code == 200


def test_the_key_stays_in_server_memory(unlocked: FlaskClient) -> None:
    """The browser holds the access token and a CSRF secret, nothing that opens the journal."""
    with unlocked.session_transaction() as session:
        assert set(session) <= {"csrf_token", "_flashes"}
    cookies = [(c.key, c.value) for c in unlocked._cookies.values()]  # type: ignore[attr-defined]
    assert len(cookies) == 2
    assert not any(PASSPHRASE in value for _, value in cookies)


def test_the_journal_locks_itself_when_idle(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    client = open_client(app)
    create(client)
    now = [1000.0]
    journal = context(app).journal
    journal._clock = lambda: now[0]  # type: ignore[method-assign]
    journal.unlock(journal.get())  # type: ignore[arg-type]
    now[0] += 14 * 60
    assert client.get("/journal").status_code == 200  # activity: the 15 minutes start again
    now[0] += 14 * 60
    assert client.get("/journal").status_code == 200
    now[0] += 15 * 60
    assert client.get("/journal").headers["Location"] == "/unlock"
    assert wording.PAGE_IDLE_LOCKED in text_of(client.get("/unlock"))
    # the background check drops the key with no request at all
    journal.unlock(Journal.open(app.extensions["reflect"].folder, PASSPHRASE))
    assert journal.expire() is False  # not idle yet
    now[0] += 16 * 60
    assert journal.expire() is True


# ----------------------------------------------------------------------------- the reflection


def test_a_heated_entry_shows_signs_with_quotes_marked_in_place(unlocked: FlaskClient) -> None:
    hostile = "<script>alert('x')</script> " + HEATED + ' <img src=x onerror="alert(1)">'
    response = post(unlocked, "/reflect", text=hostile, situation="<b>partner</b>")
    page = text_of(response)
    assert response.status_code == 200
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>partner" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;partner&lt;/b&gt;" in page
    title = wording.SIGNS["certainty_about_minds"].title.replace("'", "&#39;")
    assert title in page
    assert "<mark" in page and "did it on purpose</mark>" in page
    for prompt in wording.SIGNS["certainty_about_minds"].prompts:
        assert prompt.replace("'", "&#39;") in page
    # grounding first (high arousal), then the signs, the questions, and the caution last
    grounding = page.index(wording.GROUNDING_TITLE)
    assert grounding < page.index(title) < page.index(wording.CAUTION.replace("'", "&#39;"))
    assert "Save to my journal" in page and "Don't save" in page


def test_risk_language_shows_help_first_and_no_reading(tmp_path: Path) -> None:
    lines = tmp_path / "lines.toml"
    lines.write_text(
        '[[line]]\nname = "Our town line"\ncontact = "0800 123 456"\n', encoding="utf-8"
    )
    client = open_client(make_app(tmp_path, crisis_lines_file=lines))
    create(client)
    page = text_of(post(client, "/reflect", text=RISK + "\n\n" + HEATED))
    main = page[page.index("<main>") :]
    help_at = main.index(wording.RISK_TITLE)
    assert help_at < main.index("<p")  # the first thing in the page's body
    assert main.index("Our town line") < main.index("Samaritans")  # own lines first
    assert "0800 123 456" in main and "116 123" in main and "findahelpline.com" in main
    assert "don&#39;t want to be here anymore" in main  # the words that prompted it
    assert wording.RISK_STOPPED in main
    for sign in wording.SIGNS.values():
        assert sign.title.replace("'", "&#39;") not in main
    assert wording.GROUNDING_TITLE not in main and "<mark" not in main
    assert "Save to my journal" in main  # kept only if the person chooses


def test_empty_and_overlong_texts_are_refused_kindly(unlocked: FlaskClient) -> None:
    response = post(unlocked, "/reflect", text="   \n ")
    assert response.status_code == 400 and wording.PAGE_EMPTY_TEXT in text_of(response)
    response = post(unlocked, "/message", text="a" * 100_001)
    assert response.status_code == 400 and "100,000" in text_of(response)


# ---------------------------------------------------------------------------- what is stored


def test_save_list_open_delete_export_and_delete_all(unlocked: FlaskClient, app: Flask) -> None:
    folder = app.extensions["reflect"].folder
    response = post(unlocked, "/save", text=HEATED.replace(". ", ".\r\n"), situation=" work ")
    assert response.headers["Location"] == "/journal"
    post(unlocked, "/save", text=RISK, situation="")
    journal = Journal.open(folder, PASSPHRASE)
    saved = {e.situation: e for e in journal.entries()}
    assert "\r" not in saved["work"].text
    assert "certainty_about_minds" in saved["work"].signs and not saved["work"].risk
    assert saved[""].risk and saved[""].signs == ()

    listing = text_of(unlocked.get("/journal"))
    assert wording.PAGE_SAVED in listing
    assert "work" in listing and "Help shown" in listing
    assert wording.SIGNS["all_or_nothing"].title in listing

    opened = text_of(unlocked.get(f"/journal/{saved['work'].id}"))
    assert "did it on purpose</mark>" in opened and wording.PAGE_OPENED in opened
    assert "Save to my journal" not in opened
    assert unlocked.get("/journal/nosuchentry").status_code == 404
    assert unlocked.get("/journal/..%2Fvault").status_code == 404

    export = post(unlocked, "/journal/export")
    assert export.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(export.get_data())
    assert document["format"] == "mentalize.reflect.export/1"
    assert {e["text"] for e in document["entries"]} == {saved["work"].text, RISK}

    confirm = text_of(unlocked.get(f"/journal/{saved[''].id}/delete"))
    assert wording.PAGE_DELETE_ONE in confirm
    assert Journal.open(folder, PASSPHRASE).get(saved[""].id)  # asking deletes nothing
    post(unlocked, f"/journal/{saved[''].id}/delete")
    assert [e.id for e in Journal.open(folder, PASSPHRASE).entries()] == [saved["work"].id]

    response = post(unlocked, "/journal/delete-all", confirm="yes")
    assert response.status_code == 400 and wording.PAGE_DELETE_ALL_TYPED in text_of(response)
    assert Journal.exists(folder)
    response = post(unlocked, "/journal/delete-all", confirm=" Delete ")
    assert response.headers["Location"] == "/create"
    assert not Journal.exists(folder) and not list(folder.glob("entries/*"))
    assert context(app).journal.get() is None


def test_a_journal_locked_while_writing_still_reflects_and_saves_with_the_passphrase(
    unlocked: FlaskClient, app: Flask
) -> None:
    post(unlocked, "/lock")
    page = text_of(post(unlocked, "/reflect", text=HEATED, situation="work"))
    assert "did it on purpose</mark>" in page and wording.PAGE_SAVE_LOCKED in page
    response = post(unlocked, "/save", text=HEATED, situation="work", passphrase="wrong one")
    assert response.status_code == 401 and wording.PAGE_WRONG_PASSPHRASE in text_of(response)
    response = post(unlocked, "/save", text=HEATED, situation="work", passphrase=PASSPHRASE)
    assert response.headers["Location"] == "/journal"
    assert len(Journal.open(app.extensions["reflect"].folder, PASSPHRASE).entries()) == 1


def test_dont_save_keeps_nothing(unlocked: FlaskClient, app: Flask) -> None:
    response = post(unlocked, "/discard", text=HEATED)
    assert response.headers["Location"] == "/write"
    assert Journal.open(app.extensions["reflect"].folder, PASSPHRASE).entries() == []


def test_the_message_check_saves_nothing_and_needs_no_journal(
    client: FlaskClient, app: Flask
) -> None:
    folder = app.extensions["reflect"].folder
    draft = "You NEVER listen!!! You obviously did this on purpose, you always do."
    page = text_of(post(client, "/message", text=draft))
    assert wording.SIGNS["reader_motives"].title in page
    assert wording.SIGNS["heat"].title in page
    assert "Save to my journal" not in page and "Check another message" in page
    assert not folder.exists()  # no journal created, nothing written
    create(client)
    post(client, "/message", text=draft)
    assert Journal.open(folder, PASSPHRASE).entries() == []


def test_the_picture_over_time(unlocked: FlaskClient) -> None:
    assert wording.PAGE_HISTORY_EMPTY in text_of(unlocked.get("/history"))
    post(unlocked, "/save", text=HEATED, situation="partner")
    post(
        unlocked,
        "/save",
        text="We had a calm dinner and talked about the week.",
        situation="family",
    )
    page = text_of(unlocked.get("/history"))
    assert "<svg" in page and "Entries written" in page
    assert "partner" in page and "family" in page
    assert wording.CAUTION.replace("'", "&#39;") in page


# ------------------------------------------------------------------------- headers and logs


def test_every_page_is_no_store_with_a_strict_policy(unlocked: FlaskClient) -> None:
    post(unlocked, "/save", text=HEATED)
    entry_id = (
        Journal.open(unlocked.application.extensions["reflect"].folder, PASSPHRASE).entries()[0].id
    )
    responses = [
        unlocked.get(p)
        for p in (
            "/write",
            "/message",
            "/journal",
            "/history",
            f"/journal/{entry_id}",
            "/journal/delete-all",
            "/nowhere",
            "/static/reflect.css",
        )
    ]
    responses += [
        post(unlocked, "/reflect", text=HEATED),
        post(unlocked, "/message", text="hi"),
        post(unlocked, "/journal/export"),
        unlocked.application.test_client().get("/"),
    ]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.get_data(as_text=True).replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "<script" not in body and "http://" not in body and "https://" not in body


def test_no_journal_text_reaches_the_logs(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "Marguerite-kept-the-blue-envelope"
    caplog.set_level(logging.DEBUG)
    app = make_app(tmp_path)
    client = open_client(app)
    create(client)
    text = f"{secret}. {HEATED}"
    post(client, "/reflect", text=text, situation=secret)
    post(client, "/save", text=text, situation=secret)
    post(client, "/message", text=text)
    client.get("/journal")
    client.get("/history")
    post(client, "/unlock", passphrase=secret)
    client.post("/save", data={"text": text})  # no CSRF token: refused, and logged as such

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"failed on {args[0]}")

    monkeypatch.setattr("mentalize.reflect.web.views.reflect", broken)
    response = post(client, "/message", text=text)
    assert response.status_code == 500 and secret not in text_of(response)
    assert "RuntimeError" in caplog.text  # the failure is logged, by its type only
    captured = capsys.readouterr()
    for output in (caplog.text, captured.out, captured.err):
        assert secret not in output and "blue-envelope" not in output


def test_marks_cover_the_text_exactly_and_merge_overlaps() -> None:
    from mentalize.reflect.reading import reflect

    reflection = reflect(HEATED, model="markers")
    pieces = runs(HEATED, reflection)
    assert "".join(p.text for p in pieces) == HEATED
    marked = [p for p in pieces if p.kind]
    assert marked and all(p.titles for p in marked)
    # "she always" (certainty) holds "always" (all-or-nothing): one run names both signs
    both = [p for p in marked if "always" in p.text]
    assert any(";" in p.titles for p in both)
    for a, b in pairwise(pieces):
        assert (a.kind, a.titles) != (b.kind, b.titles)


def test_serve_prints_one_link_and_answers_on_loopback_only(tmp_path: Path) -> None:
    """The real server (waitress) in a subprocess: one line on stdout with a 127.0.0.1 link, the
    token gate and the headers."""
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    code = (
        "from pathlib import Path; from mentalize.reflect.web import serve; "
        f"serve(Path({str(tmp_path / 'journal')!r}), open_browser=False)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        match = re.fullmatch(
            r"Reflect is open at (http://127\.0\.0\.1:(\d+)/)\?token=([\w-]+)", line
        )
        assert match, line
        base, token = match.group(1), match.group(3)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "message", timeout=10)
        assert refused.value.code == 403
        assert refused.value.headers["Cache-Control"] == "no-store"

        class Keep(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None  # look at the redirect itself

        opener = urllib.request.build_opener(Keep)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(f"{base}?token={token}", timeout=10)
        assert moved.value.code == 302 and "HttpOnly" in moved.value.headers["Set-Cookie"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stdout is not None and process.stdout.read() == ""  # one line, no more
