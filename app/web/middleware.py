"""Pure ASGI middleware: request ids with access logs, request timeouts and
request-body limits.

Pure ASGI (not ``BaseHTTPMiddleware``) so that a body is counted while it streams
in and a response is never buffered.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
import uuid
from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.problems import REQUEST_ID_KEY, problem, request_id_of

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")
access_log = logging.getLogger("clausewright.access")


def loggable_path(path: str) -> str:
    """``path`` made safe for a log line: unprintable characters escaped, cut to 200."""
    shortened = path if len(path) <= 200 else path[:200] + "..."
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()) & 0xFF:02x}", shortened)


class RequestContextMiddleware:
    """Gives every HTTP request an id and writes one access-log line for it.

    A sane incoming ``X-Request-ID`` (1-128 letters, digits, ``.``, ``_``, ``:``,
    ``-``) is kept, otherwise a new one is made. The id is in the scope's state (for
    problem bodies), in the ``X-Request-ID`` response header and in the log line.
    The log line has the method, path, status, duration, request id and the sizes
    in and out - never a body or a query string, so never contract contents.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})[REQUEST_ID_KEY] = request_id
        started = time.perf_counter()
        sizes = {"in": 0, "out": 0}
        status: int | None = None

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sizes["in"] += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
            elif message["type"] == "http.response.body":
                sizes["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_id)
        except Exception:
            if status is None:
                response = problem(
                    500,
                    "Internal Server Error",
                    "Something went wrong on our side; the error has been logged.",
                    request_id=request_id,
                )
                await response(scope, receive, send_with_id)
            raise
        finally:
            access_log.info(
                "%s %s %s %.1fms id=%s in=%d out=%d",
                scope.get("method", "-"),
                loggable_path(scope.get("path", "")),
                status if status is not None else "-",
                (time.perf_counter() - started) * 1000,
                request_id,
                sizes["in"],
                sizes["out"],
            )


class ConnectionRecyclingMiddleware:
    """Closes the keep-alive connection of every ``every``-th response of this worker
    (``Connection: close``, which uvicorn honours once the response is sent).

    Workers share one listening socket and a connection stays with the worker that
    accepted it. A client that opens its pool of keep-alive connections in a burst can
    find them all on one worker (with two workers and eight connections, a benchmark
    run saw 8 and 0), and the other cores then idle for as long as the pool lives.
    Closing a connection now and then lets the client reconnect, and the new
    connection goes to whichever worker accepts first - an idle one, since a worker
    that is drafting is not accepting. This is what nginx's ``keepalive_requests``
    does per connection; here the count is per worker, so that the busiest worker
    sheds connections soonest. Clients reconnect on their own (HTTP/1.1 allows the
    server to close after any response).
    """

    def __init__(self, app: ASGIApp, *, every: int) -> None:
        if every < 1:
            raise ValueError("connections are recycled every one or more responses")
        self.app = app
        self.every = every
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.count += 1
        if self.count < self.every:
            await self.app(scope, receive, send)
            return
        self.count = 0

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, receive, closing_send)


DEADLINE_KEY = "deadline"  # in the ASGI scope's "state": the event-loop time of the limit


def past_deadline(scope: Scope) -> bool:
    """Whether the request's time limit (set by :class:`RequestTimeoutMiddleware`) has
    passed: its client has had, or is about to have, its 503, and nothing the app
    still produces for it will be sent."""
    state = scope.get("state")
    deadline = state.get(DEADLINE_KEY) if isinstance(state, Mapping) else None
    return deadline is not None and asyncio.get_running_loop().time() >= deadline


class RequestTimeoutMiddleware:
    """Answers 503 (problem+json, ``Retry-After``) when a request's response has not
    started within ``timeout_seconds``.

    The clock runs from the request's headers to the first byte of the response: a
    slow upload counts, a streamed batch that has started does not (its size is
    bounded by the batch limit). A timer sends the 503 at the limit while the app
    awaits (a queued request, a slow upload, a batch in its thread); Python cannot
    interrupt the work itself, which finishes and whose answer is dropped. When the
    timer could not run because the event loop was busy (a draft runs on it), the
    answer that starts too late is replaced by the same 503. The deadline is in the
    scope's state, so that a route can skip work no one will receive
    (:func:`past_deadline`).
    """

    def __init__(self, app: ASGIApp, *, timeout_seconds: float) -> None:
        if not (math.isfinite(timeout_seconds) and timeout_seconds > 0):
            raise ValueError("the request timeout must be a positive number of seconds")
        self.app = app
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "timed_out": False}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        scope.setdefault("state", {})[DEADLINE_KEY] = deadline
        refusal: asyncio.Task[None] | None = None

        def time_out() -> None:
            state["timed_out"] = True
            access_log.warning(
                "request %s timed out after %gs", request_id_of(scope), self.timeout_seconds
            )

        def deadline_passed() -> None:
            nonlocal refusal
            if not state["started"]:
                time_out()
                refusal = loop.create_task(self._refuse(scope, receive, send))

        async def guarded_send(message: Message) -> None:
            if state["timed_out"]:
                return  # the client already has its 503
            if message["type"] == "http.response.start":
                if loop.time() >= deadline:
                    # Late, though the timer has not had its turn: the loop was busy
                    # (a draft runs on it). The same 503 instead of this answer.
                    time_out()
                    await self._refuse(scope, receive, send)
                    return
                state["started"] = True
            await send(message)

        # A timer on the event loop, not a watchdog task: nothing to spawn or cancel
        # for the requests that answer in time.
        timer = loop.call_later(self.timeout_seconds, deadline_passed)
        try:
            await self.app(scope, receive, guarded_send)
        finally:
            timer.cancel()
            if refusal is not None:
                await asyncio.shield(refusal)  # the 503 goes out whole

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            503,
            "Service Unavailable",
            f"The service could not answer within its limit of {self.timeout_seconds:g} "
            "seconds; nothing was produced. Try again later, or send a smaller batch.",
            headers={"Retry-After": str(max(1, math.ceil(self.timeout_seconds)))},
            request_id=request_id_of(scope),
        )
        await response(scope, receive, send)


class BodyTooLargeError(StarletteHTTPException):
    """Raised from ``receive`` when a streamed body passes its limit.

    An ``HTTPException`` so that FastAPI lets it through its body parsing unchanged
    and the one problem mapping turns it into a 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large_detail(limit))


def too_large_detail(limit: int) -> str:
    """The sentence of a 413."""
    return (
        f"The request body is larger than this service accepts ({limit:,} bytes); "
        "send a smaller request."
    )


MULTIPART_OVERHEAD_BYTES = 64 * 1024  # boundaries and part headers around one upload


class BodyLimitMiddleware:
    """Refuses request bodies over a limit with 413, before and while they stream.

    ``Content-Length`` is checked first (the body is then never read); the bytes
    actually received are counted too, for chunked bodies and lying headers. Paths in
    ``upload_limits`` (exact matches) take one multipart file of up to that many
    bytes instead (plus :data:`MULTIPART_OVERHEAD_BYTES` for the multipart framing).
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, upload_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_limits = dict(upload_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload_limit = self.upload_limits.get(scope.get("path", ""))
        stated = upload_limit if upload_limit is not None else self.max_body_bytes
        limit = stated + (MULTIPART_OVERHEAD_BYTES if upload_limit is not None else 0)
        declared = _declared_length(scope)
        if declared == "invalid":
            await problem(
                400,
                "Bad Request",
                "The Content-Length header is not a single whole number.",
                request_id=request_id_of(scope),
            )(scope, receive, send)
            return
        if isinstance(declared, int) and declared > limit:
            await self._refuse(scope, receive, send, stated)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(stated)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if response_started:
                raise
            await self._refuse(scope, receive, send, stated)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(
            413,
            "Content Too Large",
            too_large_detail(limit),
            headers={"Connection": "close"},
            request_id=request_id_of(scope),
        )
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> int | str | None:
    """The Content-Length, ``None`` when absent, ``"invalid"`` when not one number."""
    values = {value.strip() for value in Headers(scope=scope).getlist("content-length")}
    if not values:
        return None
    (value,) = values if len(values) == 1 else ("",)
    if not (value.isascii() and value.isdigit()):
        return "invalid"
    return int(value) if len(value) <= 18 else 10**18
