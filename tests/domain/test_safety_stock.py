"""Safety-stock maths against hand-computed values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from app.domain.safety_stock import compute_safety_stock, fixed_cover, safety_stock_curve

# DOMAIN.md: z by cycle service level.
Z_TABLE = [
    (0.90, 1.282),
    (0.95, 1.645),
    (0.97, 1.881),
    (0.98, 2.054),
    (0.99, 2.326),
    (0.995, 2.576),
    (0.999, 3.090),
]
Z_95 = 1.6448536  # inverse standard normal of 0.95, from tables


def inputs(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "annual_quantity_kg": Decimal(36500),  # d = 100 kg/day
        "deliveries_per_year": 365,  # one delivery a day: sigma_d = cv * d
        "demand_cv": 0.1,  # sigma_d = 10 kg/day
        "base_lead_time_days": 16.0,
        "base_lead_time_sd_days": 3.0,
        "licence_delay_days": 0.0,
        "licence_delay_sd_days": 4.0,  # sigma_L = sqrt(9 + 16) = 5 days
        "service_level": 0.95,
        "unit": "kg",
    }
    return base | changes


@pytest.mark.parametrize(("level", "z"), Z_TABLE)
def test_z_matches_the_domain_table(level: float, z: float) -> None:
    result = compute_safety_stock(**inputs(service_level=level))
    assert result.z is not None
    assert round(result.z, 3) == z


@pytest.mark.parametrize(
    ("changes", "quantity", "unit", "quantity_kg", "months"),
    [
        # d = 100, sigma_d = 10, L = 16, sigma_L = 5:
        # z * sqrt(16 * 10^2 + 100^2 * 5^2) = 1.6448536 * sqrt(251600)
        # = 1.6448536 * 501.59745 = 825.054 kg -> 826 kg; 826 / 3041.67 = 0.27 months
        ({}, "826", "kg", "826", "0.3"),
        # the same in tonnes: 0.825 t -> 0.9 t (up, not to nearest)
        ({"unit": "t"}, "0.9", "t", "900", "0.3"),
        # 73 deliveries: P = 5 days, sigma_d = 0.1 * 100 * sqrt(5) = 22.3607, sigma_d^2 = 500;
        # L = 10, sigma_L = 0: z * sqrt(10 * 500) = 1.6448536 * 70.71068 = 116.309 -> 117 kg
        (
            {
                "deliveries_per_year": 73,
                "base_lead_time_days": 10.0,
                "base_lead_time_sd_days": 0.0,
                "licence_delay_sd_days": 0.0,
            },
            "117",
            "kg",
            "117",
            "0.0",
        ),
        # 12 t a year, monthly deliveries, cv 0.2, lead 30 +/- 5 days, licence 46 +/- 20:
        # d = 32.876712, P = 30.416667, sqrt(P) = 5.515131, sigma_d = 36.263873,
        # sigma_d^2 = 1315.0685, L = 76 -> L * sigma_d^2 = 99945.21;
        # d^2 = 1080.8782, sigma_L^2 = 25 + 400 = 425 -> d^2 * sigma_L^2 = 459373.24;
        # sqrt(559318.45) = 747.87596; * 1.6448536 = 1230.146 kg -> 1.3 t; 1300 / 1000 = 1.3
        (
            {
                "annual_quantity_kg": Decimal(12000),
                "deliveries_per_year": 12,
                "demand_cv": 0.2,
                "base_lead_time_days": 30.0,
                "base_lead_time_sd_days": 5.0,
                "licence_delay_days": 46.0,
                "licence_delay_sd_days": 20.0,
                "unit": "t",
            },
            "1.3",
            "t",
            "1300",
            "1.3",
        ),
        # no variability at all: no safety stock
        (
            {"demand_cv": 0.0, "base_lead_time_sd_days": 0.0, "licence_delay_sd_days": 0.0},
            "0",
            "kg",
            "0",
            "0.0",
        ),
    ],
)
def test_hand_computed_values(
    changes: dict[str, Any], quantity: str, unit: str, quantity_kg: str, months: str
) -> None:
    result = compute_safety_stock(**inputs(**changes))
    assert result.method == "computed"
    assert (result.quantity, result.unit) == (Decimal(quantity), unit)
    assert result.quantity_kg == Decimal(quantity_kg)
    assert result.months_of_cover == Decimal(months)
    assert result.service_level == inputs(**changes)["service_level"]


def test_unrounded_figure_and_steps_are_shown() -> None:
    result = compute_safety_stock(**inputs())
    steps = dict(result.steps)
    assert steps["Average daily demand d = annual quantity ÷ 365"] == "100.000 kg/day"
    assert steps["Lead time L = base lead time + expected licence delay"] == "16 + 0 = 16 days"
    assert steps["Service level and z"] == "95 % → z = 1.645"
    assert steps[f"Safety stock {result.formula}"] == "825.1 kg"
    assert steps["Safety stock, rounded up"] == "826 kg"
    assert result.z == pytest.approx(Z_95)


def test_licence_delay_raises_the_stock() -> None:
    without = compute_safety_stock(**inputs())
    with_licence = compute_safety_stock(
        **inputs(licence_delay_days=46.0, licence_delay_sd_days=20.0)
    )
    assert with_licence.quantity > without.quantity


def test_inputs_carry_units_and_dict_is_json_ready() -> None:
    result = compute_safety_stock(**inputs(unit="t"))
    assert result.inputs["annual_quantity_kg"].unit == "kg/year"
    assert result.inputs["licence_delay_days"].unit == "days"
    assert set(result.inputs) == set(inputs()) - {"unit"}
    payload = result.to_dict()
    assert json.loads(json.dumps(payload)) == payload
    assert (payload["quantity"], payload["unit"], payload["quantity_kg"]) == (0.9, "t", 900)
    assert payload["inputs"]["demand_cv"] == {
        "value": 0.1,
        "unit": "coefficient of variation per delivery period",
    }


@pytest.mark.parametrize(
    ("annual", "months", "unit", "quantity", "quantity_kg", "cover"),
    [
        ("12000", "3", "kg", "3000", "3000", "3.0"),
        ("12000", "3", "t", "3.0", "3000", "3.0"),
        # 1000 / 12 = 83.33 kg -> 84 kg (up); 84 / 83.33 = 1.008 -> 1.0 month
        ("1000", "1", "kg", "84", "84", "1.0"),
        # 0.0833 t -> 0.1 t; 100 / 83.33 = 1.2 months
        ("1000", "1", "t", "0.1", "100", "1.2"),
        ("12000", "1.5", "kg", "1500", "1500", "1.5"),
        ("12000", "0", "t", "0.0", "0", "0.0"),
    ],
)
def test_fixed_cover(
    annual: str, months: str, unit: str, quantity: str, quantity_kg: str, cover: str
) -> None:
    result = fixed_cover(
        annual_quantity_kg=Decimal(annual),
        cover_months=Decimal(months),
        unit=unit,  # type: ignore[arg-type]
    )
    assert result.method == "fixed_cover"
    assert (result.quantity, result.quantity_kg) == (Decimal(quantity), Decimal(quantity_kg))
    assert result.months_of_cover == Decimal(cover)
    assert (result.z, result.service_level) == (None, None)


def test_curve_is_monotonic() -> None:
    levels = [level for level, _ in Z_TABLE]
    arguments = inputs()
    del arguments["service_level"]
    curve = safety_stock_curve(**arguments, levels=levels)
    assert [level for level, _ in curve] == levels
    quantities = [quantity for _, quantity in curve]
    assert quantities == sorted(quantities)
    assert len(set(quantities)) == len(quantities)  # strictly rising with variability
    assert dict(curve)[0.95] == Decimal(826)


@pytest.mark.parametrize(
    "changes",
    [
        {"service_level": 1.0},
        {"service_level": 0.0},
        {"annual_quantity_kg": Decimal(0)},
        {"deliveries_per_year": 0},
        {"demand_cv": -0.1},
        {"licence_delay_sd_days": -1.0},
        {"unit": "lb"},
    ],
)
def test_programming_errors_raise_value_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is for programmers
        compute_safety_stock(**inputs(**changes))
