"""RequestTimeoutMiddleware on its own, driven by raw ASGI calls: the timer path (the
app awaits past the limit) and the late-start path (the app kept the event loop busy,
as a draft does, so the timer could not run)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgi_calls import http_scope, keep_the_loop_busy
from starlette.types import Message, Receive, Scope, Send

from app import service
from app.config import Settings
from app.web.main import create_app
from app.web.middleware import RequestTimeoutMiddleware, past_deadline

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
        async def send(message: Message) -> None:
            sent.append(message)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            keep_the_loop_busy(2 * LIMIT)
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


def test_the_deadline_is_in_the_scope_for_routes_to_see() -> None:
    seen: list[bool] = []

    async def scenario() -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(past_deadline(scope))
            keep_the_loop_busy(2 * LIMIT)
            seen.append(past_deadline(scope))
            for message in _answer(b"LATE-ANSWER"):
                await send(message)

        async def send(message: Message) -> None:
            return None

        await RequestTimeoutMiddleware(app, timeout_seconds=LIMIT)(_scope(), _receive, send)

    asyncio.run(scenario())
    assert seen == [False, True]


def test_without_the_middleware_there_is_no_deadline() -> None:
    async def scenario() -> bool:
        return past_deadline(_scope())

    assert asyncio.run(scenario()) is False


@pytest.mark.parametrize("path", ["/api/v1/contracts/docx", "/api/v1/contracts/html",
                                  "/api/v1/contracts/report"])  # fmt: skip
def test_a_request_past_its_deadline_is_not_drafted(
    monkeypatch: pytest.MonkeyPatch, spec_request: dict[str, Any], path: str
) -> None:
    def no_draft(**_: object) -> None:
        raise AssertionError("drafted a request whose client has had its 503")

    monkeypatch.setattr(service, "draft", no_draft)
    monkeypatch.setenv("CLAUSEWRIGHT_REQUEST_TIMEOUT_SECONDS", str(LIMIT))
    app = create_app(Settings(api_key=None, cors_origins=[]))
    body = json.dumps(spec_request).encode()
    sent: list[Message] = []

    async def scenario() -> None:
        async def receive() -> Message:  # the body arrives after the limit
            keep_the_loop_busy(2 * LIMIT)
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(http_scope("POST", path, body), receive, send)

    asyncio.run(scenario())
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [503]
    problem = json.loads(b"".join(m["body"] for m in sent if m["type"] == "http.response.body"))
    assert "0.001 seconds" in problem["detail"]
