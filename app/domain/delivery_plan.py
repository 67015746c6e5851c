"""The delivery plan: one row per delivery over the whole term."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from app.domain.request import DELIVERIES_PER_YEAR, Frequency

_THREE_PLACES = Decimal("0.001")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One scheduled delivery. Dates are None when the start date is not yet known."""

    number: int
    first_month: int  # 1-based month of the term the delivery period starts in
    months: int  # length of the period this delivery covers
    period_start: date | None
    period_end: date | None
    quantity: Decimal  # in the request's unit


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def delivery_plan(
    *, start: date | None, months: int, frequency: Frequency, annual_quantity: Decimal
) -> list[Delivery]:
    """Split the term into delivery periods and the volume across them.

    Each period carries its share of the annual quantity by its length in months; a
    short last period gets a pro-rata share. Quantities are rounded to three decimals
    and the last delivery absorbs the rounding, so the plan adds up exactly to
    ``annual_quantity * months / 12`` rounded to three decimals.
    """
    period_months = 12 // DELIVERIES_PER_YEAR[frequency]
    total = (annual_quantity * months / 12).quantize(_THREE_PLACES, ROUND_HALF_EVEN)
    rows: list[Delivery] = []
    allocated = Decimal(0)
    first_month = 1
    while first_month <= months:
        length = min(period_months, months - first_month + 1)
        is_last = first_month + length > months
        if is_last:
            quantity = total - allocated
        else:
            quantity = (annual_quantity * length / 12).quantize(_THREE_PLACES, ROUND_HALF_EVEN)
        allocated += quantity
        period_start = add_months(start, first_month - 1) if start else None
        period_end = add_months(start, first_month - 1 + length) - _ONE_DAY if start else None
        rows.append(
            Delivery(
                number=len(rows) + 1,
                first_month=first_month,
                months=length,
                period_start=period_start,
                period_end=period_end,
                quantity=quantity,
            )
        )
        first_month += length
    return rows
