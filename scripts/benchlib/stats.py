"""Small statistics for the benchmark: timers, percentiles, a least-squares line."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) by linear interpolation between order statistics."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds of repeated runs of one thing."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median run, seconds."""
        return statistics.median(self.samples)

    @property
    def mean(self) -> float:
        """The mean run, seconds."""
        return statistics.fmean(self.samples)

    @property
    def p95(self) -> float:
        """The 95th percentile, seconds."""
        return percentile(self.samples, 0.95)

    def as_dict(self) -> dict[str, float | int]:
        """Milliseconds, for the JSON results."""
        return {
            "runs": len(self.samples),
            "median_ms": round(self.median * 1000, 3),
            "mean_ms": round(self.mean * 1000, 3),
            "p95_ms": round(self.p95 * 1000, 3),
        }


def time_calls(calls: Sequence[Callable[[], object]], *, warmup: int = 2) -> Timing:
    """Run each of ``calls`` once, timed, after running the first ``warmup`` of them."""
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


@dataclass(frozen=True, slots=True)
class LineFit:
    """``y = intercept + slope * x`` by least squares, with its coefficient of
    determination and how much steeper the upper half of the range is than the lower."""

    slope: float
    intercept: float
    r_squared: float
    upper_to_lower_slope: float

    def as_dict(self) -> dict[str, float]:
        """The fit, rounded, for the JSON results."""
        return {
            "slope": round(self.slope, 9),
            "intercept": round(self.intercept, 6),
            "r_squared": round(self.r_squared, 5),
            "upper_to_lower_slope": round(self.upper_to_lower_slope, 3),
        }


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of ``ys`` against ``xs`` (at least two distinct x)."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> LineFit:
    """Least-squares line through the points (at least four, two distinct x in each half).

    ``upper_to_lower_slope`` compares the slope fitted to the upper half of the points
    (by x) with that of the lower half: about 1 for a straight line, well above 1 when
    the cost per unit grows with size (a quadratic hides behind a high R² on a short
    range; this ratio does not).
    """
    if len(xs) != len(ys) or len(xs) < 4:
        raise ValueError("need at least four points")
    fitted = slope(xs, ys)
    intercept = statistics.fmean(ys) - fitted * statistics.fmean(xs)
    mean_y = statistics.fmean(ys)
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - intercept - fitted * x) ** 2 for x, y in zip(xs, ys, strict=True))
    r_squared = 1 - residual / total if total else 1.0
    points = sorted(zip(xs, ys, strict=True))
    half = (len(points) + 1) // 2
    lower, upper = points[:half], points[len(points) - half :]
    lower_slope = slope([x for x, _ in lower], [y for _, y in lower])
    upper_slope = slope([x for x, _ in upper], [y for _, y in upper])
    ratio = upper_slope / lower_slope if lower_slope > 0 else math.inf
    return LineFit(fitted, intercept, r_squared, ratio)
