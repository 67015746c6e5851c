"""CPU time from ``/proc``: of given processes, and of the whole machine, so a load run
can say what the client, the workers and everything else on the machine used."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far (0.0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15


def machine_seconds() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of every core since boot, from ``/proc/stat``: busy is
    user + nice + system + irq + softirq; stolen is what the hypervisor gave elsewhere."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


@dataclass(frozen=True, slots=True)
class CpuShare:
    """CPU seconds used during one run of ``seconds`` wall-clock seconds."""

    seconds: float
    client: float
    server: float
    machine_busy: float
    stolen: float
    by_process: tuple[tuple[int, float], ...] = ()  # (pid, CPU seconds) of the server's

    @property
    def others(self) -> float:
        """What neither the client nor the workers used: the benchmark's own process,
        the kernel's share not charged to them, other people's work."""
        return max(0.0, self.machine_busy - self.client - self.server)

    def as_dict(self) -> dict[str, Any]:
        """Seconds, and cores (seconds per wall-clock second), for the JSON results."""
        cores = {
            "client": self.client,
            "server": self.server,
            "others": self.others,
            "stolen": self.stolen,
        }
        return {
            **{f"{name}_cpu_seconds": round(value, 2) for name, value in cores.items()},
            **{f"{name}_cores": round(value / self.seconds, 3) for name, value in cores.items()},
            "server_cpu_seconds_by_pid": {str(pid): round(v, 2) for pid, v in self.by_process},
        }


class CpuMeter:
    """Snapshots CPU time of the server's processes and of the machine around a run."""

    def __init__(self, server_pids: Iterable[int]) -> None:
        self._pids = tuple(server_pids)
        self._server = [process_seconds(pid) for pid in self._pids]
        self._busy, self._stolen = machine_seconds()

    def stop(self, *, seconds: float, client: float) -> CpuShare:
        """The shares since this meter was made; ``client`` is the load generator's CPU
        seconds, measured by the caller (rusage of the child, or its own process time)."""
        busy, stolen = machine_seconds()
        used = [
            (pid, process_seconds(pid) - before)
            for pid, before in zip(self._pids, self._server, strict=True)
        ]
        server = sum(value for _, value in used)
        return CpuShare(
            seconds, client, server, busy - self._busy, stolen - self._stolen, tuple(used)
        )
