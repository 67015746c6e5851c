"""Optional access control for the API: one shared key, off unless configured.

When ``settings.api_key`` is set, every request to ``/api/`` must carry the key as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; the web form, ``/healthz``
and the documentation stay open. The check runs before the body is read, so an
unauthenticated client learns nothing about its request but the 401.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.problems import problem, request_id_of

PROTECTED_PREFIX = "/api/"
API_KEY_HEADER = "X-API-Key"
CHALLENGE = 'Bearer realm="clausewright"'


def presented_keys(headers: Headers) -> list[str]:
    """The keys a request presents: the bearer token and the ``X-API-Key`` header."""
    keys: list[str] = []
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        keys.append(token.strip())
    api_key = headers.get(API_KEY_HEADER, "").strip()
    if api_key:
        keys.append(api_key)
    return keys


def key_matches(presented: str, expected: str) -> bool:
    """Whether ``presented`` is ``expected``, compared in constant time."""
    return hmac.compare_digest(presented.encode("utf-8", "replace"), expected.encode("utf-8"))


class ApiKeyMiddleware:
    """Answers 401 (problem+json, with a ``WWW-Authenticate`` challenge) to API
    requests without the configured key. CORS preflight requests pass (browsers
    send them without credentials)."""

    def __init__(self, app: ASGIApp, *, api_key: str) -> None:
        if not api_key:
            raise ValueError("an empty API key would let every request through")
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope.get("path", "").startswith(PROTECTED_PREFIX)
            or scope.get("method") == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        keys = presented_keys(Headers(scope=scope))
        # Compare every presented key (no early exit) so timing says nothing either.
        results = [key_matches(key, self.api_key) for key in keys]
        if any(results):
            await self.app(scope, receive, send)
            return
        detail = (
            "The API key is not valid."
            if keys
            else "This API needs a key: send 'Authorization: Bearer <key>' or "
            f"'{API_KEY_HEADER}: <key>'."
        )
        response = problem(
            401,
            "Unauthorized",
            detail,
            headers={"WWW-Authenticate": CHALLENGE},
            request_id=request_id_of(scope),
        )
        await response(scope, receive, send)
