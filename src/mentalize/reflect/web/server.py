"""``serve()``: run Reflect's page with waitress on 127.0.0.1 and print the link that opens it.

Only 127.0.0.1: the page is for the person at this machine, so it never listens on another
interface, and the link holds a fresh random token (``secrets.token_urlsafe``) that the app
trades for a cookie (see :mod:`.app`). waitress keeps request bodies in memory (no journal text
spilled to a temporary file) and refuses oversized ones before reading them, as the clinic's
server does.

The browser is opened with the link as its argument, as Jupyter does by default; on a machine
shared with other accounts, they could see it in the process list while that browser runs, so
``--no-browser`` and copying the printed link is the choice there.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import webbrowser
from pathlib import Path

from mentalize.errors import MentalizeError
from mentalize.reflect.web.app import MAX_BODY, context, create_app

HOST = "127.0.0.1"


class ServeError(MentalizeError):
    """The page cannot be served as asked (another host, a port in use)."""


def serve(
    folder: Path,
    host: str = HOST,
    port: int = 0,
    open_browser: bool = True,
    crisis_lines_file: Path | None = None,
    model: str = "auto",
) -> None:
    """Serve the journal in ``folder`` until interrupted (Ctrl+C). ``port`` 0 picks a free one.
    Prints one line to stdout: ``Reflect is open at http://127.0.0.1:PORT/?token=...``."""
    if host != HOST:
        raise ServeError(f"Reflect's page is served on {HOST} only, not {host!r}")
    from waitress import create_server

    token = secrets.token_urlsafe(32)
    app = create_app(Path(folder), token, crisis_lines_file, model=model)
    try:
        server = create_server(
            app,
            host=HOST,
            port=port,
            threads=4,
            ident="mentalize",
            max_request_body_size=MAX_BODY,
            inbuf_overflow=MAX_BODY,
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:
        raise ServeError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    url = f"http://{HOST}:{server.effective_port}/?token={token}"
    print(f"Reflect is open at {url}", flush=True)
    print(
        "Only this machine can reach it. Ctrl+C closes it (and locks the journal).",
        file=sys.stderr,
        flush=True,
    )
    context(app).journal.watch()
    if open_browser:
        with contextlib.suppress(webbrowser.Error):  # the printed link still works
            webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        context(app).journal.lock()
        server.close()
