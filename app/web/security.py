"""Security of every response, and optional access control for the API.

:class:`SecurityHeadersMiddleware` gives every response the browser-facing headers:
a Content-Security-Policy without inline script (routes may set a stricter or a
narrower one of their own), ``nosniff``, no referrer, no framing, and
``Cache-Control: no-store`` on every answer to a POST (they carry contract contents).

When ``settings.api_key`` is set, every request to ``/api/`` must carry the key as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; the web form, ``/healthz``,
``/readyz`` and the documentation stay open. The check runs before the body is read,
so an unauthenticated client learns nothing about its request but the 401.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.problems import problem, request_id_of

PROTECTED_PREFIX = "/api/"
API_KEY_HEADER = "X-API-Key"
CHALLENGE = 'Bearer realm="clausewright"'

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The policy of every response that does not set its own: scripts and styles only
from files of this service, never inline. ``/docs`` (Swagger UI) runs under it too:
its start-up script is a file (``static/docs.js``)."""

PREVIEW_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The policy of the HTML preview (``POST /api/v1/contracts/html``): a self-contained
page whose only inline content is its ``<style>`` element. No script of any kind
runs; ``'unsafe-inline'`` is granted to styles alone (the document text in it is
escaped, so a client cannot add a style either)."""

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = "no-store"


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` and, unless the route chose its own, the
    :data:`CONTENT_SECURITY_POLICY` to every HTTP response, error responses
    included; answers to POST requests get ``Cache-Control: no-store`` (they are
    drafts, reports or errors about a confidential request: no cache may keep them;
    a client that keeps a draft itself can still revalidate it with its ETag)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        confidential = scope.get("method") == "POST"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if confidential:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
