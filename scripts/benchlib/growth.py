"""How drafting time grows with the delivery plan and with the batch size, and
whether a batch streams (its peak memory does not grow with the number of documents)."""

from __future__ import annotations

import gc
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
from benchlib.stats import LineFit, fit_line, slope

try:  # the streaming batch of app/batch.py, when this checkout has it
    from app.batch import iter_batch_zip
except ImportError:  # pragma: no cover - older checkouts
    iter_batch_zip = None  # type: ignore[assignment]

STREAMING_BATCH = iter_batch_zip is not None


@dataclass(frozen=True, slots=True)
class Growth:
    """Median seconds at each size, and the line through them."""

    sizes: tuple[int, ...]
    seconds: tuple[float, ...]
    fit: LineFit

    def as_dict(self, unit: str) -> dict[str, Any]:
        """For the JSON results; ``unit`` names what a size counts."""
        return {
            "unit": unit,
            "points": [
                {unit: size, "median_ms": round(value * 1000, 3)}
                for size, value in zip(self.sizes, self.seconds, strict=True)
            ],
            "fit": self.fit.as_dict(),
            "ms_per_" + unit.rstrip("s"): round(self.fit.slope * 1000, 4),
        }


def _rounds(sizes: Sequence[int], rounds: int) -> Iterator[tuple[int, int]]:
    """(round, size index) pairs, going up the sizes and back down in turn, so that
    load from elsewhere that comes and goes falls on every size alike."""
    order = list(range(len(sizes)))
    for round_index in range(rounds):
        for index in order if round_index % 2 == 0 else reversed(order):
            yield round_index, index


def plan_length(data: dict[str, Any], *, rows: Sequence[int], repeats: int, first: int) -> Growth:
    """Draft ``data`` with monthly deliveries over ``rows`` months: ``repeats`` rounds
    over every length, a different request each time; the median per length."""
    samples: list[list[float]] = [[] for _ in rows]
    for round_index, index in _rounds(rows, repeats):
        request = with_plan_rows(
            variant(data, first + round_index * len(rows) + index), rows[index]
        )
        gc.collect()
        start = time.perf_counter()
        render_docx(service.draft(request=request).assembly.document)
        samples[index].append(time.perf_counter() - start)
    medians = [statistics.median(values) for values in samples]
    return Growth(tuple(rows), tuple(medians), fit_line(rows, medians))


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
    return Growth(tuple(sizes), tuple(best), fit_line(sizes, best)), archive_bytes


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
