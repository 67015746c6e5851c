"""A real ``clausewright serve`` in a subprocess, on a free loopback port.

For the tests that need a real process: start-up failures, signals, several workers,
the image's command. The server is ready when ``/readyz`` answers 200; it is always
stopped (SIGTERM, then SIGKILL) when the ``with`` block ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 60.0
CLAUSEWRIGHT = Path(sys.executable).with_name("clausewright")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RunningServer:
    """A server process, its base URL and the file its stderr goes to."""

    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def stderr(self) -> str:
        """Everything the process wrote to stderr so far."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> tuple[int, str]:
        """SIGTERM, wait for the exit; return the exit code and everything on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the server did not stop within {timeout} s") from None
        return self.process.returncode, self.stderr()


def wait_until_ready(server: RunningServer, *, path: str = "/readyz") -> None:
    """Poll ``path`` until it answers 200; raise when the process exits first or the
    start-up timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    pause = threading.Event()
    url = server.url
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(
                    f"the server exited with {server.process.returncode}:\n{server.stderr()}"
                )
            try:
                if client.get(url + path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            pause.wait(0.1)  # the next poll, not a blind sleep
    raise AssertionError(f"the server did not answer {url}{path} in {STARTUP_TIMEOUT_SECONDS} s")


@contextmanager
def running(
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    inherit: bool = True,
) -> Iterator[RunningServer]:
    """Start ``command`` (which serves on ``port``), wait until it is ready, yield it;
    stop it afterwards if the test has not. ``env`` is added to this process's
    environment, or is the whole environment when ``inherit`` is false."""
    environment = {**(os.environ if inherit else {}), **(env or {})}
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a pipe left unread fills up
        process = subprocess.Popen(
            list(command),
            env=environment,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        server = RunningServer(process=process, url=f"http://127.0.0.1:{port}", log=log)
        try:
            wait_until_ready(server)
            yield server
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def serve_command(*, port: int, workers: int = 1) -> list[str]:
    """``clausewright serve`` of this virtualenv on loopback."""
    return [
        str(CLAUSEWRIGHT),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
