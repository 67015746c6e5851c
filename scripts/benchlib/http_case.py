"""The HTTP part of the benchmark: latency with one client, throughput with several
(wrk when installed, else http.client threads), worker memory, and the in-process rate
of requests of the same kind it is compared with."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchlib import http_load, inprocess, requests, wrk
from benchlib.cpu import CpuShare
from benchlib.http_load import Throughput
from benchlib.report import table as markdown_table
from benchlib.stats import Timing

MAX_RATE = 300  # distinct bodies are made for up to this many requests per second


def _bodies(first: int, count: int) -> list[bytes]:
    spec = requests.spec_example()
    return [json.dumps(requests.variant(spec, first + i)).encode() for i in range(count)]


SLICES = 4  # the load runs in this many slices, with the in-process reference around each
REFERENCE_PER_TURN = 24  # in-process requests per turn of the reference
STEADY_STATE_DRAFTS = 600  # after about this many different drafts a process's caches are full


def combined(slices: Sequence[Throughput]) -> Throughput:
    """The slices of one load as one run: requests, seconds and CPU added up; latency
    percentiles the highest any slice had (the mean weighted by requests); the
    connections each worker held in the first slice."""
    first = slices[0]
    requests = sum(part.requests for part in slices)
    latency = {
        key: max(part.latency_ms[key] for part in slices) for key in ("p50", "p90", "p99", "max")
    }
    latency["mean"] = sum(part.latency_ms["mean"] * part.requests for part in slices) / requests
    by_process: dict[int, float] = {}
    for part in slices:
        for pid, used in part.cpu.by_process:
            by_process[pid] = by_process.get(pid, 0.0) + used
    cpu = CpuShare(
        seconds=sum(part.cpu.seconds for part in slices),
        client=sum(part.cpu.client for part in slices),
        server=sum(part.cpu.server for part in slices),
        machine_busy=sum(part.cpu.machine_busy for part in slices),
        stolen=sum(part.cpu.stolen for part in slices),
        by_process=tuple(by_process.items()),
    )
    return replace(
        first,
        requests=requests,
        seconds=sum(part.seconds for part in slices),
        latency_ms=latency,
        cpu=cpu,
        distinct_bodies=sum(part.distinct_bodies for part in slices),
        mean_response_bytes=sum(p.mean_response_bytes * p.requests for p in slices) / requests,
        reported_per_second=requests / sum(part.seconds for part in slices),
    )


def run(
    *,
    log: Path,
    workers: int,
    clients: int,
    seconds: float,
    latency_requests: int,
    steady_seconds: float = 10,
) -> dict[str, Any]:
    """Start ``clausewright serve --workers <workers>``, measure it, stop it.

    Both sides are brought to the state of a worker in service first: the server's
    workers and the reference process (:class:`benchlib.inprocess.ReferenceProcess`,
    prepared as a worker is) each draft about :data:`STEADY_STATE_DRAFTS` different
    agreements, after which their caches are full and drafting no longer slows. The
    throughput load then runs in :data:`SLICES` slices of ``seconds / SLICES``, and the
    reference (requests of the same kind, drafted one after another) runs before the
    first slice, between the slices and after the last, while the server idles. The
    two thus sample the same stretch of time: on a shared machine the speed of
    drafting drifts by 10 % and more within a minute, and a reference taken only
    before and after the load compared the server with other moments than the one it
    ran in. Each turn of the reference is in the results.

    Returns the results (keys starting with ``_`` hold objects, not JSON).
    Raises:
        RuntimeError: the server did not start, or a request failed.
    """
    slice_seconds = seconds / SLICES
    turns = [
        _bodies(60_000 + turn * REFERENCE_PER_TURN, REFERENCE_PER_TURN)
        for turn in range(SLICES + 1)
    ]
    client = "wrk" if wrk.executable() else "http.client"
    print(f"- HTTP: clausewright serve --workers {workers}, load by {client}", file=sys.stderr)
    reference: list[Timing] = []
    slices: list[Throughput] = []
    print(f"- in-process reference: {STEADY_STATE_DRAFTS} drafts to fill its caches",
          file=sys.stderr)  # fmt: skip
    with (
        inprocess.ReferenceProcess(_bodies(30_000, STEADY_STATE_DRAFTS), log.parent) as rate,
        http_load.running_server(workers=workers, log=log) as server,
    ):
        steady = _bodies(9_000, STEADY_STATE_DRAFTS * workers)
        http_load.throughput(server, steady, clients=workers * 2, seconds=steady_seconds)
        single = http_load.latency(server, _bodies(50_000, latency_requests))
        for turn in range(SLICES + 1):
            reference.append(rate.rate(turns[turn]))
            if turn == SLICES:
                break
            load_bodies = _bodies(100_000 + turn * 20_000, int(slice_seconds * MAX_RATE))
            if client == "wrk":
                part = wrk.throughput(server, load_bodies, clients=clients, seconds=slice_seconds)
            else:
                part = http_load.throughput(
                    server, load_bodies, clients=clients, seconds=slice_seconds
                )
            slices.append(part)
        memory = http_load.worker_memory(server)
    load = combined(slices)
    pooled = Timing(tuple(sample for timing in reference for sample in timing.samples))
    in_process = workers / pooled.mean
    return {
        "workers": workers,
        "latency_one_client": single.as_dict(),
        "throughput": load.as_dict(),
        "throughput_slices": [part.as_dict() for part in slices],
        "load_generator": client,
        "in_process": pooled.as_dict(),
        "in_process_turns_ms": [round(timing.mean * 1000, 3) for timing in reference],
        "in_process_requests_per_second_x_workers": round(in_process, 2),
        "share_of_in_process_x_workers": round(load.per_second / in_process, 4),
        "server_cpu_ms_per_request": round(load.cpu.server / load.requests * 1000, 3),
        "memory_by_worker": {str(pid): values for pid, values in memory.items()},
        "peak_mib_per_worker": max(values["peak_mib"] for values in memory.values()),
        "_load": load,
        "_slices": slices,
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
         f"{load.per_second:.1f} req/s ({load.requests} in {load.seconds:.1f} s{repeated}; "
         + " / ".join(f"{part.per_second:.0f}" for part in web["_slices"])
         + " req/s by slice)"],
        ["  latency under that load (p50 / p90 / p99; the slowest slice's)",
         " / ".join(f"{load.latency_ms[key]:.0f}" for key in ("p50", "p90", "p99")) + " ms"],
        ["  CPU of the load generator",
         f"{cpu.client:.2f} s = {cpu.client / cpu.seconds:.3f} cores"],
        ["  CPU of the server (master + workers)",
         f"{cpu.server:.1f} s = {cpu.server / cpu.seconds:.2f} cores, "
         f"{web['server_cpu_ms_per_request']:.1f} ms per request"],
        ["  each worker: connections held a second into each slice, CPU",
         ", ".join(
             "+".join(str(part.connections_by_worker.get(pid, 0)) for part in web["_slices"])
             + f" conn. {seconds:.1f} s"
             for pid, seconds in cpu.by_process
             if any(pid in part.connections_by_worker for part in web["_slices"]))],
        ["  CPU of everything else on the machine",
         f"{cpu.others:.1f} s = {cpu.others / cpu.seconds:.2f} cores"
         + (f" (+ {cpu.stolen:.1f} s stolen)" if cpu.stolen >= 0.05 else "")],
        [f"in-process x{workers} (same kind of requests)",
         f"{web['in_process_requests_per_second_x_workers']:.1f} req/s "
         f"({web['in_process']['mean_ms']:.1f} ms per request; around the slices "
         + " / ".join(f"{value:.1f}" for value in web["in_process_turns_ms"])
         + " ms)"],
        ["peak memory per worker", f"{web['peak_mib_per_worker']:.1f} MiB"],
    ]  # fmt: skip
    return markdown_table([f"HTTP (--workers {workers})", "value"], rows)
