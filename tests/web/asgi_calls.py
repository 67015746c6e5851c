"""Raw ASGI calls for the web tests that need what an HTTP client hides: the event
loop's turns, and CPU work on it."""

from __future__ import annotations

import asyncio
from typing import Any


def http_scope(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    """The scope of one HTTP/1.1 request with a JSON body of ``body``."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "", "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip


def keep_the_loop_busy(seconds: float) -> None:
    """CPU work on the running event loop for ``seconds`` of its clock: no timer and no
    other task can run meanwhile, as during a draft."""
    loop = asyncio.get_running_loop()
    busy_until = loop.time() + seconds
    while loop.time() < busy_until:
        pass
