"""The HTTP benchmark's in-process reference: a long-lived process of its own.

Usage: ``python -m benchlib.reference_process WARM_UP.jsonl`` (from ``scripts/``), then
one path a line on standard input, each of a file of bodies (one JSON request a line);
for each, one line on standard output: the wall-clock seconds of each draft, as a JSON
list. End of input ends the process.

The process is prepared as a server worker is (:func:`app.warmup.warm_up`: caches
filled, start-up objects frozen), then drafts the warm-up bodies untimed, as the API
drafts - validate, draft, render the .docx - so that its caches are as full as a busy
worker's: a process that has drafted a few hundred different agreements drafts 5 to
10 % slower than a fresh one (bigger caches, a bigger heap for the collector), and a
worker in service is in that state. A process of its own, rather than the benchmark's,
which by then holds the docxtpl baseline and the growth runs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app import warmup
from benchlib.drafting import draft_bytes


def _bodies(path: Path) -> list[bytes]:
    return [line.encode() for line in path.read_text(encoding="utf-8").splitlines() if line]


def timed(bodies: list[bytes]) -> list[float]:
    """Draft every body; the seconds each took."""
    seconds = []
    for body in bodies:
        start = time.perf_counter()
        draft_bytes(body)
        seconds.append(time.perf_counter() - start)
    return seconds


def main(warm_up_path: Path) -> None:
    """Warm up, then answer each path read from standard input with its timings."""
    warmup.warm_up()
    for body in _bodies(warm_up_path):
        draft_bytes(body)
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(timed(_bodies(Path(line.strip())))), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
