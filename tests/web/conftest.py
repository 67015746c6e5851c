"""Fixtures for the web tests: the app built from explicit settings, and a client.

The client drives the ASGI app in-process through httpx (no server, no network):
a thin synchronous wrapper over ``httpx.AsyncClient`` on an anyio portal, so tests
read like ordinary HTTP calls without depending on ``starlette.testclient``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.web.main import create_app

BASE_URL = "http://testserver"


class ASGIClient:
    """Synchronous HTTP calls into an ASGI app; app exceptions are raised, not hidden."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, client: httpx.AsyncClient) -> None:
        self._portal = portal
        self._client = client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        call = functools.partial(self._client.request, method, url, **kwargs)
        return self._portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


PROBLEM_JSON = "application/problem+json"


def settings_with(**overrides: Any) -> Settings:
    """Settings independent of the environment (no API key, no CORS), with overrides."""
    values: dict[str, Any] = {"api_key": None, "cors_origins": []}
    values.update(overrides)
    return Settings(**values)


def check_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert ``response`` is a problem+json of ``status`` with a readable detail and
    the request id of the response; return its body."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert len(body["detail"]) > 10
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.fixture
def expect_problem() -> Callable[[httpx.Response, int], dict[str, Any]]:
    """:func:`check_problem`, for tests."""
    return check_problem


@pytest.fixture
def app_with() -> Callable[..., FastAPI]:
    """Build an app with settings overrides (``app_with(api_key="k")``)."""

    def build(**overrides: Any) -> FastAPI:
        return create_app(settings_with(**overrides))

    return build


@pytest.fixture
def client_for() -> Iterator[Callable[[FastAPI], ASGIClient]]:
    """Make a client for any app; all are closed at the end of the test."""
    with anyio.from_thread.start_blocking_portal() as portal:
        clients: list[httpx.AsyncClient] = []

        def make(app: FastAPI) -> ASGIClient:
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
            clients.append(client)
            return ASGIClient(portal, client)

        yield make
        for client in clients:
            portal.call(client.aclose)


@pytest.fixture(scope="session")
def api_app() -> FastAPI:
    """The app with the default limits and no access control."""
    return create_app(settings_with())


@pytest.fixture
def client(client_for: Callable[[FastAPI], ASGIClient], api_app: FastAPI) -> ASGIClient:
    """A client of :func:`api_app`."""
    return client_for(api_app)
