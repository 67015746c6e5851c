"""The commercial and general clauses, drafted end to end through ``app.service``.

Each case is a real request; the assertions read the resolved document tree (runs
joined into text), never the templates, so they hold whatever the wording becomes:
no stray template syntax, every placeholder reported, every number equal to its
parameter, a delivery plan that adds up, and posture variants that really differ.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import product
from typing import Any

import pytest
from doctext import clause_text, in_words, joined, lines, placeholder_keys

from app import service
from app.domain.document import (
    Document,
    Paragraph,
    ParagraphKind,
    Table,
)

TODAY = date(2026, 12, 1)
POSTURES = ("buyer", "balanced", "seller")
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semi_annual": 6, "annual": 12}
PARTY_FACTS = (
    "name",
    "address",
    "registration_number",
    "signatory_name",
    "signatory_title",
    "email",
)
REQUIRED_ANCHORS = (
    "delivery.title_risk",
    "price_payment.invoicing",
    "price_payment.review",
    "term_termination.termination_events",
    "liability.cap",
    "confidentiality.exceptions",
    "quality.rejection",
)


def _party(role: str, country: str) -> dict[str, str]:
    return {
        "name": f"Example {role} Ltd.",
        "country": country,
        "address": f"1 {role} Street, Example City",
        "registration_number": f"{role[:1]}-12345",
        "signatory_name": f"A. {role}",
        "signatory_title": "Director",
        "email": f"notices@{role.lower()}.example",
    }


def _request(
    *,
    posture: str = "balanced",
    price: str = "fixed",
    forum: str = "icc",
    parties: bool = True,
    frequency: str = "quarterly",
    months: int = 36,
    volume: dict[str, Any] | None = None,
    safety_stock: str = "computed",
    hardship: str = "renegotiate_then_terminate",
) -> dict[str, Any]:
    """A request over every dimension the commercial clauses vary on."""
    data: dict[str, Any] = {
        "element": "Dy",
        "form": "oxide",
        "volume": volume or {"quantity": 12, "unit": "t", "per": "year"},
        "term": {"start_date": "2027-01-01", "months": months},
        "posture": posture,
        "delivery": {"frequency": frequency},
        "safety_stock": {"method": safety_stock},
        "force_majeure": {"hardship": hardship},
    }
    if parties:
        data["seller"] = _party("Seller", "CN")
        data["buyer"] = _party("Buyer", "DE")
        data["delivery"] |= {"incoterm": "CIP", "place": "Hamburg"}
        data["agreement_date"] = "2026-12-15"
        data["specification"] = "Dy2O3/TREO 99.5 % min"
    if price == "fixed":
        data["price"] = {"mode": "fixed", "unit_price": "310.50", "payment_days": 45}
    else:
        data["price"] = {
            "mode": "index",
            "index_name": "Fastmarkets dysprosium oxide 99.5 % min fob China",
            "adjustment_percent": "-2.5",
            "floor_price": "250",
            "ceiling_price": "420",
            "payment_days": 60,
        }
    data["disputes"] = (
        {"forum": "courts", "seat": "London", "governing_law": "england_and_wales"}
        if forum == "courts"
        else {"forum": forum, "seat": "Singapore", "arbitrators": 3}
    )
    return data


@cache
def _document(request_json: str) -> tuple[Document, tuple[str, ...]]:
    """Draft once per distinct request: (document, placeholder keys reported)."""
    drafted = service.draft(request=service.parse_request_json(request_json), today=TODAY)
    keys = tuple(placeholder.key for placeholder in drafted.assembly.placeholders)
    return drafted.assembly.document, keys


def _draft(**options: Any) -> tuple[Document, tuple[str, ...]]:
    return _document(json.dumps(_request(**options), sort_keys=True))


def _plan_table(document: Document) -> Table:
    inside = False
    for block in document.blocks:
        if isinstance(block, Paragraph) and block.kind is ParagraphKind.SCHEDULE:
            inside = block.anchor == "delivery_plan_schedule"
        elif inside and isinstance(block, Table):
            return block
    raise AssertionError("the delivery plan schedule has no table")


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


# The matrix: every posture with every delivery frequency and a spread of terms; the
# other dimensions rotate so that each value meets each posture.
MATRIX = [
    {
        "posture": posture,
        "frequency": frequency,
        "months": months,
        "price": ("fixed", "index")[index % 2],
        "forum": ("icc", "courts", "siac")[index % 3],
        "parties": index % 4 != 3,
        "safety_stock": ("computed", "none")[index % 2],
    }
    for index, (posture, frequency, months) in enumerate(
        product(POSTURES, ("monthly", "quarterly", "annual"), (12, 18, 36, 120))
    )
]
MATRIX_IDS = [
    f"{case['posture']}-{case['frequency']}-{case['months']}m-{case['price']}-{case['forum']}"
    + ("" if case["parties"] else "-no-parties")
    for case in MATRIX
]


@pytest.mark.parametrize("case", MATRIX, ids=MATRIX_IDS)
def test_no_template_syntax_or_none_leaks_into_the_text(case: dict[str, Any]) -> None:
    document, _ = _draft(**case)
    text = "\n".join(lines(document))
    for leak in ("{{", "}}", "{%", "%}", "[](", "](", "\\"):
        assert leak not in text, f"{leak!r} in the draft"
    # "None of the following ..." is English; a bare None, True or False is a leaked value.
    leaked = re.search(r"\b(?:None(?! of )|True|False)\b", text)
    assert leaked is None, text[max(leaked.start() - 80, 0) : leaked.end() + 40]
    prose = [
        joined(block.runs, document) for block in document.blocks if isinstance(block, Paragraph)
    ]
    for line in prose:
        assert not re.search(r"  |\( |\s[,.;:)]|^\s|\s$", line), f"broken spacing: {line!r}"


@pytest.mark.parametrize("case", MATRIX, ids=MATRIX_IDS)
def test_every_placeholder_is_reported(case: dict[str, Any]) -> None:
    document, reported = _draft(**case)
    assert placeholder_keys(document) == set(reported)
    party_keys = {f"{role}.{fact}" for role in ("seller", "buyer") for fact in PARTY_FACTS}
    if case["parties"]:
        assert not party_keys & set(reported)
    else:
        assert party_keys <= set(reported)


@pytest.mark.parametrize("case", MATRIX, ids=MATRIX_IDS)
def test_numbers_equal_the_parameters(case: dict[str, Any]) -> None:
    document, _ = _draft(**case)
    payment_days = 45 if case["price"] == "fixed" else 60
    assert in_words(payment_days, "day") in clause_text(document, "price_payment")
    term_text = clause_text(document, "term_termination")
    assert in_words(case["months"], "month") in term_text
    if case["months"] % 12 == 0:
        assert in_words(case["months"] // 12, "Contract Year") in term_text


@pytest.mark.parametrize("case", MATRIX, ids=MATRIX_IDS)
def test_the_delivery_plan_has_one_row_per_delivery_and_adds_up(case: dict[str, Any]) -> None:
    document, _ = _draft(**case)
    table = _plan_table(document)
    *rows, total_row = [[joined(cell, document) for cell in row] for row in table.rows]
    period = PERIOD_MONTHS[case["frequency"]]
    expected_count = -(-case["months"] // period)
    assert [row[0] for row in rows] == [str(number) for number in range(1, expected_count + 1)]
    contract_total = Decimal(12) * case["months"] / 12
    assert sum(_number(row[2]) for row in rows) == contract_total
    assert total_row[0] == "Total"
    assert _number(total_row[2]) == contract_total
    text = "\n".join(lines(document))
    assert in_words(expected_count, "Delivery Period") in text


@pytest.mark.parametrize(
    ("volume", "months", "frequency", "total"),
    [
        ({"quantity": 500, "unit": "kg", "per": "month"}, 18, "quarterly", Decimal(9000)),
        ({"quantity": 10, "unit": "t", "per": "term"}, 36, "monthly", Decimal(10)),
        ({"quantity": 7, "unit": "t", "per": "year"}, 20, "quarterly", Decimal("11.667")),
    ],
)
def test_plan_total_equals_the_contract_total_for_other_volumes(
    volume: dict[str, Any], months: int, frequency: str, total: Decimal
) -> None:
    document, _ = _draft(volume=volume, months=months, frequency=frequency)
    *rows, total_row = [
        [joined(cell, document) for cell in row] for row in _plan_table(document).rows
    ]
    assert sum(_number(row[2]) for row in rows) == total
    assert _number(total_row[2]) == total
    unit_word = "kilograms" if volume["unit"] == "kg" else "tonnes"
    header = [joined(cell, document) for cell in _plan_table(document).header]
    assert header[2] == f"Quantity ({unit_word})"


@pytest.mark.parametrize("clause_id", ["supply", "liability", "delivery", "quality"])
def test_posture_variants_produce_different_text(clause_id: str) -> None:
    texts = {posture: clause_text(_draft(posture=posture)[0], clause_id) for posture in POSTURES}
    assert len(set(texts.values())) == len(POSTURES)


@pytest.mark.parametrize(
    ("posture", "present", "absent"),
    [
        ("buyer", "no take-or-pay", "Take or pay"),
        ("seller", "Take or pay", "Minimum Quantity"),
        ("balanced", "Minimum Quantity", "Take or pay"),
    ],
)
def test_supply_commitment_follows_the_posture(posture: str, present: str, absent: str) -> None:
    text = clause_text(_draft(posture=posture)[0], "supply")
    assert present in text
    assert absent not in text


def test_index_price_states_adjustment_floor_and_ceiling() -> None:
    document, reported = _draft(price="index")
    text = clause_text(document, "price_payment")
    assert "Fastmarkets dysprosium oxide" in text
    assert "less a discount of 2.5 %" in text
    assert "no lower than USD 250.00 and no higher than USD 420.00 per kilogram" in text
    assert "price.unit_price" not in reported


def test_fixed_price_states_the_amount_and_currency() -> None:
    text = clause_text(_draft(price="fixed")[0], "price_payment")
    assert "USD 310.50" in text
    assert "Pricing Period" not in text


def test_arbitration_names_rules_seat_and_tribunal() -> None:
    text = clause_text(_draft(forum="siac")[0], "disputes")
    assert "Singapore International Arbitration Centre" in text
    assert "arbitration is Singapore" in text
    assert "three (3) arbitrators" in text
    assert "exclusive jurisdiction" not in text
    assert "twenty (20) Business Days" in text


def test_courts_replace_arbitration() -> None:
    text = clause_text(_draft(forum="courts")[0], "disputes")
    assert "courts of London have exclusive jurisdiction" in text
    assert "the laws of England and Wales" in text
    assert "arbitrat" not in text


def test_missing_governing_law_and_seat_are_placeholders() -> None:
    document, reported = _draft(parties=False)
    assert {"disputes.governing_law"} <= set(reported)
    assert "[governing law]" in clause_text(document, "disputes")


def test_the_anchors_other_clauses_rely_on_exist() -> None:
    document, _ = _draft()
    for anchor in REQUIRED_ANCHORS:
        assert anchor in document.anchors, anchor


@pytest.mark.parametrize(("method", "defined"), [("computed", True), ("none", False)])
def test_safety_stock_is_defined_only_when_required(method: str, defined: bool) -> None:
    document, _ = _draft(safety_stock=method)
    assert ("“Safety Stock”" in clause_text(document, "definitions")) is defined
    assert ("Safety Stock" in clause_text(document, "term_termination")) is defined


@pytest.mark.parametrize(("hardship", "cited"), [("renegotiate_then_adapt", True), ("none", False)])
def test_price_review_cites_hardship_only_when_it_is_in(hardship: str, cited: bool) -> None:
    document, _ = _draft(hardship=hardship)
    text = clause_text(document, "price_payment")
    assert ("hardship" in document.anchors) is cited
    if cited:
        assert f"subject to clause {document.anchors['hardship'].number}" in text


def test_signature_blocks_name_both_parties_and_signatories() -> None:
    document, _ = _draft()
    text_lines = list(lines(document))
    start = text_lines.index("Signatures")
    block = "\n".join(text_lines[start : start + 8])
    for fact in ("Example Seller Ltd.", "Example Buyer Ltd.", "A. Seller", "A. Buyer", "Date"):
        assert fact in block
