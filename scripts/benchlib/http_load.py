"""HTTP latency, throughput and worker memory against ``clausewright serve --workers 2``.

The server runs as a subprocess on a free loopback port (127.0.0.1 only). Latency is
measured with the standard library's ``http.client``, one request at a time; so is
throughput when ``wrk`` is not installed (:mod:`benchlib.wrk`): one keep-alive
connection per client thread, the lightest client Python has, though on a small
machine its threads take CPU from the workers it measures. Its sockets set
TCP_NODELAY, as curl and urllib3 do: ``http.client`` sends the headers and the body
in two writes, and without it Nagle's algorithm holds the body back until the
server's delayed ACK (40 ms on Linux).
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

from benchlib import connections
from benchlib.cpu import CpuMeter, CpuShare
from benchlib.stats import Timing, percentile

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
    """Requests completed by concurrent clients in a bounded time, their latency, and
    the CPU the client, the server and the rest of the machine used meanwhile."""

    client: str  # which load generator, and how it was run
    clients: int
    requests: int
    seconds: float
    latency_ms: dict[str, float]  # p50, p90, p99, max, mean
    cpu: CpuShare
    distinct_bodies: int  # below ``requests``: some bodies were sent again
    mean_response_bytes: float
    reported_per_second: float  # the client's own figure (wrk's Requests/sec)
    connections_by_worker: dict[int, int]  # the clients' connections, a while into the run

    @property
    def per_second(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {
            "client": self.client,
            "clients": self.clients,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.per_second, 2),
            "client_reported_requests_per_second": round(self.reported_per_second, 2),
            "latency_ms": {key: round(value, 2) for key, value in self.latency_ms.items()},
            "distinct_bodies": self.distinct_bodies,
            "mean_response_bytes": round(self.mean_response_bytes),
            "cpu": self.cpu.as_dict(),
            "connections_by_worker": {str(k): v for k, v in self.connections_by_worker.items()},
        }


def throughput(
    server: Server, bodies: Sequence[bytes], *, clients: int, seconds: float
) -> Throughput:
    """The fallback without wrk: ``clients`` threads of this process, each with a
    keep-alive connection, POST ``bodies`` in turn (from the first again if they get
    through them all) for ``seconds``. The client's CPU is this process's CPU time."""
    lock = threading.Lock()
    turn = [0]
    samples: list[float] = []
    errors: list[BaseException] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = _connect(server)
        try:
            while time.monotonic() < deadline:
                with lock:
                    body = bodies[turn[0] % len(bodies)]
                    turn[0] += 1
                sent = time.perf_counter()
                _post(connection, body)
                elapsed = time.perf_counter() - sent
                with lock:
                    samples.append(elapsed)
        except BaseException as error:  # reported after the threads are joined
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    workers = worker_pids(server)
    meter = CpuMeter([server.process.pid, *workers])
    cpu_start, start = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(min(1.0, seconds / 4))
    spread = connections.per_process(workers, port=server.port)
    for thread in threads:
        thread.join()
    elapsed, client_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if errors:
        raise RuntimeError(f"a client failed: {errors[0]!r}")
    timing = Timing(tuple(samples))
    return Throughput(
        client=f"http.client, {clients} threads",
        clients=clients,
        requests=len(samples),
        seconds=elapsed,
        latency_ms={
            "p50": timing.median * 1000,
            "p90": percentile(samples, 0.9) * 1000,
            "p99": percentile(samples, 0.99) * 1000,
            "max": max(samples) * 1000,
            "mean": timing.mean * 1000,
        },
        cpu=meter.stop(seconds=elapsed, client=client_cpu),
        distinct_bodies=min(len(samples), len(bodies)),
        mean_response_bytes=0.0,  # not counted by this client
        reported_per_second=len(samples) / elapsed,
        connections_by_worker=spread,
    )


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


def worker_pids(server: Server) -> list[int]:
    """The uvicorn master's child processes that run the app (``multiprocessing``
    spawn children; not e.g. the multiprocessing resource tracker)."""
    workers = []
    for child in _children(server.process.pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in command or b"clausewright" in command:
            workers.append(child)
    return workers


def worker_memory(server: Server) -> dict[int, dict[str, float]]:
    """Peak and current resident memory (MiB) of each worker (:func:`worker_pids`),
    read from ``/proc/<pid>/status`` (VmHWM, VmRSS)."""
    memory = {}
    for child in worker_pids(server):
        status = _status(child)
        memory[child] = {
            "peak_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
            "rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 1),
        }
    return memory
