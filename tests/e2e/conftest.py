"""Fixtures for the browser tests: a real uvicorn server on a free loopback port, and
Debian's chromium driven by Playwright (never a downloaded browser).

The server runs in a thread of the test process and is ready when ``/healthz``
answers; each test gets a fresh browser context whose console errors, page errors
and failed requests fail the test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from app.config import Settings
from app.web.main import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
STARTUP_TIMEOUT_SECONDS = 20.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(url: str, thread: threading.Thread) -> None:
    """Poll ``url`` until it answers 200; fail when the server thread dies or the
    timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the uvicorn server stopped while starting; see the log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            threading.Event().wait(0.05)  # the next poll, not a blind sleep
    pytest.fail(f"the server did not answer {url} within {STARTUP_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The base URL of the app served by uvicorn on a free loopback port."""
    app = create_app(Settings(api_key=None, cors_origins=[]))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", workers=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(f"{base_url}/healthz", thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, launched once per test module.

    Module scope, not session: Playwright's sync API keeps an asyncio loop running in
    the main thread while it is open, which would break later tests that start their
    own event loop.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing, so the browser tests cannot run. `make test` installs "
            "it (Debian package chromium); the tests never download a browser."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Problems:
    """What went wrong in the page: console errors, uncaught errors, failed requests."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    expected_console: list[str] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        console = [
            message
            for message in self.console
            if not any(expected in message for expected in self.expected_console)
        ]
        return console + self.page_errors + self.failed_requests


@pytest.fixture
def problems() -> Problems:
    """The page's problems; a test may list console messages it expects."""
    return Problems()


@pytest.fixture
def page(browser: Browser, live_server: str, problems: Problems) -> Iterator[Page]:
    """A fresh page on the live server, 1280x900, downloads allowed. The test fails
    when the page logs a console error, throws, or a request fails."""
    context = browser.new_context(
        base_url=live_server, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.console.append(message.text)

    def on_failed(request: Request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" not in failure:  # a superseded live-preview fetch
            problems.failed_requests.append(f"{request.method} {request.url}: {failure}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    opened.on("requestfailed", on_failed)
    try:
        yield opened
    finally:
        context.close()
    unexpected = problems.unexpected()
    assert not unexpected, f"the page reported problems: {unexpected}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
