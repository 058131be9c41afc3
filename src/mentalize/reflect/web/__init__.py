"""The local page of ``mentalize reflect``: a journal and a message check in the browser, served
by this machine to this machine only (docs/reflect.md).

One module per purpose: :mod:`.app` builds the Flask app and its protections (access key, host
check, CSRF, headers), :mod:`.views` holds the pages, :mod:`.state` keeps the open journal in
memory and locks it when idle, :mod:`.marks` lays quoted words over the text, and
:mod:`.server` runs it all with waitress on 127.0.0.1.
"""

from mentalize.reflect.web.app import create_app
from mentalize.reflect.web.server import serve

__all__ = ["create_app", "serve"]
