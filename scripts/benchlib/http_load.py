"""HTTP latency, throughput and worker memory against ``clausewright serve --workers 2``.

The server runs as a subprocess on a free loopback port (127.0.0.1 only). The client
is the standard library's ``http.client`` with one keep-alive connection per client
thread: the lightest client Python has, because it shares the machine's cores with
the server it measures. Its sockets set TCP_NODELAY, as curl and urllib3 do:
``http.client`` sends the headers and the body in two writes, and without it Nagle's
algorithm holds the body back until the server's delayed ACK (40 ms on Linux).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib.stats import Timing

DOCX_PATH = "/api/v1/contracts/docx"
_HEADERS = {"Content-Type": "application/json", "Accept": "*/*"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Server:
    """A running ``clausewright serve``: its master process and port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path


def _ready(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


@contextmanager
def running_server(*, workers: int, log: Path, timeout: float = 90.0) -> Iterator[Server]:
    """Start the service, wait until ``/healthz`` answers, stop it on exit.

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout`` seconds.
    """
    port = free_port()
    executable = Path(sys.executable).with_name("clausewright")
    command = [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWRIGHT_")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _ready(port):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /healthz in {timeout} s; see {log}")
            time.sleep(0.1)
        yield Server(process, port, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _Connection(http.client.HTTPConnection):
    """A keep-alive connection whose socket sends small writes at once (also after a
    reconnect)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _connect(server: Server) -> http.client.HTTPConnection:
    return _Connection("127.0.0.1", server.port, timeout=60)


def _post(connection: http.client.HTTPConnection, body: bytes) -> None:
    connection.request("POST", DOCX_PATH, body=body, headers=_HEADERS)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200 or not data.startswith(b"PK"):
        raise RuntimeError(f"the server answered {response.status}: {data[:200]!r}")


def latency(server: Server, bodies: Sequence[bytes]) -> Timing:
    """One client, one request at a time: the time from sending to the last byte."""
    connection = _connect(server)
    samples = []
    for body in bodies:
        start = time.perf_counter()
        _post(connection, body)
        samples.append(time.perf_counter() - start)
    connection.close()
    return Timing(tuple(samples))


@dataclass(frozen=True, slots=True)
class Throughput:
    """Requests completed by concurrent clients, and how long they took."""

    clients: int
    requests: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {
            "clients": self.clients,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.per_second, 2),
        }


def throughput(
    server: Server, bodies: Sequence[bytes], *, clients: int, max_seconds: float
) -> Throughput:
    """``clients`` threads, each with a keep-alive connection, send ``bodies`` between
    them (each body once) until all are done or ``max_seconds`` have passed."""
    lock = threading.Lock()
    queue = list(reversed(bodies))
    done = [0]
    errors: list[BaseException] = []
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        connection = _connect(server)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                _post(connection, body)
                with lock:
                    done[0] += 1
        except BaseException as error:  # reported after the threads are joined
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"a client failed: {errors[0]!r}")
    return Throughput(clients, done[0], elapsed)


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children.extend(int(child) for child in text)
    return children


def worker_memory(server: Server) -> dict[int, dict[str, float]]:
    """Peak and current resident memory (MiB) of each worker: the uvicorn master's
    child processes that run the app (``multiprocessing`` spawn children), read from
    ``/proc/<pid>/status`` (VmHWM, VmRSS)."""
    memory = {}
    for child in _children(server.process.pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" not in command and b"clausewright" not in command:
            continue  # e.g. the multiprocessing resource tracker
        status = _status(child)
        memory[child] = {
            "peak_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
            "rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 1),
        }
    return memory
