"""Bearer-token authentication for the API.

The API accepts tokens only, never the session cookie, so it needs no CSRF token: a page on
another site cannot make the browser attach a bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.views.decorators.csrf import csrf_exempt

from mentalize.web.accounts.services import user_for_token


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def as_json_error(response: HttpResponse) -> HttpResponse:
    """Django's 405 (from ``require_GET`` and friends) is an empty HTML response; API clients get
    the same ``{"error": ...}`` body as every other API error, with the ``Allow`` header kept."""
    if not isinstance(response, HttpResponseNotAllowed):
        return response
    allowed = response.headers.get("Allow", "")
    converted = error(405, f"method not allowed; use {allowed}")
    converted.headers["Allow"] = allowed
    return converted


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's ``handler404``: under /api/ a JSON error like every other API answer, elsewhere
    Django's own page (the 404.html template)."""
    if request.path.startswith("/api/"):
        return error(404, "no such API endpoint; see /api/v1/openapi.json")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Http404())


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Set ``request.user`` from ``Authorization: Bearer <token>``; 401 without a valid one."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            response = error(401, "missing or invalid token; send Authorization: Bearer <token>")
            response.headers["WWW-Authenticate"] = 'Bearer realm="mentalize"'
            return response
        request.user = user
        return as_json_error(view(request, *args, **kwargs))

    return wrapper
