"""The API's request path keeps its work on the event loop: no per-request thread hop.

FastAPI runs a plain ``def`` dependency or endpoint in its thread pool, which costs a
hand-off to a thread (and GIL hand-offs back) on every request - on the benchmark
machine a dependency as small as a Content-Type check cost 0.2 ms a request that way.
The API's dependencies are therefore ``async def``, and so are the single-document
drafting routes, which draft on the worker's event loop (see ``app/web/api.py``).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from asgi_calls import http_scope
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.config import Settings
from app.web import api
from app.web.main import create_app

DRAFTING_PATHS = (
    "/api/v1/contracts/docx",
    "/api/v1/contracts/html",
    "/api/v1/contracts/report",
    "/api/v1/contracts/batch",
)


def _dependencies(dependant: Dependant) -> list[Dependant]:
    found = []
    for dependency in dependant.dependencies:
        found.append(dependency)
        found.extend(_dependencies(dependency))
    return found


def _api_routes() -> list[APIRoute]:
    return [route for route in api.router.routes if isinstance(route, APIRoute)]


def test_every_api_dependency_runs_on_the_event_loop() -> None:
    routes = _api_routes()
    assert len(routes) >= 8
    in_threads = sorted(
        f"{route.path}: {dependency.call.__name__}"
        for route in routes
        for dependency in _dependencies(route.dependant)
        if dependency.call is not None and not inspect.iscoroutinefunction(dependency.call)
    )
    assert in_threads == []


@pytest.mark.parametrize("path", DRAFTING_PATHS)
def test_the_drafting_routes_run_on_the_event_loop(path: str) -> None:
    (route,) = [route for route in _api_routes() if route.path == path]
    assert inspect.iscoroutinefunction(route.endpoint)


def test_a_batch_lets_other_requests_through_between_its_documents(
    spec_request: dict[str, Any],
) -> None:
    app = create_app(Settings(api_key=None, cors_origins=[]))
    batch = json.dumps([{**spec_request, "draft_number": n} for n in range(1, 9)]).encode()
    events: list[str] = []

    def receiver(body: bytes) -> Any:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await anyio.sleep_forever()  # no disconnect: the client stays
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return receive

    async def batch_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            events.append("document")

    async def health_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            events.append("health")

    async def scenario() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(app, http_scope("POST", "/api/v1/contracts/batch", batch),
                             receiver(batch), batch_send)  # fmt: skip
            while "document" not in events:
                await anyio.lowlevel.checkpoint()
            await app(http_scope("GET", "/healthz"), receiver(b""), health_send)
            while events.count("document") < 9:  # eight documents, then the manifest
                await anyio.lowlevel.checkpoint()
            group.cancel_scope.cancel()

    anyio.run(scenario)
    assert "health" in events
    assert events.index("health") < len(events) - 1  # answered before the batch ended
