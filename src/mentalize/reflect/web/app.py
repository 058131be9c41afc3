"""The Flask app of Reflect's page, and everything that keeps it private.

A journal is as sensitive as text gets, and a page on 127.0.0.1 is reachable by every program on
the machine and, through the browser, by every web page the person visits. So:

- **access key**: each launch makes a random token; the printed link carries it once, the app
  trades it for an HttpOnly, SameSite=Strict cookie, and any request without one gets a plain
  page saying to open the link from the terminal (like Jupyter). Another local program, or a web
  page guessing the port, reads nothing.
- **host check** (``TRUSTED_HOSTS``): only ``127.0.0.1`` and ``localhost`` are answered, so a
  DNS-rebinding page cannot talk to the app under its own name.
- **CSRF** (Flask-WTF's ``CSRFProtect``) on every POST, on top of SameSite=Strict.
- **headers**: a Content-Security-Policy allowing nothing but this app's own stylesheet (the page
  has no script at all), ``Cache-Control: no-store`` on every response (journal text must not
  sit in the browser's cache), no referrer, no framing.
- **logs and errors** never hold what the person wrote: an unexpected error is logged by its
  type only, and answered with a page that quotes nothing.

Cookie names carry a hash of the token: cookies are not kept apart by port, so two launches (or
the clinic on another port) must not overwrite each other's.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response as BaseResponse

from mentalize.reflect import wording
from mentalize.reflect.help import CrisisLine, crisis_lines
from mentalize.reflect.web.state import IDLE_SECONDS, OpenJournal

log = logging.getLogger("mentalize.reflect.web")

#: Longest text read at once (characters), as in the terminal (cli_reflect.MAX_TEXT).
MAX_TEXT = 100_000
#: Longest request body (bytes): the longest text, form-encoded, with room to spare.
MAX_BODY = 2 * 1024 * 1024
#: Longest situation label kept (characters).
MAX_SITUATION = 80

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


@dataclass(frozen=True, slots=True)
class Context:
    """What the views need: the journal folder, the open journal, the help lines, and the key
    derivation settings (``None``: the vault's defaults; tests pass cheaper ones)."""

    folder: Path
    journal: OpenJournal
    lines: tuple[CrisisLine, ...]
    kdf: dict[str, int] | None
    model: str = "auto"


def context(app: Flask | None = None) -> Context:
    from flask import current_app

    return (app or current_app).extensions["reflect"]


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _plain(
    title: str, message: str, status: int, error: bool = False, back: bool = False
) -> tuple[str, int]:
    """A gate or error page: standalone, so it renders even when routing failed."""
    page = render_template(
        "reflect/plain.html", title=title, message=message, error=error, back=back
    )
    return page, status


def create_app(
    folder: Path,
    token: str,
    crisis_lines_file: Path | None = None,
    *,
    idle_seconds: float = IDLE_SECONDS,
    kdf: dict[str, int] | None = None,
    model: str = "auto",
) -> Flask:
    """The app for the journal in ``folder``, opened only with ``token``. A bad crisis-lines
    file raises :class:`mentalize.errors.InputError` here, before anything is served."""
    if len(token) < 16:
        raise ValueError("the access token is too short")
    app = Flask(__name__, static_folder="static", template_folder="templates")
    suffix = hashlib.sha256(token.encode()).hexdigest()[:10]
    access_cookie = f"reflect_access_{suffix}"
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME=f"reflect_session_{suffix}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        TRUSTED_HOSTS=["127.0.0.1", "localhost"],
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        # The form's token lives as long as the launch: writing an entry may take an hour.
        WTF_CSRF_TIME_LIMIT=None,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["reflect"] = Context(
        folder=Path(folder),
        journal=OpenJournal(idle_seconds),
        lines=crisis_lines(crisis_lines_file, Path(folder)),
        kdf=kdf,
        model=model,
    )

    @app.before_request
    def gate() -> BaseResponse | tuple[str, int] | None:
        """Trade the link's token for the cookie; refuse anyone without either."""
        if isinstance(request.routing_exception, SecurityError):
            # A host name other than 127.0.0.1 or localhost (DNS rebinding): nothing to see.
            return _plain("Not this address", wording.PAGE_GATE, 400)
        if request.endpoint == "static":
            return None  # the stylesheet holds nothing private
        given = request.args.get("token")
        if given is not None and _same(given, token):
            response = redirect(request.path)
            response.set_cookie(access_cookie, token, httponly=True, samesite="Strict", path="/")
            return response
        if not _same(request.cookies.get(access_cookie, ""), token):
            return _plain("Open the link from the terminal", wording.PAGE_GATE, 403)
        context(app).journal.touch()
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response

    @app.errorhandler(CSRFError)
    def expired(exc: CSRFError) -> tuple[str, int]:
        return _plain("This form has expired", wording.PAGE_EXPIRED, 400, error=True)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        message = (
            wording.PAGE_NOT_FOUND
            if code in (404, 405)
            else (wording.PAGE_TOO_LONG if code == 413 else wording.PAGE_FAILED)
        )
        return _plain("Not shown", message, code, error=True, back=True)

    @app.errorhandler(Exception)
    def failed(exc: Exception) -> tuple[str, int]:
        # By type only: an exception's message or traceback could carry a person's words.
        log.error("reflect page: %s in %s", type(exc).__name__, request.endpoint)
        return _plain("Not shown", wording.PAGE_FAILED, 500, error=True, back=True)

    # After the gate, so a request without the access key meets the gate, not a CSRF error.
    CSRFProtect(app)
    from mentalize.reflect.web.views import pages

    app.register_blueprint(pages)
    return app
