"""Throughput under concurrent load driven by ``wrk``, a native HTTP load generator.

On a two-core machine the client shares the cores with the workers it measures, so it
must be light: wrk is one event-loop thread in C (``-t1``) holding ``clients`` keep-alive
connections, each sending the next request as soon as its answer is in. A Lua script,
written to a temporary folder, POSTs a rotation of pre-made distinct JSON bodies (one a
line in a file next to it). wrk's CPU time is read from its rusage when it exits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchlib import connections
from benchlib.cpu import CpuMeter
from benchlib.http_load import DOCX_PATH, Server, Throughput, worker_pids

_SCRIPT = """-- the request rotation of scripts/benchlib/wrk.py
local bodies = {}
for line in io.lines(BODIES) do bodies[#bodies + 1] = line end
local turn = 0
local headers = {["Content-Type"] = "application/json", ["Accept"] = "*/*"}

request = function()
  turn = turn % #bodies + 1
  return wrk.format("POST", PATH, headers, bodies[turn])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT %d %d %d %d %d %d %d %d %d %d %d %d %.1f\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""
_RESULT_FIELDS = (
    "requests", "duration_us", "bytes", "connect", "read", "write", "status", "timeout",
    "p50_us", "p90_us", "p99_us", "max_us", "mean_us",
)  # fmt: skip


def executable() -> str | None:
    """The path of ``wrk``, or None when it is not installed."""
    return shutil.which("wrk")


def version() -> str:
    """wrk's version line, e.g. ``wrk debian/4.1.0-3+b2 [epoll]``."""
    wrk = executable()
    if wrk is None:
        return "wrk (absent)"
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (result.stdout or result.stderr).splitlines()[0]
    return first.partition(" Copyright")[0].strip()


def _summary(output: str) -> dict[str, float]:
    """The numbers the script's ``done`` printed, checked against wrk's own report.

    Raises:
        RuntimeError: no result line, an answer that was not 2xx/3xx, or a socket error.
    """
    line = next((x for x in output.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    values = dict(zip(_RESULT_FIELDS, map(float, line.split()[1:]), strict=True))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx is not None or values["status"]:
        raise RuntimeError(f"wrk got answers that were not 2xx or 3xx:\n{output}")
    errors = {key: values[key] for key in ("connect", "read", "write", "timeout")}
    if any(errors.values()):
        raise RuntimeError(f"wrk had socket errors {errors}:\n{output}")
    per_second = re.search(r"Requests/sec:\s+([\d.]+)", output)
    values["wrk_requests_per_second"] = float(per_second.group(1)) if per_second else 0.0
    return values


def throughput(
    server: Server, bodies: Sequence[bytes], *, clients: int, seconds: float
) -> Throughput:
    """``wrk -t1 -c<clients> -d<seconds>s --latency`` against the server, POSTing
    ``bodies`` in turn (from the first again if it gets through them all).

    Raises:
        RuntimeError: wrk is missing or failed, or an answer was not 2xx/3xx.
    """
    wrk = executable()
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="clausewright-wrk-") as temporary:
        folder = Path(temporary)
        (folder / "bodies.jsonl").write_bytes(b"".join(body + b"\n" for body in bodies))
        script = folder / "rotate.lua"
        script.write_text(
            f"local BODIES = {json.dumps(str(folder / 'bodies.jsonl'))}\n"
            f"local PATH = {json.dumps(DOCX_PATH)}\n" + _SCRIPT
        )
        command = [wrk, "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "30s"]
        command += ["--latency", "-s", str(script), f"http://127.0.0.1:{server.port}"]
        output_path = folder / "wrk.out"
        workers = worker_pids(server)
        meter = CpuMeter([server.process.pid, *workers])
        start = time.perf_counter()
        with output_path.open("wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        time.sleep(min(1.0, seconds / 4))
        spread = connections.per_process(workers, port=server.port)
        _, status, usage = os.wait4(process.pid, 0)  # rusage: the client's own CPU time
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        output = output_path.read_text(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output}")
    values = _summary(output)
    cpu = meter.stop(seconds=elapsed, client=usage.ru_utime + usage.ru_stime)
    requests = int(values["requests"])
    return Throughput(
        client=f"{version()}, -t1 -c{clients}",
        clients=clients,
        requests=requests,
        seconds=values["duration_us"] / 1e6,
        latency_ms={
            "p50": values["p50_us"] / 1000,
            "p90": values["p90_us"] / 1000,
            "p99": values["p99_us"] / 1000,
            "max": values["max_us"] / 1000,
            "mean": values["mean_us"] / 1000,
        },
        cpu=cpu,
        distinct_bodies=min(requests, len(bodies)),
        mean_response_bytes=values["bytes"] / max(requests, 1),
        reported_per_second=values["wrk_requests_per_second"],
        connections_by_worker=spread,
    )
