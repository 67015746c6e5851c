"""Which process holds the established TCP connections to a port, from ``/proc``.

With several workers on one listening socket, the kernel hands a new connection to
whichever worker accepts first; the benchmark shows how its clients' keep-alive
connections ended up spread over the workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_ESTABLISHED = "01"


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of established connections whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rpartition(":")[2], 16)
            if local_port == port and fields[3] == _ESTABLISHED:
                inodes.add(fields[9])
    return inodes


def per_process(pids: Iterable[int], *, port: int) -> dict[int, int]:
    """How many established connections on local ``port`` each of ``pids`` holds open."""
    inodes = _established_inodes(port)
    counts = {}
    for pid in pids:
        held = 0
        try:
            for descriptor in Path(f"/proc/{pid}/fd").iterdir():
                target = descriptor.readlink().name if descriptor.is_symlink() else ""
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    held += 1
        except OSError:
            pass  # the process is gone, or its descriptors moved while listed
        counts[pid] = held
    return counts
