"""Bearer-token authentication for the API.

The API accepts tokens only, never the session cookie, so it needs no CSRF token: a page on
another site cannot make the browser attach a bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from mentalize.web.accounts.services import user_for_token


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


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
        return view(request, *args, **kwargs)

    return wrapper
