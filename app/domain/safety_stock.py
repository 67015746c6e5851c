"""Safety stock: how much material to hold against demand swings and licence delays.

The computed method uses the standard formula with a variable lead time, in one
time unit (days) and kilograms throughout::

    SS = z * sqrt(L * sigma_d^2 + d^2 * sigma_L^2)

* ``d``: average daily demand, the annual quantity / 365 (kg/day).
* ``sigma_d``: standard deviation of daily demand. The request gives ``demand_cv``,
  the coefficient of variation of the demand of one delivery period of
  ``P = 365 / deliveries_per_year`` days. Taking days as independent, the
  period's standard deviation ``demand_cv * d * P`` equals ``sigma_d * sqrt(P)``,
  so ``sigma_d = demand_cv * d * P / sqrt(P) = demand_cv * d * sqrt(P)``.
* ``L``: lead time, the base lead time plus the expected licence delay (days).
* ``sigma_L``: the spread of the lead time, ``sqrt(base_sd^2 + licence_sd^2)``
  (the two taken as independent).
* ``z``: the inverse standard normal of the cycle service level
  (``statistics.NormalDist().inv_cdf``): 95 % -> 1.645.

The result is rounded up, never to nearest: to a whole kilogram, or to 0.1 t. The
fixed-cover method simply holds ``cover_months`` of average monthly demand.
Arithmetic is in :class:`~decimal.Decimal` so that rounding up is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from statistics import NormalDist
from typing import Any, Literal

Unit = Literal["kg", "t"]
Method = Literal["computed", "fixed_cover"]

DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)
KG_PER_T = Decimal(1000)
FORMULA = "SS = z × √(L × σd² + d² × σL²)"
FIXED_COVER_FORMULA = "SS = annual quantity ÷ 12 × months of cover"


@dataclass(frozen=True, slots=True)
class Measure:
    """An input value with its unit (``kg/year``, ``days``, ``share``)."""

    value: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class SafetyStockResult:
    """A safety-stock figure with everything needed to show how it was reached.

    ``quantity`` is in ``unit`` and rounded up; ``quantity_kg`` is the same rounded
    quantity in kilograms. ``z`` and ``service_level`` are None for fixed cover.
    ``steps`` are (label, value) lines for the safety-stock schedule.
    """

    method: Method
    quantity: Decimal
    unit: Unit
    quantity_kg: Decimal
    months_of_cover: Decimal
    z: float | None
    service_level: float | None
    inputs: Mapping[str, Measure]
    formula: str
    steps: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the report (Decimals as numbers)."""
        return {
            "method": self.method,
            "quantity": _number(self.quantity),
            "unit": self.unit,
            "quantity_kg": _number(self.quantity_kg),
            "months_of_cover": _number(self.months_of_cover),
            "z": round(self.z, 4) if self.z is not None else None,
            "service_level": self.service_level,
            "inputs": {
                name: {"value": _number(measure.value), "unit": measure.unit}
                for name, measure in self.inputs.items()
            },
            "formula": self.formula,
            "steps": [{"label": label, "value": value} for label, value in self.steps],
        }


def compute_safety_stock(
    *,
    annual_quantity_kg: Decimal,
    deliveries_per_year: int,
    demand_cv: float,
    base_lead_time_days: float,
    base_lead_time_sd_days: float,
    licence_delay_days: float,
    licence_delay_sd_days: float,
    service_level: float,
    unit: Unit,
) -> SafetyStockResult:
    """Compute the safety stock by the formula in the module docstring.

    Returns the result rounded up in ``unit``, with its inputs and steps.

    Raises:
        ValueError: an input outside its domain (a programming error: the request
            model validates what users send).
    """
    _check(annual_quantity_kg > 0, "annual_quantity_kg must be positive")
    _check(deliveries_per_year >= 1, "deliveries_per_year must be at least 1")
    _check(0 < service_level < 1, "service_level must lie strictly between 0 and 1")
    values = (demand_cv, base_lead_time_days, base_lead_time_sd_days)
    _check(min(*values, licence_delay_days, licence_delay_sd_days) >= 0, "negative input")
    annual = Decimal(annual_quantity_kg)
    cv, base, base_sd = (_decimal(value) for value in values)
    licence, licence_sd = _decimal(licence_delay_days), _decimal(licence_delay_sd_days)
    z = NormalDist().inv_cdf(service_level)

    d = annual / DAYS_PER_YEAR
    period = DAYS_PER_YEAR / deliveries_per_year
    sigma_d = cv * d * period.sqrt()
    lead = base + licence
    sigma_lead = (base_sd**2 + licence_sd**2).sqrt()
    raw_kg = _decimal(z) * (lead * sigma_d**2 + d**2 * sigma_lead**2).sqrt()
    quantity, quantity_kg = _round_up(raw_kg, unit)
    months = _months_of_cover(quantity_kg, annual)
    steps = (
        ("Annual quantity", _kg(annual)),
        ("Deliveries per year", f"{deliveries_per_year} (one every {period:.1f} days)"),
        ("Average daily demand d = annual quantity ÷ 365", f"{_kg(d, 3)}/day"),
        ("Variability of demand per delivery (coefficient of variation)", f"{cv}"),
        ("Standard deviation of daily demand σd = CV × d × √(days per delivery)",
         f"{_kg(sigma_d, 3)}/day"),
        ("Lead time L = base lead time + expected licence delay",
         f"{_plain(base)} + {_plain(licence)} = {_plain(lead)} days"),
        ("Standard deviation of lead time σL = √(base² + licence delay²)",
         f"√({_plain(base_sd)}² + {_plain(licence_sd)}²) = {sigma_lead:.3f} days"),
        ("Service level and z", f"{_percent(service_level)} → z = {z:.3f}"),
        (f"Safety stock {FORMULA}", _kg(raw_kg, 1)),
        ("Safety stock, rounded up", _in_unit(quantity, unit)),
        ("Months of average demand covered", f"{months}"),
    )  # fmt: skip
    inputs = {
        "annual_quantity_kg": Measure(annual, "kg/year"),
        "deliveries_per_year": Measure(Decimal(deliveries_per_year), "deliveries/year"),
        "demand_cv": Measure(cv, "coefficient of variation per delivery period"),
        "base_lead_time_days": Measure(base, "days"),
        "base_lead_time_sd_days": Measure(base_sd, "days"),
        "licence_delay_days": Measure(licence, "days"),
        "licence_delay_sd_days": Measure(licence_sd, "days"),
        "service_level": Measure(_decimal(service_level), "share of delivery cycles"),
    }
    return SafetyStockResult(
        method="computed",
        quantity=quantity,
        unit=unit,
        quantity_kg=quantity_kg,
        months_of_cover=months,
        z=z,
        service_level=service_level,
        inputs=inputs,
        formula=FORMULA,
        steps=steps,
    )


def fixed_cover(
    *, annual_quantity_kg: Decimal, cover_months: Decimal, unit: Unit
) -> SafetyStockResult:
    """Hold ``cover_months`` of average monthly demand, rounded up in ``unit``.

    Raises:
        ValueError: a non-positive annual quantity or negative cover (a programming
            error: the request model validates what users send).
    """
    _check(annual_quantity_kg > 0, "annual_quantity_kg must be positive")
    _check(cover_months >= 0, "cover_months must not be negative")
    annual, cover = Decimal(annual_quantity_kg), Decimal(cover_months)
    monthly = annual / MONTHS_PER_YEAR
    quantity, quantity_kg = _round_up(monthly * cover, unit)
    steps = (
        ("Annual quantity", _kg(annual)),
        ("Average monthly demand = annual quantity ÷ 12", _kg(monthly, 1)),
        ("Months of cover agreed", _plain(cover)),
        (f"Safety stock {FIXED_COVER_FORMULA}", _kg(monthly * cover, 1)),
        ("Safety stock, rounded up", _in_unit(quantity, unit)),
    )
    return SafetyStockResult(
        method="fixed_cover",
        quantity=quantity,
        unit=unit,
        quantity_kg=quantity_kg,
        months_of_cover=_months_of_cover(quantity_kg, annual),
        z=None,
        service_level=None,
        inputs={
            "annual_quantity_kg": Measure(annual, "kg/year"),
            "cover_months": Measure(cover, "months"),
        },
        formula=FIXED_COVER_FORMULA,
        steps=steps,
    )


def safety_stock_curve(
    *,
    annual_quantity_kg: Decimal,
    deliveries_per_year: int,
    demand_cv: float,
    base_lead_time_days: float,
    base_lead_time_sd_days: float,
    licence_delay_days: float,
    licence_delay_sd_days: float,
    unit: Unit,
    levels: Sequence[float],
) -> list[tuple[float, Decimal]]:
    """Return (service level, rounded safety stock in ``unit``) for each of ``levels``.

    Raises:
        ValueError: as :func:`compute_safety_stock`.
    """
    return [
        (
            level,
            compute_safety_stock(
                annual_quantity_kg=annual_quantity_kg,
                deliveries_per_year=deliveries_per_year,
                demand_cv=demand_cv,
                base_lead_time_days=base_lead_time_days,
                base_lead_time_sd_days=base_lead_time_sd_days,
                licence_delay_days=licence_delay_days,
                licence_delay_sd_days=licence_delay_sd_days,
                service_level=level,
                unit=unit,
            ).quantity,
        )
        for level in levels
    ]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _decimal(value: float) -> Decimal:
    """The float as written (``0.2`` -> ``Decimal('0.2')``), not its binary expansion."""
    return Decimal(repr(float(value)))


def _round_up(kg: Decimal, unit: Unit) -> tuple[Decimal, Decimal]:
    """Return (quantity in ``unit``, same in kg), rounded up to 1 kg or 0.1 t.

    Quantised to a micro-kilogram first, so that arithmetic noise far below a
    gram cannot push an exact figure up a whole step.
    """
    kg = kg.quantize(Decimal("0.000001"))
    if unit == "kg":
        whole = kg.to_integral_value(rounding=ROUND_CEILING)
        return whole, whole
    if unit == "t":
        tenths = (kg / (KG_PER_T / 10)).to_integral_value(rounding=ROUND_CEILING)
        return (tenths / 10).quantize(Decimal("0.1")), tenths * (KG_PER_T / 10)
    raise ValueError(f"unit must be 'kg' or 't', not {unit!r}")


def _months_of_cover(quantity_kg: Decimal, annual_kg: Decimal) -> Decimal:
    return (quantity_kg / (annual_kg / MONTHS_PER_YEAR)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _plain(value: Decimal) -> str:
    """``30.0`` -> ``30``, ``0.50`` -> ``0.5``, never exponent notation."""
    return f"{value.normalize():f}"


def _kg(value: Decimal, places: int = 0) -> str:
    return f"{value:,.{places}f} kg"


def _in_unit(quantity: Decimal, unit: Unit) -> str:
    return f"{quantity:,.1f} t" if unit == "t" else f"{quantity:,.0f} kg"


def _percent(share: float) -> str:
    return f"{_plain(_decimal(share) * 100)} %"
