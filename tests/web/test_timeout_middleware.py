"""RequestTimeoutMiddleware on its own, driven by raw ASGI calls: the timer path (the
app awaits past the limit) and the late-start path (the app kept the event loop busy,
as a draft does, so the timer could not run)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from app.web.middleware import RequestTimeoutMiddleware

LIMIT = 0.001


def _scope() -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/contracts/docx",
        "headers": [],
        "state": {},
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _answer(body: bytes) -> list[Message]:
    return [
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.body", "body": body},
    ]


def _status_and_body(messages: list[Message]) -> tuple[list[int], bytes]:
    statuses = [m["status"] for m in messages if m["type"] == "http.response.start"]
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return statuses, body


def test_an_app_awaiting_past_the_limit_gets_a_503_from_the_timer() -> None:
    sent: list[Message] = []

    async def scenario() -> None:
        refused = asyncio.Event()

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.start":
                refused.set()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await refused.wait()  # still "working" when the timer answers for it
            for message in _answer(b"LATE-ANSWER"):
                await send(message)

        await RequestTimeoutMiddleware(app, timeout_seconds=LIMIT)(_scope(), _receive, send)

    asyncio.run(scenario())
    statuses, body = _status_and_body(sent)
    assert statuses == [503]
    assert b"LATE-ANSWER" not in body
    assert json.loads(body)["status"] == 503


def test_an_answer_starting_after_a_busy_loop_is_replaced_by_the_503() -> None:
    sent: list[Message] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        async def send(message: Message) -> None:
            sent.append(message)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            busy_until = loop.time() + 2 * LIMIT
            while loop.time() < busy_until:  # CPU work on the loop: no timer can run
                pass
            for message in _answer(b"LATE-ANSWER"):
                await send(message)

        await RequestTimeoutMiddleware(app, timeout_seconds=LIMIT)(_scope(), _receive, send)

    asyncio.run(scenario())
    statuses, body = _status_and_body(sent)
    assert statuses == [503]
    detail = json.loads(body)["detail"]
    assert "0.001 seconds" in detail


def test_an_answer_in_time_passes_untouched_and_leaves_no_timer() -> None:
    sent: list[Message] = []
    pending: list[Any] = []

    async def scenario() -> None:
        async def send(message: Message) -> None:
            sent.append(message)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            for message in _answer(b"on time"):
                await send(message)

        await RequestTimeoutMiddleware(app, timeout_seconds=60)(_scope(), _receive, send)
        loop = asyncio.get_running_loop()
        timers = loop._scheduled  # type: ignore[attr-defined]  # asyncio's timer heap
        pending.extend(handle for handle in timers if not handle.cancelled())

    asyncio.run(scenario())
    assert _status_and_body(sent) == ([200], b"on time")
    assert pending == []


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_other_scopes_pass_through(kind: str) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent")

    middleware = RequestTimeoutMiddleware(app, timeout_seconds=LIMIT)
    asyncio.run(middleware({"type": kind}, _receive, send))
    assert seen == [kind]
