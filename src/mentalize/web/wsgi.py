"""The WSGI application that ``mentalize serve`` hands to waitress (or any WSGI server)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentalize.web.settings")
application = get_wsgi_application()
