"""Fixtures for the property tests: the app and its in-process client, reused from
``tests/web/conftest.py`` (one client for all examples of a module: hypothesis runs
many examples per test, and a client has no state between requests)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio.from_thread
import httpx
import pytest

from app.web.main import create_app


def _web_fixtures() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "web" / "conftest.py"
    spec = importlib.util.spec_from_file_location("clausewright_web_fixtures", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


web = _web_fixtures()
ASGIClient = web.ASGIClient


@pytest.fixture(scope="session")
def expect_problem() -> Callable[[httpx.Response, int], dict[str, Any]]:
    """``tests/web``'s problem check: a problem+json of the status with a readable
    detail and the request id."""
    check: Callable[[httpx.Response, int], dict[str, Any]] = web.check_problem
    return check


@pytest.fixture(scope="module")
def api() -> Iterator[object]:
    """An :class:`ASGIClient` of the app with default settings (no key, no CORS)."""
    app = create_app(web.settings_with())
    with anyio.from_thread.start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=web.BASE_URL)
        yield ASGIClient(portal, client)
        portal.call(client.aclose)
