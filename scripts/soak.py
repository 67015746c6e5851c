"""The soak test of issue 7: ``make soak`` (not part of ``make test``).

Starts ``clausewright serve --workers 2`` on a free 127.0.0.1 port and drives it for
60 s with 16 concurrent clients mixing every endpoint (docx, html, report, small
batches, parameters read-back, elements, clauses, the form page and its preview),
about 10 % of the requests invalid. It fails (exit code 1) when any response is a 5xx,
when a response does not match its request (request id, ETag, input hash, the
parties' names), when a worker's memory grows more than 10 % between the end of the
warm-up and the end of the run, or when the server does not stop cleanly on SIGTERM.
It prints the latency percentiles (p50, p95, p99) per endpoint.

Bounded: the run stops at its deadline (and after at most ``--max-requests``); every
request has a timeout; the server is stopped at the end whatever happened.

Usage: ``python scripts/soak.py [--seconds 60] [--clients 16] [--workers 2]``
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import httpx
from markupsafe import escape

from app import service
from app.render.docx_reader import read_embedded
from app.render.docx_writer import render_docx
from app.web.api import entity_tag
from app.web.form_fields import form_model

ROOT = Path(__file__).resolve().parent.parent
CLAUSEWRIGHT = Path(sys.executable).with_name("clausewright")
JSON = {"content-type": "application/json"}
REQUEST_TIMEOUT_SECONDS = 30.0
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 60.0
ELEMENTS = ["Dy", "Tb", "Nd", "Pr", "Sm", "Gd", "Lu", "Sc", "Y", "Ce", "La"]


# --- what the clients send, and what each answer must be --------------------------------


@dataclass
class Case:
    """One valid request with everything its answers must show."""

    body: dict[str, Any]
    seller: str
    input_hash: str
    etags: dict[str, str]
    docx: bytes
    form: dict[str, str]


def make_cases(count: int, rng: random.Random) -> list[Case]:
    """``count`` distinct valid requests, each with a seller name of its own."""
    bases = [
        json.loads((ROOT / "examples" / name).read_text()) for name in ("spec.json", "full.json")
    ]
    cases: list[Case] = []
    for number in range(count):
        body = copy.deepcopy(bases[number % 2])
        seller = f"Soak Seller {number:04d} Ltd"
        body["seller"]["name"] = seller
        body["element"] = ELEMENTS[number % len(ELEMENTS)]
        body["posture"] = ("buyer", "balanced", "seller")[number % 3]
        body["term"] = {
            "start_date": f"{2027 + number % 5}-0{1 + number % 9}-01",
            "months": 12 + number % 49,
        }
        request = service.parse_request(body)
        drafted = service.draft(request=request)
        cases.append(
            Case(
                body=body,
                seller=seller,
                input_hash=service.input_hash(request),
                etags={
                    kind: entity_tag(service.input_hash(request), kind=kind)
                    for kind in ("docx", "html")
                },
                docx=render_docx(drafted.assembly.document),
                form=form_model().from_request(request.model_dump(mode="json")),
            )
        )
    rng.shuffle(cases)
    return cases


INVALID: list[tuple[str, str, dict[str, Any], int]] = [
    ("POST", "/api/v1/contracts/docx", {"json": {"element": "Dy"}}, 422),
    (
        "POST",
        "/api/v1/contracts/report",
        {"json": {"element": "Xx", "volume": "1 t", "term": "1 year"}},
        422,
    ),
    ("POST", "/api/v1/contracts/html", {"content": b"{not json", "headers": JSON}, 422),
    (
        "POST",
        "/api/v1/contracts/docx",
        {"content": b"{}", "headers": {"content-type": "text/plain"}},
        415,
    ),
    ("POST", "/api/v1/contracts/batch", {"json": []}, 422),
    ("GET", "/api/v1/elements/unobtainium", {}, 404),
    ("GET", "/api/v1/clauses/no_such_clause", {}, 404),
    ("POST", "/api/v1/documents/parameters", {"files": {"file": ("x.docx", b"not a docx")}}, 422),
]


@dataclass
class Outcome:
    """What one request showed."""

    endpoint: str
    status: int
    seconds: float
    problem: str | None = None


def check(condition: bool, message: str) -> None:
    """Record a mismatch between a response and its request."""
    if not condition:
        raise AssertionError(message)


def run_one(
    client: httpx.Client, rng: random.Random, cases: list[Case], clauses: list[str]
) -> Outcome:
    """Send one request of a randomly chosen kind and check its answer."""
    request_id = f"soak-{threading.get_ident()}-{rng.getrandbits(48):012x}"
    headers = {"X-Request-ID": request_id}
    if rng.random() < 0.1:
        endpoint, method, path, kwargs, validate = choose_invalid(rng, headers)
    else:
        endpoint, method, path, kwargs, validate = choose_valid(rng, cases, clauses, headers)
    started = time.perf_counter()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        return Outcome(endpoint, 0, time.perf_counter() - started, f"{type(error).__name__}")
    elapsed = time.perf_counter() - started
    try:
        check(response.status_code < 500, f"{response.status_code} from {path}")
        check(response.headers.get("x-request-id") == request_id, "another request's answer")
        validate(response)
    except (AssertionError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return Outcome(endpoint, response.status_code, elapsed, f"{path}: {error}")
    return Outcome(endpoint, response.status_code, elapsed)


Choice = tuple[str, str, str, dict[str, Any], Callable[[httpx.Response], None]]


def choose_invalid(rng: random.Random, headers: dict[str, str]) -> Choice:
    """An invalid request, with the check of its 4xx."""
    method, path, kwargs, expected = rng.choice(INVALID)
    kwargs = {**kwargs, "headers": {**kwargs.get("headers", {}), **headers}}

    def refused(response: httpx.Response) -> None:
        check(response.status_code == expected, f"expected {expected}")
        check(response.headers["content-type"].startswith("application/problem+json"), "problem")

    return "invalid", method, path, kwargs, refused


def choose_valid(
    rng: random.Random, cases: list[Case], clauses: list[str], headers: dict[str, str]
) -> Choice:
    """A valid request of a randomly chosen endpoint, with the check of its answer."""
    case = rng.choice(cases)
    body = {"json": case.body, "headers": headers}
    kind = rng.choices(
        ["docx", "html", "report", "batch", "parameters", "elements", "clauses", "form", "preview"],
        weights=[20, 12, 20, 5, 8, 8, 8, 5, 14],
    )[0]

    def ok(response: httpx.Response) -> None:
        check(response.status_code == 200, f"status {response.status_code}")

    if kind in ("docx", "html"):

        def drafted(response: httpx.Response) -> None:
            ok(response)
            check(response.headers["etag"] == case.etags[kind], "ETag of another request")
            if kind == "docx":
                check(read_embedded(response.content).input_hash == case.input_hash, "input hash")
            else:
                check(str(escape(case.seller)) in response.text, "another seller")

        return kind, "POST", f"/api/v1/contracts/{kind}", body, drafted
    if kind == "report":

        def reported(response: httpx.Response) -> None:
            ok(response)
            check(response.json()["input_hash"] == case.input_hash, "input hash")

        return kind, "POST", "/api/v1/contracts/report", body, reported
    if kind == "batch":
        items = [case, rng.choice(cases)]

        def zipped(response: httpx.Response) -> None:
            ok(response)
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                manifest = json.loads(archive.read("manifest.json"))
            hashes = [entry["input_hash"] for entry in manifest["items"]]
            check(hashes == [item.input_hash for item in items], "manifest of another batch")

        batch = {"json": [item.body for item in items], "headers": headers}
        return kind, "POST", "/api/v1/contracts/batch", batch, zipped
    if kind == "parameters":

        def read_back(response: httpx.Response) -> None:
            ok(response)
            check(response.json()["input_hash"] == case.input_hash, "input hash")

        upload = {"files": {"file": ("agreement.docx", case.docx)}, "headers": headers}
        return kind, "POST", "/api/v1/documents/parameters", upload, read_back
    if kind == "elements":
        symbol = rng.choice(ELEMENTS)

        def element(response: httpx.Response) -> None:
            ok(response)
            check(response.json()["symbol"] == symbol, "another element")

        return kind, "GET", f"/api/v1/elements/{symbol.lower()}", {"headers": headers}, element
    if kind == "clauses":
        clause_id = rng.choice(clauses)

        def clause(response: httpx.Response) -> None:
            ok(response)
            check(response.json()["id"] == clause_id, "another clause")

        return kind, "GET", f"/api/v1/clauses/{clause_id}", {"headers": headers}, clause
    if kind == "form":

        def page(response: httpx.Response) -> None:
            ok(response)
            check("<form" in response.text, "no form")

        return kind, "GET", "/", {"headers": headers}, page
    form = {"data": case.form, "headers": headers}

    def preview(response: httpx.Response) -> None:
        ok(response)
        check(str(escape(case.seller)) in response.text, "another seller")

    return "preview", "POST", "/preview", form, preview


# --- the server and its workers ---------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int, workers: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``clausewright serve`` on loopback, ready (``/readyz`` answers 200)."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("CLAUSEWRIGHT_")
    }
    command = [
        str(CLAUSEWRIGHT),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        command, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            threading.Event().wait(0.2)
    process.kill()
    raise SystemExit(f"the server did not become ready in {START_TIMEOUT_SECONDS} s")


def worker_pids(parent: int) -> list[int]:
    """The uvicorn worker processes of ``parent`` (spawned children)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent_pid = int(stat.rpartition(")")[2].split()[1])
        if parent_pid == parent and b"spawn_main" in command:
            workers.append(int(entry.name))
    return sorted(workers)


def rss_mib(pid: int) -> float:
    """The resident memory of ``pid`` in MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for {pid}")


# --- the run ----------------------------------------------------------------------------


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def drive(
    url: str,
    seconds: float,
    clients: int,
    max_requests: int,
    seed: int,
    cases: list[Case],
    clauses: list[str],
) -> Results:
    """``clients`` threads sending requests until ``seconds`` have passed."""
    results = Results()
    deadline = time.monotonic() + seconds

    def client_loop(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
            while time.monotonic() < deadline:
                outcome = run_one(client, rng, cases, clauses)
                with results.lock:
                    results.outcomes.append(outcome)
                    if len(results.outcomes) >= max_requests:
                        return

    threads = [
        threading.Thread(target=client_loop, args=(number,), daemon=True)
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_SECONDS + 10)
    return results


def percentile(values: list[float], share: int) -> float:
    """The ``share``-th percentile of ``values`` (at least two of them)."""
    return (
        statistics.quantiles(values, n=100, method="inclusive")[share - 1]
        if len(values) > 1
        else values[0]
    )


def summarise(results: Results, seconds: float) -> tuple[list[str], list[str]]:
    """The table of latencies and the list of failures."""
    by_endpoint: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in results.outcomes:
        by_endpoint[outcome.endpoint].append(outcome)
    lines = [
        f"{'endpoint':<11} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"
    ]
    for endpoint in [*sorted(by_endpoint), "all"]:
        outcomes = results.outcomes if endpoint == "all" else by_endpoint[endpoint]
        times = [outcome.seconds * 1000 for outcome in outcomes]
        statuses = Counter(outcome.status for outcome in outcomes)
        lines.append(
            f"{endpoint:<11} {len(outcomes):>8} {percentile(times, 50):>8.1f} "
            f"{percentile(times, 95):>8.1f} {percentile(times, 99):>8.1f}  "
            + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        )
    lines.append(f"throughput: {len(results.outcomes) / seconds:.1f} requests/s")
    failures = [
        f"{outcome.endpoint}: {outcome.problem}" for outcome in results.outcomes if outcome.problem
    ]
    return lines, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of the run (default 60)"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="server workers (default 2)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many")
    parser.add_argument(
        "--memory-tolerance", type=float, default=0.10, help="allowed growth (0.10)"
    )
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    if not 1 <= options.seconds <= 3600 or not 1 <= options.clients <= 64:
        parser.error("--seconds must be 1-3600 and --clients 1-64")
    rng = random.Random(options.seed)
    cases = make_cases(48, rng)
    clauses = [clause.meta.id for clause in service.get_library().clauses]
    warmup = min(max(5.0, options.seconds * 0.2), options.seconds / 2)
    port = free_port()
    print(
        f"soak: {options.seconds:g} s, {options.clients} clients, --workers {options.workers}, "
        f"http://127.0.0.1:{port}, warm-up {warmup:g} s, {date.today()}"
    )
    failures: list[str] = []
    with tempfile.TemporaryFile() as log:
        server = start_server(port, options.workers, log)
        try:
            workers = worker_pids(server.pid) if options.workers > 1 else [server.pid]
            samples: dict[str, dict[int, float]] = {}
            timer = threading.Timer(
                warmup, lambda: samples.setdefault("warm", {pid: rss_mib(pid) for pid in workers})
            )
            timer.start()
            results = drive(
                f"http://127.0.0.1:{port}",
                options.seconds,
                options.clients,
                options.max_requests,
                options.seed,
                cases,
                clauses,
            )
            timer.cancel()
            samples["end"] = {pid: rss_mib(pid) for pid in workers}
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            try:
                exit_code = server.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                exit_code = -9
        log.seek(0)
        server_log = log.read().decode("utf-8", "replace")
    lines, failures = summarise(results, options.seconds)
    print("\n".join(lines))
    print("worker memory (VmRSS, MiB): after warm-up -> end")
    warm = samples.get("warm", {})
    for pid in workers:
        before, after = warm.get(pid), samples["end"][pid]
        growth = (after - before) / before if before else 0.0
        print(f"  worker {pid}: {before or 0:.1f} -> {after:.1f} ({growth:+.1%})")
        if before is None:
            failures.append(f"worker {pid}: no memory sample after the warm-up")
        elif growth > options.memory_tolerance:
            failures.append(
                f"worker {pid}: memory grew {growth:.1%} (limit {options.memory_tolerance:.0%})"
            )
    if len({outcome.status for outcome in results.outcomes if outcome.endpoint != "invalid"}) == 0:
        failures.append("no valid request was answered")
    if "Traceback" in server_log:
        failures.append("the server logged a traceback")
    if exit_code != 0:
        failures.append(f"the server exited with {exit_code} after SIGTERM")
    print(f"server stopped on SIGTERM with exit code {exit_code}")
    if failures:
        print(f"FAIL: {len(failures)} problem(s)")
        for failure, count in Counter(failures).most_common(20):
            print(f"  {count} x {failure}")
        return 1
    print(f"PASS: {len(results.outcomes)} requests, no 5xx, every answer matched its request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
