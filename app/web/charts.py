"""Small inline SVG charts for the preview: the delivery plan over the term, and the
safety stock against the service level.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``
(the desc says in words what the picture shows, for screen readers and print), with
a ``<title>`` on every bar or point for a tooltip. Built with ElementTree, so every
piece of text is escaped; the colours come from the page's CSS classes.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from app.domain.delivery_plan import Delivery
from app.domain.reference import long_date
from app.domain.safety_stock import SafetyStockResult, safety_stock_curve

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 28, 16, 44
SERVICE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
MAX_X_LABELS = 8
_NICE_STEPS = (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10)


@dataclass(frozen=True, slots=True)
class _Frame:
    """The plotting area and the value range of the y axis."""

    y_max: float

    @property
    def plot_width(self) -> float:
        return WIDTH - LEFT - RIGHT

    @property
    def plot_height(self) -> float:
        return HEIGHT - TOP - BOTTOM

    def y(self, value: float) -> float:
        return TOP + self.plot_height * (1 - value / self.y_max)


def nice_ceiling(value: float) -> float:
    """The smallest round number >= ``value`` whose quarters are round too (1, 1.2,
    1.6, 2, 2.4, 3, 4, 5, 6 or 8 times a power of ten; 1 for values <= 0): the top
    of an axis with four divisions."""
    if value <= 0:
        return 1.0
    power = float(10.0 ** math.floor(math.log10(value)))
    for step in _NICE_STEPS:
        if value <= step * power * (1 + 1e-12):
            return float(Decimal(repr(step)) * Decimal(repr(power)))
    return 10 * power  # pragma: no cover - the loop always returns


def _svg(chart_id: str, title: str, desc: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "class": "chart",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "id": chart_id,
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = desc
    return svg


def _y_axis(svg: ET.Element, frame: _Frame, unit: str) -> None:
    axis = ET.SubElement(svg, "g", {"class": "axis", "aria-hidden": "true"})
    for step in range(5):
        value = frame.y_max * step / 4
        y = f"{frame.y(value):.1f}"
        ET.SubElement(axis, "line", {"x1": str(LEFT), "x2": str(WIDTH - RIGHT), "y1": y, "y2": y})
        label = ET.SubElement(axis, "text", {"x": str(LEFT - 6), "y": y, "class": "y-label"})
        label.text = f"{_plain(value)} {unit}" if step else "0"


def _x_label(parent: ET.Element, x: float, text: str) -> None:
    label = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": str(HEIGHT - BOTTOM + 18)})
    label.set("class", "x-label")
    label.text = text


def delivery_plan_chart(
    *, plan: Sequence[Delivery], unit: str, chart_id: str = "delivery-chart"
) -> Markup:
    """A bar per delivery, its height the quantity in ``unit``.

    Returns an empty Markup for an empty plan.
    """
    if not plan:
        return Markup("")
    quantities = [float(delivery.quantity) for delivery in plan]
    total = sum((delivery.quantity for delivery in plan), Decimal(0))
    low, high = _plain(min(quantities)), _plain(max(quantities))
    each = f"each {low} {unit}" if low == high else f"each between {low} and {high} {unit}"
    desc = (
        f"{len(plan)} deliveries over {sum(d.months for d in plan)} months, "
        f"{_plain(total)} {unit} in total; {each}."
    )
    svg = _svg(chart_id, "Delivery plan over the term", desc)
    frame = _Frame(y_max=nice_ceiling(max(quantities)))
    _y_axis(svg, frame, unit)
    slot = frame.plot_width / len(plan)
    every = math.ceil(len(plan) / MAX_X_LABELS)
    bars = ET.SubElement(svg, "g", {"class": "bars"})
    labels = ET.SubElement(svg, "g", {"class": "axis", "aria-hidden": "true"})
    for index, delivery in enumerate(plan):
        x = LEFT + index * slot + slot * 0.15
        y = frame.y(float(delivery.quantity))
        bar = ET.SubElement(
            bars,
            "rect",
            {
                "x": f"{x:.1f}",
                "y": f"{y:.1f}",
                "width": f"{slot * 0.7:.1f}",
                "height": f"{TOP + frame.plot_height - y:.1f}",
            },
        )
        period = (
            f"{long_date(delivery.period_start)} to {long_date(delivery.period_end)}"
            if delivery.period_start and delivery.period_end
            else f"months {delivery.first_month} to {delivery.first_month + delivery.months - 1}"
        )
        ET.SubElement(
            bar, "title"
        ).text = f"Delivery {delivery.number}, {period}: {_plain(delivery.quantity)} {unit}"
        if index % every == 0:
            start = delivery.period_start
            text = f"{start:%b %Y}" if start else f"M{delivery.first_month}"
            _x_label(labels, x + slot * 0.35, text)
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))


def safety_stock_chart(
    *, result: SafetyStockResult, chart_id: str = "safety-stock-chart"
) -> Markup:
    """The safety stock for service levels from 50 % to 99.9 %, with the chosen level
    marked. Returns an empty Markup for a fixed cover (no service level to vary)."""
    if result.method != "computed" or result.service_level is None:
        return Markup("")
    inputs = {name: measure.value for name, measure in result.inputs.items()}
    levels = sorted({*SERVICE_LEVELS, result.service_level})
    curve = safety_stock_curve(
        annual_quantity_kg=inputs["annual_quantity_kg"],
        deliveries_per_year=int(inputs["deliveries_per_year"]),
        demand_cv=float(inputs["demand_cv"]),
        base_lead_time_days=float(inputs["base_lead_time_days"]),
        base_lead_time_sd_days=float(inputs["base_lead_time_sd_days"]),
        licence_delay_days=float(inputs["licence_delay_days"]),
        licence_delay_sd_days=float(inputs["licence_delay_sd_days"]),
        unit=result.unit,
        levels=levels,
    )
    unit = result.unit
    by_level = dict(curve)
    desc = (
        f"At the chosen {_percent(result.service_level)} the safety stock is "
        f"{_plain(result.quantity)} {unit}. "
        + "; ".join(
            f"{_percent(level)}: {_plain(by_level[level])} {unit}" for level in (0.9, 0.99, 0.999)
        )
        + ". Each step closer to 100 % needs more stock than the last."
    )
    svg = _svg(chart_id, "Safety stock against service level", desc)
    frame = _Frame(y_max=nice_ceiling(max(float(quantity) for _, quantity in curve)))
    _y_axis(svg, frame, unit)

    def x(level: float) -> float:
        return LEFT + frame.plot_width * (level - 0.5) / 0.5

    labels = ET.SubElement(svg, "g", {"class": "axis", "aria-hidden": "true"})
    for level in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        _x_label(labels, x(level), _percent(level))
    points = " ".join(f"{x(level):.1f},{frame.y(float(stock)):.1f}" for level, stock in curve)
    ET.SubElement(svg, "polyline", {"class": "curve", "points": points})
    dots = ET.SubElement(svg, "g", {"class": "points"})
    for level, stock in curve:
        chosen = level == result.service_level
        dot = ET.SubElement(
            dots,
            "circle",
            {
                "cx": f"{x(level):.1f}",
                "cy": f"{frame.y(float(stock)):.1f}",
                "r": "6" if chosen else "3",
                "class": "chosen" if chosen else "point",
            },
        )
        ET.SubElement(
            dot, "title"
        ).text = f"{_percent(level)}{' (chosen)' if chosen else ''}: {_plain(stock)} {unit}"
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))


def _plain(value: float | Decimal) -> str:
    """A quantity without trailing zeros or exponent: ``2.50`` -> ``2.5``."""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    text = f"{number.normalize():f}"
    return text


def _percent(level: float) -> str:
    return f"{_plain(Decimal(repr(level)) * 100)} %"
