"""The drafting context: every name a clause template may read, built from the request.

Facts the request left out are :class:`~app.library.markup.Missing` values and print
as placeholders; options are already resolved (:mod:`app.domain.options`). Templates
see plain dicts, lists, strings and numbers - no request objects - so a template
cannot reach anything but what is listed here (and in ``library.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.countries import country_name, country_name_in_text
from app.domain.delivery_plan import Delivery, add_months, delivery_plan
from app.domain.licensing import LicensingAssessment
from app.domain.options import ResolvedOptions
from app.domain.reference import Element, reference_data
from app.domain.request import (
    DELIVERIES_PER_YEAR,
    ContractRequest,
    Forum,
    GoverningLaw,
    MassUnit,
    Party,
    PriceMode,
    VolumePeriod,
)
from app.domain.safety_stock import SafetyStockResult
from app.library.markup import Missing, format_date, format_number

INCOTERM_NAMES = {
    "EXW": "Ex Works", "FCA": "Free Carrier", "CPT": "Carriage Paid To",
    "CIP": "Carriage and Insurance Paid To", "DAP": "Delivered at Place",
    "DPU": "Delivered at Place Unloaded", "DDP": "Delivered Duty Paid",
    "FAS": "Free Alongside Ship", "FOB": "Free on Board", "CFR": "Cost and Freight",
    "CIF": "Cost, Insurance and Freight",
}  # fmt: skip
LAW_NAMES = {
    GoverningLaw.ENGLAND_AND_WALES: "the laws of England and Wales",
    GoverningLaw.SINGAPORE: "the laws of Singapore",
    GoverningLaw.HONG_KONG: "the laws of the Hong Kong Special Administrative Region",
    GoverningLaw.NEW_YORK: "the laws of the State of New York",
    GoverningLaw.SWITZERLAND: "the laws of Switzerland",
    GoverningLaw.GERMANY: "the laws of the Federal Republic of Germany",
}
FORUM_NAMES = {
    Forum.ICC: "the Rules of Arbitration of the International Chamber of Commerce",
    Forum.SIAC: "the Arbitration Rules of the Singapore International Arbitration Centre",
    Forum.HKIAC: "the HKIAC Administered Arbitration Rules",
    Forum.LCIA: "the LCIA Arbitration Rules",
    Forum.CIETAC: "the Arbitration Rules of the China International Economic and Trade "
    "Arbitration Commission",
    Forum.COURTS: "",
}
FORM_WORDS = {
    "oxide": "oxide", "metal": "metal", "alloy": "alloy", "compound": "compounds",
    "magnet": "magnet material",
}  # fmt: skip
UNIT_WORDS = {MassUnit.KG: ("kilogram", "kilograms"), MassUnit.T: ("tonne", "tonnes")}


@dataclass(frozen=True, slots=True)
class DraftingFacts:
    """Everything computed from the request that the context is built from."""

    request: ContractRequest
    element: Element
    options: ResolvedOptions
    assessment: LicensingAssessment
    safety_stock: SafetyStockResult | None
    plan: list[Delivery]


def compute_plan(request: ContractRequest) -> list[Delivery]:
    """The delivery plan for a request, in the request's unit."""
    annual_kg = request.volume.annual_kg(months=request.term.months)
    annual = annual_kg / 1000 if request.volume.unit is MassUnit.T else annual_kg
    return delivery_plan(
        start=request.term.start_date,
        months=request.term.months,
        frequency=request.delivery.frequency,
        annual_quantity=annual,
    )


def build_context(facts: DraftingFacts) -> dict[str, Any]:
    """The template context for one draft (names listed in ``library.yaml``)."""
    request = facts.request
    return {
        "agreement": _agreement(request, facts.element),
        "posture": request.posture.value,
        "element": {
            "symbol": facts.element.symbol,
            "name": facts.element.name.lower(),
            "Name": facts.element.name.capitalize(),
            "atomic_number": facts.element.atomic_number,
        },
        "product": _product(request, facts.element),
        "volume": _volume(request),
        "term": _term(request),
        "seller": _party(request.seller, "seller", "Seller"),
        "buyer": _party(request.buyer, "buyer", "Buyer"),
        "origin": _country(request.effective_origin, "origin_country", "country of origin"),
        "destination": _country(
            request.effective_destination, "destination_country", "country of destination"
        ),
        "delivery": _delivery(request, facts.plan),
        "price": _price(request),
        "disputes": _disputes(request),
        "licensing": dict(facts.options.licensing),
        "assessment": _assessment(
            facts.assessment, {entry.id: entry.regime for entry in reference_data().controls}
        ),
        "force_majeure": dict(facts.options.force_majeure),
        "safety_stock": _safety_stock(facts),
    }


def _agreement(request: ContractRequest, element: Element) -> dict[str, Any]:
    return {
        "title": f"{element.name.capitalize()} Supply Agreement",
        "date": format_date(request.agreement_date)
        if request.agreement_date
        else Missing("agreement_date", "date of this Agreement"),
        "draft_number": request.draft_number,
    }


def _product(request: ContractRequest, element: Element) -> dict[str, Any]:
    form = request.form.value
    description = f"{element.name.lower()} {FORM_WORDS[form]}"
    hs_codes: dict[str, str] = dict(element.hs_codes)
    return {
        "form": form,
        "description": description,
        "Description": description[0].upper() + description[1:],
        "specification": request.specification
        or Missing("specification", f"minimum purity and specification of the {description}"),
        "hs_code": hs_codes.get(form) or Missing("hs_code", "tariff classification (HS code)"),
    }


def _quantity_text(quantity: Decimal, unit: MassUnit) -> str:
    singular, plural = UNIT_WORDS[unit]
    return f"{format_number(quantity)} {singular if quantity == 1 else plural}"


def _volume(request: ContractRequest) -> dict[str, Any]:
    volume = request.volume
    months = request.term.months
    annual_kg = volume.annual_kg(months=months)
    divisor = 1000 if volume.unit is MassUnit.T else 1
    annual = annual_kg / divisor
    total = annual * months / 12
    per_text = {VolumePeriod.YEAR: "per Contract Year", VolumePeriod.MONTH: "per month",
                VolumePeriod.TERM: "over the Term"}[volume.per]  # fmt: skip
    return {
        "quantity": volume.quantity,
        "unit": volume.unit.value,
        "per": volume.per.value,
        "text": f"{_quantity_text(volume.quantity, volume.unit)} {per_text}",
        "annual": annual,
        "annual_text": _quantity_text(annual.quantize(Decimal("0.001")).normalize(), volume.unit),
        "total_text": _quantity_text(total.quantize(Decimal("0.001")).normalize(), volume.unit),
        "unit_word": UNIT_WORDS[volume.unit][1],
    }


def _term(request: ContractRequest) -> dict[str, Any]:
    start = request.term.start_date
    months = request.term.months
    end = add_months(start, months) if start else None
    return {
        "months": months,
        "years": months // 12 if months % 12 == 0 else None,
        "start_date": format_date(start) if start else Missing("term.start_date", "start date"),
        "end_date": format_date(date.fromordinal(end.toordinal() - 1))
        if end
        else Missing("term.start_date", "end date"),
    }


def _party(party: Party, key: str, role: str) -> dict[str, Any]:
    def fact(field: str, label: str) -> Any:
        value = getattr(party, field)
        return value if value is not None else Missing(f"{key}.{field}", f"{role}'s {label}")

    return {
        "role": role,
        "name": fact("name", "name"),
        "address": fact("address", "registered address"),
        "registration_number": fact("registration_number", "company registration number"),
        "country": party.country or Missing(f"{key}.country", f"{role}'s country"),
        "country_name": country_name_in_text(party.country)
        if party.country
        else Missing(f"{key}.country", f"{role}'s country of incorporation"),
        "signatory_name": fact("signatory_name", "signatory"),
        "signatory_title": fact("signatory_title", "signatory's title"),
        "email": fact("email", "email address for notices"),
    }


def _country(code: str | None, key: str, label: str) -> dict[str, Any]:
    return {
        "code": code or Missing(key, label),
        "name": country_name_in_text(code) if code else Missing(key, label),
        "short_name": country_name(code) if code else Missing(key, label),
        "known": code is not None,
        "is_china": code == "CN",
        "is_us": code == "US",
    }


def _delivery(request: ContractRequest, plan: list[Delivery]) -> dict[str, Any]:
    delivery = request.delivery
    incoterm = delivery.incoterm.value if delivery.incoterm else None
    periods = [_period_text(row) for row in plan]
    rows = [
        {"number": row.number, "period": period, "quantity": row.quantity}
        for row, period in zip(plan, periods, strict=True)
    ]
    return {
        "incoterm": incoterm or Missing("delivery.incoterm", "Incoterms 2020 rule"),
        "incoterm_name": INCOTERM_NAMES[incoterm]
        if incoterm
        else Missing("delivery.incoterm", "Incoterms 2020 rule"),
        "place": delivery.place or Missing("delivery.place", "named place of delivery"),
        "frequency": delivery.frequency.value,
        "frequency_text": delivery.frequency.value.replace("_", "-"),
        "per_year": DELIVERIES_PER_YEAR[delivery.frequency],
        "plan": rows,
        "plan_cells": tuple(
            (format_number(row.number), period, format_number(row.quantity))
            for row, period in zip(plan, periods, strict=True)
        ),  # for rows(): the plan's table cells, formatted as {{ }} prints them
        "count": len(rows),
    }


def _period_text(row: Delivery) -> str:
    """``1 January 2027 to 31 March 2027``, or ``Months 1 to 3`` without a start date."""
    if row.period_start and row.period_end:
        return f"{format_date(row.period_start)} to {format_date(row.period_end)}"
    if row.months > 1:
        return f"Months {row.first_month} to {row.first_month + row.months - 1}"
    return f"Month {row.first_month}"


def _price(request: ContractRequest) -> dict[str, Any]:
    price = request.price
    return {
        "mode": price.mode.value,
        "is_index": price.mode is PriceMode.INDEX,
        "currency": price.currency,
        "unit_price": price.unit_price
        if price.unit_price is not None
        else Missing("price.unit_price", "price per kilogram"),
        "index_name": price.index_name or Missing("price.index_name", "published price index"),
        "adjustment_percent": price.adjustment_percent,
        "floor_price": price.floor_price,
        "ceiling_price": price.ceiling_price,
        "has_floor": price.floor_price is not None,
        "has_ceiling": price.ceiling_price is not None,
        "payment_days": price.payment_days,
    }


def _disputes(request: ContractRequest) -> dict[str, Any]:
    disputes = request.disputes
    law = disputes.governing_law
    return {
        "law": LAW_NAMES[law] if law else Missing("disputes.governing_law", "governing law"),
        "forum": disputes.forum.value,
        "arbitration": disputes.forum is not Forum.COURTS,
        "rules": FORUM_NAMES[disputes.forum],
        "institution": disputes.forum.value.upper(),
        "seat": disputes.seat or Missing("disputes.seat", "seat of arbitration"),
        "arbitrators": disputes.arbitrators,
        "language": disputes.language,
    }


def _assessment(assessment: LicensingAssessment, regimes: dict[str, str]) -> dict[str, Any]:
    return {
        "controlled": assessment.controlled,
        "uncertain": assessment.controlled is None,
        "per_shipment": assessment.licence_required_per_shipment,
        "risk": assessment.risk,
        "mechanisms": sorted(mechanism.id for mechanism in assessment.mechanisms),
        "controls": [
            {
                "id": control.entry_id,
                "regime": regimes.get(control.entry_id, ""),
                "announcement": control.announcement,
                "status": control.status,
                "effective": format_date(control.effective) if control.effective else None,
                "suspended_until": format_date(control.suspended_until)
                if control.suspended_until
                else None,
            }
            for control in assessment.applicable
        ],
        "expected_delay_days": assessment.expected_delay_days,
        "delay_sd_days": assessment.delay_sd_days,
    }


def _safety_stock(facts: DraftingFacts) -> dict[str, Any]:
    options = facts.options.safety_stock
    result = facts.safety_stock
    unit = MassUnit(facts.request.volume.unit)
    return {
        **options,
        "method": facts.request.safety_stock.method.value,
        "required": result is not None,
        "location": options.get("location")
        or Missing("safety_stock.location", "location of the Safety Stock"),
        "quantity": result.quantity if result else Decimal(0),
        "quantity_text": _quantity_text(result.quantity, unit) if result else "",
        "months_of_cover": result.months_of_cover if result else Decimal(0),
        "service_level_percent": Decimal(str(facts.request.safety_stock.service_level * 100))
        .quantize(Decimal("0.1"))
        .normalize(),
        "steps": [{"label": label, "value": value} for label, value in result.steps]
        if result
        else [],
        "formula": result.formula if result else "",
    }
