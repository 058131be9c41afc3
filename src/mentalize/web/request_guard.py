"""Refuse NUL characters in a request's path and query string before any view sees them.

PostgreSQL's text type cannot hold a NUL character: a value with one, used as a query parameter,
makes the driver raise and the request end in a 500. Forms already refuse NUL in every field
(Django's CharField validator), but query parameters reach querysets directly in places (the
admin's list filters, ``?role__exact=``), and a future filter would too. No legitimate link
carries one, so the whole request is refused with the clinic's 400 page, on SQLite as well, so
both databases answer alike.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

NUL = "\x00"


class RejectNulMiddleware:
    """400 for a NUL in the path, a query parameter's name or any of its values."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("null character in the request")
        return self.get_response(request)
