"""Concurrent requests through a real server: identical requests give identical bytes.

A uvicorn server runs the app in a thread on a free loopback port. Its socket is
bound and listening before the server starts, so clients can connect at once (the
kernel queues them): no waiting, no sleeps.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

THREADS = 8


@pytest.fixture(scope="module")
def server_url(api_app: FastAPI) -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        api_app, lifespan="off", ws="none", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def _post_together(url: str, bodies: list[Any]) -> list[httpx.Response]:
    """POST each body from its own thread, all released at the same moment."""
    start = threading.Barrier(len(bodies))

    def post(body: Any) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            start.wait()
            return client.post(url, json=body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


@pytest.mark.parametrize("kind", ["docx", "html", "report"])
def test_identical_concurrent_requests_give_identical_bytes(
    server_url: str, client: Any, spec_request: dict, kind: str
) -> None:
    responses = _post_together(f"{server_url}/api/v1/contracts/{kind}", [spec_request] * THREADS)
    assert [response.status_code for response in responses] == [200] * THREADS
    assert len({response.content for response in responses}) == 1
    assert len({response.headers["etag"] for response in responses}) == 1
    assert len({response.headers["x-request-id"] for response in responses}) == THREADS
    in_process = client.post(f"/api/v1/contracts/{kind}", json=spec_request)
    assert responses[0].content == in_process.content


def test_interleaved_different_requests_each_get_their_own_document(
    server_url: str, client: Any, spec_request: dict, full_request: dict
) -> None:
    bodies = [spec_request, full_request] * (THREADS // 2)
    responses = _post_together(f"{server_url}/api/v1/contracts/docx", bodies)
    expected = {
        id(body): client.post("/api/v1/contracts/docx", json=body).content
        for body in (spec_request, full_request)
    }
    assert expected[id(spec_request)] != expected[id(full_request)]
    for body, response in zip(bodies, responses, strict=True):
        assert response.content == expected[id(body)]


def test_concurrent_batches_are_identical(server_url: str, spec_request: dict) -> None:
    batch = [spec_request, {**spec_request, "posture": "buyer"}]
    responses = _post_together(f"{server_url}/api/v1/contracts/batch", [batch] * 4)
    assert [response.status_code for response in responses] == [200] * 4
    assert len({response.content for response in responses}) == 1
