"""The API's request path keeps its work on the event loop: no per-request thread hop.

FastAPI runs a plain ``def`` dependency or endpoint in its thread pool, which costs a
hand-off to a thread (and GIL hand-offs back) on every request - on the benchmark
machine a dependency as small as a Content-Type check cost 0.2 ms a request that way.
The API's dependencies are therefore ``async def``, and so are the single-document
drafting routes, which draft on the worker's event loop (see ``app/web/api.py``).
"""

from __future__ import annotations

import inspect

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.web import api

DRAFTING_PATHS = ("/api/v1/contracts/docx", "/api/v1/contracts/html", "/api/v1/contracts/report")


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
