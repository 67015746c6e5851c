"""The HTTP part of the benchmark: latency with one client, throughput with several
(wrk when installed, else http.client threads), worker memory, and the in-process rate
of requests of the same kind it is compared with."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchlib import http_load, inprocess, requests, wrk
from benchlib.report import table as markdown_table
from benchlib.stats import Timing

MAX_RATE = 300  # distinct bodies are made for up to this many requests per second


def _bodies(first: int, count: int) -> list[bytes]:
    spec = requests.spec_example()
    return [json.dumps(requests.variant(spec, first + i)).encode() for i in range(count)]


def run(
    *, log: Path, workers: int, clients: int, seconds: float, latency_requests: int
) -> dict[str, Any]:
    """Start ``clausewright serve --workers <workers>``, measure it, stop it.

    The in-process rate it is compared with is measured in two halves, just before the
    server starts and just after it stops, and the two are pooled: the load runs
    between them, so their mean is the estimate of the machine during the load (on a
    shared machine the halves differ by up to 10 %; keeping the faster one would hold
    the server to the machine's best moment, not the one it ran in). Both halves are
    in the results.

    Returns the results (keys starting with ``_`` hold objects, not JSON).
    Raises:
        RuntimeError: the server did not start, or a request failed.
    """
    load_bodies = _bodies(100_000, int(seconds * MAX_RATE))  # more than can be sent
    single_bodies = _bodies(50_000, latency_requests)
    reference = _bodies(60_000, 80)
    print("- in-process rate of requests of the same kind", file=sys.stderr)
    before = inprocess.inprocess_rate(reference[:40])
    client = "wrk" if wrk.executable() else "http.client"
    print(f"- HTTP: clausewright serve --workers {workers}, load by {client}", file=sys.stderr)
    with http_load.running_server(workers=workers, log=log) as server:
        http_load.throughput(server, _bodies(9_000, 16), clients=workers * 2, seconds=2)
        single = http_load.latency(server, single_bodies)
        if client == "wrk":
            load = wrk.throughput(server, load_bodies, clients=clients, seconds=seconds)
        else:
            load = http_load.throughput(server, load_bodies, clients=clients, seconds=seconds)
        memory = http_load.worker_memory(server)
    after = inprocess.inprocess_rate(reference[40:])
    pooled = Timing(before.samples + after.samples)
    in_process = workers / pooled.mean
    return {
        "workers": workers,
        "latency_one_client": single.as_dict(),
        "throughput": load.as_dict(),
        "load_generator": client,
        "in_process": pooled.as_dict(),
        "in_process_before_and_after_ms": [
            round(before.mean * 1000, 3),
            round(after.mean * 1000, 3),
        ],
        "in_process_requests_per_second_x_workers": round(in_process, 2),
        "share_of_in_process_x_workers": round(load.per_second / in_process, 4),
        "server_cpu_ms_per_request": round(load.cpu.server / load.requests * 1000, 3),
        "memory_by_worker": {str(pid): values for pid, values in memory.items()},
        "peak_mib_per_worker": max(values["peak_mib"] for values in memory.values()),
        "_load": load,
    }


def table(web: dict[str, Any]) -> str:
    """The HTTP results of :func:`run` as a Markdown table."""
    latency, load, workers = web["latency_one_client"], web["_load"], web["workers"]
    cpu = load.cpu
    repeated = "" if load.distinct_bodies >= load.requests else f", {load.distinct_bodies} distinct"
    rows = [
        ["latency, 1 client (http.client; median / p95)",
         f"{latency['median_ms']:.1f} / {latency['p95_ms']:.1f} ms"],
        [f"throughput, {load.clients} clients ({load.client})",
         f"{load.per_second:.1f} req/s ({load.requests} in {load.seconds:.1f} s{repeated})"],
        ["  latency under that load (p50 / p90 / p99)",
         " / ".join(f"{load.latency_ms[key]:.0f}" for key in ("p50", "p90", "p99")) + " ms"],
        ["  CPU of the load generator",
         f"{cpu.client:.2f} s = {cpu.client / cpu.seconds:.3f} cores"],
        ["  CPU of the server (master + workers)",
         f"{cpu.server:.1f} s = {cpu.server / cpu.seconds:.2f} cores, "
         f"{web['server_cpu_ms_per_request']:.1f} ms per request"],
        ["  each worker: connections held, CPU",
         ", ".join(f"{load.connections_by_worker.get(pid, 0)} conn. {seconds:.1f} s"
                   for pid, seconds in cpu.by_process if pid in load.connections_by_worker)],
        ["  CPU of everything else on the machine",
         f"{cpu.others:.1f} s = {cpu.others / cpu.seconds:.2f} cores"
         + (f" (+ {cpu.stolen:.1f} s stolen)" if cpu.stolen >= 0.05 else "")],
        [f"in-process x{workers} (same kind of requests)",
         f"{web['in_process_requests_per_second_x_workers']:.1f} req/s "
         f"({web['in_process']['mean_ms']:.1f} ms per request; before / after the load "
         + " / ".join(f"{value:.1f}" for value in web["in_process_before_and_after_ms"])
         + " ms)"],
        ["peak memory per worker", f"{web['peak_mib_per_worker']:.1f} MiB"],
    ]  # fmt: skip
    return markdown_table([f"HTTP (--workers {workers})", "value"], rows)
