"""Targets with their baselines, the printed table (Markdown) and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """One target of issue 6, measured against a baseline of the same run."""

    name: str
    measured: float | None  # None: not measured in this run
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str
    baseline: str

    @property
    def status(self) -> str:
        """PASS, FAIL, or SKIP when the run did not measure it."""
        if self.measured is None:
            return "SKIP"
        passed = self.measured <= self.limit if self.at_most else self.measured >= self.limit
        return "PASS" if passed else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {
            "name": self.name,
            "measured": None if self.measured is None else round(self.measured, 4),
            "limit": ("<= " if self.at_most else ">= ") + f"{self.limit:g}",
            "unit": self.unit,
            "baseline": self.baseline,
            "status": self.status,
        }


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines)


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return f"{seconds * 1000:.1f} ms"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def _uncommitted(
    paths: tuple[str, ...] = ("app", "clause_templates", "pyproject.toml"),
) -> list[str]:
    """Files of the measured code that differ from the commit (the working tree is shared)."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ["unknown"]
    return [line[3:] for line in result.stdout.splitlines()]


def machine() -> dict[str, Any]:
    """Where the figures come from: cores, CPU model, Python, load at the start."""
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _git_commit(),
        "uncommitted_measured_files": _uncommitted(),
    }
