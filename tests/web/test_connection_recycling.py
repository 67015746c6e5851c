"""Each worker closes the keep-alive connection of every n-th response, so that
clients' connections spread over the workers (README, Deployment)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from serving import free_port, running, serve_command
from starlette.types import Message, Receive, Scope, Send

from app.config import ENV_PREFIX
from app.web.middleware import ConnectionRecyclingMiddleware


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-n", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _connection_headers(middleware: ConnectionRecyclingMiddleware, requests: int) -> list[Any]:
    seen: list[Any] = []

    started: list[Message] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def scenario() -> None:
        for _ in range(requests):
            started.clear()
            await middleware({"type": "http", "headers": []}, receive, send)
            headers = dict(started[0]["headers"])
            seen.append(headers.get(b"connection"))
            assert headers[b"x-n"] == b"1"  # the app's own headers are kept

    asyncio.run(scenario())
    return seen


def test_every_third_response_closes_its_connection() -> None:
    seen = _connection_headers(ConnectionRecyclingMiddleware(_ok, every=3), 7)
    assert seen == [None, None, b"close", None, None, b"close", None]


def test_every_one_closes_each_connection() -> None:
    assert _connection_headers(ConnectionRecyclingMiddleware(_ok, every=1), 2) == [b"close"] * 2


def test_other_scopes_are_not_counted() -> None:
    middleware = ConnectionRecyclingMiddleware(_ok, every=2)

    async def lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    middleware.app = lifespan_app
    asyncio.run(middleware({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert middleware.count == 0


def test_a_count_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="one or more"):
        ConnectionRecyclingMiddleware(_ok, every=0)


def test_zero_turns_recycling_off(
    app_with: Callable[..., FastAPI], client_for: Callable[[FastAPI], Any]
) -> None:
    client = client_for(app_with(recycle_connection_every=0))
    answers = [client.get("/healthz") for _ in range(60)]
    assert all("connection" not in answer.headers for answer in answers)


def _read_response(connection: socket.socket) -> bytes:
    """One whole response to GET /healthz: headers and a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length:")).split(b":")[1])  # fmt: skip
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_the_server_closes_every_third_keep_alive_response() -> None:
    port = free_port()
    environment = {f"{ENV_PREFIX}RECYCLE_CONNECTION_EVERY": "3"}
    closes = ends = 0
    with running(serve_command(port=port), port=port, env=environment) as server:
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        for _ in range(6):  # six responses in a row: two are the third since the last
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            if b"connection: close" in _read_response(connection).lower():
                closes += 1
                ends += connection.recv(65536) == b""  # the server closed it
                connection.close()
                connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        connection.close()
        code, log = server.stop()
    assert (closes, ends) == (2, 2)
    assert code == 0, log
