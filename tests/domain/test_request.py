"""The request model: what it accepts, how it normalises, and what it says when it refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.domain.countries import country_name_in_text
from app.domain.request import ContractRequest, MassUnit, VolumePeriod
from app.errors import InvalidRequestError
from app.service import parse_request


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("Dy", "Dy"), ("dy", "Dy"), ("DYSPROSIUM", "Dy"), (" terbium ", "Tb"), ("Nd", "Nd")],
)
def test_element_by_symbol_or_name_in_any_case(
    spec_request: dict[str, Any], text: str, symbol: str
) -> None:
    assert parse_request(_with(spec_request, element=text)).element == symbol


@pytest.mark.parametrize(
    ("volume", "quantity", "unit", "per"),
    [
        ("12 t per year", Decimal(12), MassUnit.T, VolumePeriod.YEAR),
        ("500 kg/month", Decimal(500), MassUnit.KG, VolumePeriod.MONTH),
        ("1,500 kg per month", Decimal(1500), MassUnit.KG, VolumePeriod.MONTH),
        ("2.5 tonnes a year", Decimal("2.5"), MassUnit.T, VolumePeriod.YEAR),
        ("30 t per term", Decimal(30), MassUnit.T, VolumePeriod.TERM),
        ("40 t", Decimal(40), MassUnit.T, VolumePeriod.YEAR),
        ({"quantity": 12, "unit": "t", "per": "year"}, Decimal(12), MassUnit.T, VolumePeriod.YEAR),
    ],
)
def test_volume_structured_or_shorthand(
    spec_request: dict[str, Any], volume: Any, quantity: Decimal, unit: MassUnit, per: VolumePeriod
) -> None:
    parsed = parse_request(_with(spec_request, volume=volume)).volume
    assert (parsed.quantity, parsed.unit, parsed.per) == (quantity, unit, per)


@pytest.mark.parametrize(
    ("term", "months", "start"),
    [
        ("3 years", 36, None),
        ("36 months", 36, None),
        ("18 mo", 18, None),
        ({"start_date": "2027-01-01", "months": 36}, 36, date(2027, 1, 1)),
    ],
)
def test_term_structured_or_shorthand(
    spec_request: dict[str, Any], term: Any, months: int, start: date | None
) -> None:
    parsed = parse_request(_with(spec_request, term=term)).term
    assert (parsed.months, parsed.start_date) == (months, start)


def test_annual_quantity_in_kilograms() -> None:
    request = ContractRequest.model_validate(
        {"element": "Tb", "volume": "500 kg/month", "term": "2 years"}
    )
    assert request.volume.annual_kg(months=24) == Decimal(6000)


def test_only_element_volume_and_term_are_required() -> None:
    request = parse_request({"element": "Nd", "volume": "1 t/year", "term": "12 months"})
    assert request.seller.name is None
    assert request.posture.value == "balanced"


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"element": "dysprosum"}, "element", "did you mean Dy (dysprosium)"),
        ({"element": "unobtainium"}, "element", "not one of the 17 rare-earth elements"),
        ({"element": "Pm"}, "element", "radioactive and not traded in bulk"),
        ({"element": "promethium"}, "element", "not traded in bulk"),
        ({"volume": {"quantity": 0, "unit": "t"}}, "volume.quantity", "more than 0"),
        ({"volume": {"quantity": -5, "unit": "t"}}, "volume.quantity", "more than 0"),
        ({"volume": {"quantity": 5, "unit": "lb"}}, "volume.unit", "one of"),
        ({"volume": "twelve tonnes"}, "volume", 'write it like "12 t per year"'),
        ({"term": {"months": 0}}, "term.months", "at least 1"),
        ({"term": {"months": 361}}, "term.months", "at most 360"),
        ({"term": {"start_date": "2027-02-30", "months": 12}}, "term.start_date", "YYYY-MM-DD"),
        ({"term": "forever"}, "term", '"3 years"'),
        ({"form": "powder"}, "form", "one of"),
        ({"posture": "aggressive"}, "posture", "one of"),
        ({"seller": {"name": "A\u0000B"}}, "seller.name", "control character"),
        ({"seller": {"country": "Germny"}}, "seller.country", "did you mean Germany"),
        ({"seller": {"nmae": "X"}}, "seller.nmae", 'did you mean "name"'),
        ({"colour": "blue"}, "colour", "not a field of this request"),
        ({"price": {"currency": "XYZ"}}, "price.currency", "ISO 4217"),
        (
            {"price": {"floor_price": 500, "ceiling_price": 100}},
            "price",
            "floor price must not be higher",
        ),
        ({"safety_stock": {"service_level": 120}}, "safety_stock.service_level", "99.9 %"),
        ({"delivery": {"incoterm": "FOO"}}, "delivery.incoterm", "one of"),
        (
            {"agreement_date": "2027-06-01"},
            "(request)",
            "agreement date (2027-06-01) is after the start of supply",
        ),
    ],
)
def test_invalid_requests_name_the_field_in_plain_words(
    spec_request: dict[str, Any], changes: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(_with(spec_request, **changes))
    messages = {error.path: error.message for error in caught.value.errors}
    assert path in messages, messages
    assert words in messages[path]


def test_missing_required_fields_are_all_listed() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request({})
    assert {error.path for error in caught.value.errors} == {"element", "volume", "term"}
    assert all(error.message == "is required" for error in caught.value.errors)


def test_text_is_trimmed_and_addresses_keep_their_lines(spec_request: dict[str, Any]) -> None:
    request = parse_request(
        _with(spec_request, seller={"name": "  Acme\tLtd ", "address": "1 Road\n\nTown\n"})
    )
    assert request.seller.name == "Acme Ltd"
    assert request.seller.address == "1 Road, Town"


def test_service_level_as_percent_or_fraction(spec_request: dict[str, Any]) -> None:
    as_percent = parse_request(_with(spec_request, safety_stock={"service_level": 98}))
    as_fraction = parse_request(_with(spec_request, safety_stock={"service_level": 0.98}))
    assert as_percent.safety_stock.service_level == pytest.approx(0.98)
    assert as_fraction.safety_stock.service_level == pytest.approx(0.98)


def test_origin_and_destination_default_to_the_parties(spec_request: dict[str, Any]) -> None:
    request = parse_request(spec_request)
    assert (request.effective_origin, request.effective_destination) == ("CN", "DE")
    overridden = parse_request(_with(spec_request, origin_country="Australia"))
    assert overridden.effective_origin == "AU"


@pytest.mark.parametrize(
    ("code", "in_text"),
    [("US", "the United States"), ("GB", "the United Kingdom"), ("NL", "the Netherlands"),
     ("CN", "China"), ("DE", "Germany"), ("KR", "South Korea")],
)  # fmt: skip
def test_country_names_take_the_article_a_sentence_needs(code: str, in_text: str) -> None:
    assert country_name_in_text(code) == in_text
