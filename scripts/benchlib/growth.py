"""How drafting time grows with the delivery plan and with the batch size, and
whether a batch streams (its peak memory does not grow with the number of documents)."""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import service
from app.domain.request import ContractRequest
from app.render.docx_writer import render_docx
from benchlib.requests import variant, with_plan_rows
from benchlib.stats import LineFit, fit_line, percentile, slope

try:  # the streaming batch of app/batch.py, when this checkout has it
    from app.batch import iter_batch_zip
except ImportError:  # pragma: no cover - older checkouts
    iter_batch_zip = None  # type: ignore[assignment]

STREAMING_BATCH = iter_batch_zip is not None


@dataclass(frozen=True, slots=True)
class Growth:
    """Seconds at each size (median or fastest of the rounds), and the line through them."""

    sizes: tuple[int, ...]
    seconds: tuple[float, ...]
    fit: LineFit
    spread: tuple[tuple[float, float], ...] = ()  # (25th, 75th percentile) per size
    cpu_seconds: tuple[float, ...] = ()  # median process CPU time per size
    rounds: int = 0
    statistic: str = "median"  # of the rounds, per size: "median" or "fastest"

    @property
    def cpu_fit(self) -> LineFit | None:
        """The line through the CPU times, when they were measured."""
        return fit_line(self.sizes, self.cpu_seconds) if self.cpu_seconds else None

    def as_dict(self, unit: str) -> dict[str, Any]:
        """For the JSON results; ``unit`` names what a size counts."""
        points: list[dict[str, Any]] = [
            {unit: size, f"{self.statistic}_ms": round(value * 1000, 3)}
            for size, value in zip(self.sizes, self.seconds, strict=True)
        ]
        for point, (low, high) in zip(points, self.spread, strict=False):
            point["p25_ms"], point["p75_ms"] = round(low * 1000, 3), round(high * 1000, 3)
        for point, cpu in zip(points, self.cpu_seconds, strict=False):
            point["cpu_ms"] = round(cpu * 1000, 3)
        cpu_fit = self.cpu_fit
        return {
            "unit": unit,
            "rounds": self.rounds,
            "points": points,
            "fit": self.fit.as_dict(),
            "ms_per_" + unit.rstrip("s"): round(self.fit.slope * 1000, 4),
            **({"cpu_time_fit": cpu_fit.as_dict()} if cpu_fit is not None else {}),
        }


def _rounds(sizes: Sequence[int], rounds: int) -> Iterator[tuple[int, int]]:
    """(round, size index) pairs, going up the sizes and back down in turn, so that
    load from elsewhere that comes and goes falls on every size alike."""
    order = list(range(len(sizes)))
    for round_index in range(rounds):
        for index in order if round_index % 2 == 0 else reversed(order):
            yield round_index, index


def _shuffled_rounds(count: int, rounds: int, seed: int) -> Iterator[tuple[int, int]]:
    """(round, index) pairs: every round visits all ``count`` indexes, each round in a
    fresh order (seeded, so runs repeat), so that a burst of load from elsewhere is as
    likely to fall on any size, and what one draft leaves behind on any next one."""
    shuffle = random.Random(seed).shuffle
    for round_index in range(rounds):
        order = list(range(count))
        shuffle(order)
        for index in order:
            yield round_index, index


def plan_length(data: dict[str, Any], *, rows: Sequence[int], rounds: int, first: int) -> Growth:
    """Draft ``data`` with monthly deliveries over ``rows`` months: ``rounds`` rounds
    over every length, each in a shuffled order, a different request each time, a
    garbage collection before each timed draft; the median per length (wall clock,
    and process CPU time apart)."""
    samples: list[list[float]] = [[] for _ in rows]
    cpu: list[list[float]] = [[] for _ in rows]
    for round_index, index in _shuffled_rounds(len(rows), rounds, seed=first):
        request = with_plan_rows(
            variant(data, first + round_index * len(rows) + index), rows[index]
        )
        gc.collect()
        cpu_start, start = time.process_time(), time.perf_counter()
        render_docx(service.draft(request=request).assembly.document)
        samples[index].append(time.perf_counter() - start)
        cpu[index].append(time.process_time() - cpu_start)
    medians = [statistics.median(values) for values in samples]
    return Growth(
        sizes=tuple(rows),
        seconds=tuple(medians),
        fit=fit_line(rows, medians),
        spread=tuple((percentile(v, 0.25), percentile(v, 0.75)) for v in samples),
        cpu_seconds=tuple(statistics.median(values) for values in cpu),
        rounds=rounds,
    )


def _loop_batch(requests: Sequence[ContractRequest]) -> Iterator[bytes]:
    """Fallback without app.batch: draft in a loop, each .docx written as it is made."""
    for index, request in enumerate(requests):
        yield f"{index:03d}.docx".encode()
        yield render_docx(service.draft(request=request).assembly.document)


def write_batch(requests: Sequence[ContractRequest], path: Path) -> int:
    """Draft ``requests`` as one zip on disk, streamed; the zip's size in bytes."""
    if iter_batch_zip is not None:
        with path.open("wb") as sink:
            for chunk in iter_batch_zip(requests):
                sink.write(chunk)
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            chunks = _loop_batch(requests)
            for name in chunks:
                archive.writestr(name.decode(), next(chunks))
    return path.stat().st_size


def _requests(data: dict[str, Any], count: int, first: int) -> list[ContractRequest]:
    return [service.parse_request(variant(data, first + index)) for index in range(count)]


def batch_size(
    data: dict[str, Any], *, sizes: Sequence[int], directory: Path, first: int, rounds: int = 2
) -> tuple[Growth, list[int]]:
    """Time batches of ``sizes`` different requests written to disk, ``rounds`` times
    over the sizes (up, then down); the fastest time per size, and the zip sizes."""
    best = [float("inf")] * len(sizes)
    archive_bytes = [0] * len(sizes)
    for round_index, index in _rounds(sizes, rounds):
        size = sizes[index]
        requests = _requests(data, size, first + (round_index * len(sizes) + index) * 1000)
        gc.collect()
        start = time.perf_counter()
        archive_bytes[index] = write_batch(requests, directory / f"batch-{size}.zip")
        best[index] = min(best[index], time.perf_counter() - start)
    growth = Growth(
        tuple(sizes), tuple(best), fit_line(sizes, best), rounds=rounds, statistic="fastest"
    )
    return growth, archive_bytes


@dataclass(frozen=True, slots=True)
class BatchMemory:
    """Memory of streamed batches of several sizes (tracemalloc, Python allocations).

    ``transient`` is the peak during the batch minus what is still held once it has
    returned: what the batch itself held at its height (documents in flight, the
    manifest). What is still held afterwards is kept by the process's bounded caches
    and is reported apart as ``retained``.
    """

    sizes: tuple[int, ...]
    peak_bytes: tuple[int, ...]
    retained_bytes: tuple[int, ...]
    docx_bytes: float  # the mean size of one document in these batches

    @property
    def transient_bytes(self) -> tuple[int, ...]:
        """Peak minus retained, per batch."""
        return tuple(p - r for p, r in zip(self.peak_bytes, self.retained_bytes, strict=True))

    @property
    def growth_per_document(self) -> float:
        """Bytes of transient peak each further document adds (least-squares slope)."""
        return slope(self.sizes, self.transient_bytes)

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {
            "method": "tracemalloc: peak during the batch minus what is held after it",
            "points": [
                {
                    "documents": size,
                    "transient_peak_mib": round(transient / 2**20, 3),
                    "retained_by_caches_mib": round(retained / 2**20, 3),
                }
                for size, transient, retained in zip(
                    self.sizes, self.transient_bytes, self.retained_bytes, strict=True
                )
            ],
            "growth_bytes_per_document": round(self.growth_per_document),
            "mean_docx_bytes": round(self.docx_bytes),
        }


def batch_memory(
    data: dict[str, Any], *, sizes: Sequence[int], directory: Path, first: int
) -> BatchMemory:
    """Peak and retained memory of streamed batches of ``sizes`` different requests."""
    peaks: list[int] = []
    retained: list[int] = []
    sizes_on_disk: list[int] = []
    for index, size in enumerate(sizes):
        requests = _requests(data, size, first + index * 1000)
        archive = directory / f"memory-{size}.zip"
        gc.collect()
        tracemalloc.start()
        try:
            write_batch(requests, archive)
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(peak)
        retained.append(current)
        with zipfile.ZipFile(archive) as opened:
            sizes_on_disk.extend(
                info.file_size for info in opened.infolist() if info.filename.endswith(".docx")
            )
    return BatchMemory(tuple(sizes), tuple(peaks), tuple(retained), statistics.fmean(sizes_on_disk))
