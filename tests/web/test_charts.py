"""The preview's inline SVG charts: what they draw, and how they describe themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from app.domain.delivery_plan import delivery_plan
from app.domain.request import Frequency
from app.domain.safety_stock import compute_safety_stock, fixed_cover
from app.web.charts import delivery_plan_chart, nice_ceiling, safety_stock_chart


def _svg(markup: str) -> Any:
    return etree.fromstring(markup)


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (3.0, 3.0),
        (3.1, 4.0),
        (0.7, 0.8),
        (9.1, 10.0),
        (120, 120.0),
        (0.02, 0.02),
        (1001, 1200.0),
        (0, 1.0),
        (-5, 1.0),
    ],
)
def test_axes_end_on_a_round_number(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_the_delivery_plan_has_a_bar_per_delivery_in_proportion() -> None:
    plan = delivery_plan(
        start=date(2027, 1, 1),
        months=14,
        frequency=Frequency.QUARTERLY,
        annual_quantity=Decimal(12),
    )
    svg = _svg(delivery_plan_chart(plan=plan, unit="t"))
    bars = svg.findall("./g[@class='bars']/rect")
    assert len(bars) == len(plan) == 5
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[-1] / heights[0] == pytest.approx(
        float(plan[-1].quantity / plan[0].quantity), rel=0.01
    )
    assert bars[0].findtext("title") == "Delivery 1, 1 January 2027 to 31 March 2027: 3 t"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "delivery-chart-title delivery-chart-desc"
    assert svg.find("title").get("id") == "delivery-chart-title"
    assert svg.findtext("desc") == (
        "5 deliveries over 14 months, 14 t in total; each between 2 and 3 t."
    )
    labels = [text.text for text in svg.iter("text") if text.get("class") == "x-label"]
    assert labels[:2] == ["Jan 2027", "Apr 2027"]


def test_a_plan_without_dates_counts_months_and_thins_its_labels() -> None:
    plan = delivery_plan(
        start=None, months=48, frequency=Frequency.MONTHLY, annual_quantity=Decimal(600)
    )
    svg = _svg(delivery_plan_chart(plan=plan, unit="kg"))
    labels = [text.text for text in svg.iter("text") if text.get("class") == "x-label"]
    assert labels[:2] == ["M1", "M7"]
    assert len(labels) == 8
    assert "each 50 kg" in svg.findtext("desc")


def test_an_empty_plan_draws_nothing() -> None:
    assert delivery_plan_chart(plan=[], unit="t") == ""


def test_the_safety_stock_curve_rises_and_marks_the_chosen_level() -> None:
    result = compute_safety_stock(
        annual_quantity_kg=Decimal(12000),
        deliveries_per_year=4,
        demand_cv=0.2,
        base_lead_time_days=45,
        base_lead_time_sd_days=7,
        licence_delay_days=53,
        licence_delay_sd_days=16,
        service_level=0.97,
        unit="t",
    )
    svg = _svg(safety_stock_chart(result=result))
    points = svg.findall("./g[@class='points']/circle")
    heights = [float(point.get("cy")) for point in points]
    assert heights == sorted(heights, reverse=True), "more service needs more stock"
    (chosen,) = [point for point in points if point.get("class") == "chosen"]
    assert chosen.findtext("title") == f"97 % (chosen): {result.quantity.normalize():f} t"
    assert svg.findtext("title") == "Safety stock against service level"
    assert svg.findtext("desc").startswith(
        f"At the chosen 97 % the safety stock is {result.quantity.normalize():f} t."
    )


def test_a_fixed_cover_has_no_curve() -> None:
    result = fixed_cover(annual_quantity_kg=Decimal(12000), cover_months=Decimal(3), unit="t")
    assert safety_stock_chart(result=result) == ""
