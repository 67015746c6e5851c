"""The HTTP benchmark's in-process reference, run in a process of its own.

Usage: ``python -m benchlib.reference_process BODIES.jsonl`` (from ``scripts/``).

The process is prepared as a server worker is (:func:`app.warmup.warm_up`: caches
filled, start-up objects frozen), then drafts each body of the file (one JSON request
a line) as the API does - validate, draft, render the .docx - one after another, and
prints the wall-clock seconds of each as a JSON list. A fresh process, rather than the
benchmark's own, which by then holds the docxtpl baseline, the growth runs and their
results: a heap that makes every draft slower than in a worker, and the comparison
kind to the server.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app import warmup
from benchlib.drafting import draft_bytes

WARM_UP_DRAFTS = 2  # the first bodies, drafted once untimed


def main(path: Path) -> list[float]:
    """Draft every body of ``path``; the seconds each took."""
    bodies = [line.encode() for line in path.read_text(encoding="utf-8").splitlines() if line]
    warmup.warm_up()
    for body in bodies[:WARM_UP_DRAFTS]:
        draft_bytes(body)
    seconds = []
    for body in bodies:
        start = time.perf_counter()
        draft_bytes(body)
        seconds.append(time.perf_counter() - start)
    return seconds


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
