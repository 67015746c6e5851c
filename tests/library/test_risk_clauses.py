"""The three risk families (licensing, force majeure and hardship, safety stock) and
compliance, drafted end to end through ``app.service``.

Assertions read the resolved document tree (runs joined into text, cross-references
shown as their numbers), so they test what a reader of the draft sees: posture variants
that really differ, licensing and force majeure clauses that never both relieve the
same failure, numbers equal to their parameters, and the variants the licensing
assessment calls for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from doctext import clause_text, in_words, joined

from app import service
from app.domain.document import (
    CrossRef,
    Document,
    ParagraphKind,
)
from app.domain.options import posture_defaults
from app.domain.safety_stock import compute_safety_stock, fixed_cover
from app.library.markup import format_number

TODAY = date(2026, 12, 1)
POSTURES = ("buyer", "balanced", "seller")
RISK_CLAUSES = ("export_licensing", "compliance", "safety_stock", "force_majeure", "hardship")
_HEADINGS = (ParagraphKind.CLAUSE, ParagraphKind.SCHEDULE, ParagraphKind.HEADING)
_SPAN_KINDS = (ParagraphKind.ITEM, ParagraphKind.SUBITEM, ParagraphKind.BODY)


@dataclass(frozen=True)
class Drafted:
    """One draft: its resolved document and the report's clause decisions."""

    document: Document
    included: frozenset[str]
    excluded: dict[str, str]
    notes: dict[str, str]
    controlled: bool | None
    quantity_text: str
    licence_delay_days: int


def _request(**changes: Any) -> dict[str, Any]:
    """SPEC.md's example (Dy oxide, CN to DE, 12 t a year from 2027) with changes.

    A key with a dot (``"licensing.long_stop_days"``) sets a nested option.
    """
    data: dict[str, Any] = {
        "element": "Dy",
        "form": "oxide",
        "volume": {"quantity": 12, "unit": "t", "per": "year"},
        "term": {"start_date": "2027-01-01", "months": 36},
        "seller": {"name": "Ganzhou Example Rare Earth Co., Ltd.", "country": "CN"},
        "buyer": {"name": "Example Magnetics GmbH", "country": "DE"},
        "posture": "balanced",
        "safety_stock": {"location": "Rotterdam bonded warehouse"},
    }
    for key, value in changes.items():
        target = data
        *path, last = key.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return data


@cache
def _drafted(request_json: str) -> Drafted:
    drafted = service.draft(request=service.parse_request_json(request_json), today=TODAY)
    decisions = drafted.assembly.decisions
    stock = drafted.facts.safety_stock
    return Drafted(
        document=drafted.assembly.document,
        included=frozenset(d.clause_id for d in decisions if d.included),
        excluded={d.clause_id: d.reason for d in decisions if not d.included},
        notes={d.clause_id: d.note for d in decisions},
        controlled=drafted.facts.assessment.controlled,
        quantity_text=_quantity_text(stock),
        licence_delay_days=drafted.facts.assessment.expected_delay_days,
    )


def _quantity_text(stock: Any) -> str:
    if stock is None:
        return ""
    unit = {"t": ("tonne", "tonnes"), "kg": ("kilogram", "kilograms")}[stock.unit]
    return f"{format_number(stock.quantity)} {unit[0] if stock.quantity == 1 else unit[1]}"


def _draft(**changes: Any) -> Drafted:
    return _drafted(json.dumps(_request(**changes), sort_keys=True))


def _span(document: Document, anchor: str) -> tuple[str, set[str]]:
    """The anchored sub-clause with its items and unnumbered text: (text, ref targets)."""
    paragraphs = document.paragraphs()
    start = next(i for i, p in enumerate(paragraphs) if p.anchor == anchor)
    span = [paragraphs[start]]
    for paragraph in paragraphs[start + 1 :]:
        if paragraph.kind not in _SPAN_KINDS:
            break
        span.append(paragraph)
    text = "\n".join(joined(p.runs, document) for p in span)
    refs = {run.target for p in span for run in p.runs if isinstance(run, CrossRef)}
    return text, refs


def _number_of(document: Document, anchor: str) -> str:
    return document.anchors[anchor].number


# --- posture variants ------------------------------------------------------------


@pytest.mark.parametrize("clause_id", RISK_CLAUSES)
def test_each_posture_drafts_different_text(clause_id: str) -> None:
    texts = {p: clause_text(_draft(posture=p).document, clause_id) for p in POSTURES}
    assert len(set(texts.values())) == len(POSTURES)


@pytest.mark.parametrize(
    ("clause_id", "buyer_only", "seller_only"),
    [
        (
            "export_licensing",
            "This obligation is absolute",
            "Diligent efforts do not require the Seller to bring proceedings",
        ),
        (
            "export_licensing",
            "counting the Seller's own requirements and those of its Affiliates",
            "an allocation the Seller makes in good faith on that basis is final",
        ),
        (
            "force_majeure",
            "a shortage of feedstock, labour or production capacity",
            "a reduction of the mining, smelting or separation quotas",
        ),
        (
            "force_majeure",
            "at its own cost, to overcome the Force Majeure Event",
            "without being obliged to incur material additional cost",
        ),
        ("hardship", "a movement, however large, in the market price", "with effect from the date"),
        ("safety_stock", "before the first scheduled Delivery", "no more than that quantity"),
        (
            "compliance",
            "an independent auditor bound by confidentiality inspect",
            "shall indemnify",
        ),
    ],
)
def test_buyer_and_seller_drafts_differ_in_substance(
    clause_id: str, buyer_only: str, seller_only: str
) -> None:
    buyer = clause_text(_draft(posture="buyer").document, clause_id)
    seller = clause_text(_draft(posture="seller").document, clause_id)
    assert buyer_only in buyer
    assert buyer_only not in seller
    assert seller_only in seller
    assert seller_only not in buyer


@pytest.mark.parametrize(
    ("posture", "who"), [("buyer", "the Buyer may cancel"), ("balanced", "either party may cancel")]
)
def test_who_may_cancel_at_the_long_stop_date_follows_the_posture(posture: str, who: str) -> None:
    text, _ = _span(_draft(posture=posture).document, "export_licensing.long_stop")
    assert who in text


# --- licensing and force majeure: no double relief, no gap -----------------------


@pytest.mark.parametrize("posture", POSTURES)
def test_licence_refusal_under_the_licensing_clause_is_not_force_majeure(posture: str) -> None:
    drafted = _draft(posture=posture, **{"force_majeure.licence_refusal": "licensing_clause"})
    document = drafted.document
    licensing = _number_of(document, "export_licensing")
    fm_text, fm_refs = _span(document, "force_majeure.export_controls")
    assert "is not a Force Majeure Event, whatever its cause" in fm_text
    assert f"governed exclusively by clause {licensing}" in fm_text
    assert "export_licensing" in fm_refs
    relief, relief_refs = _span(document, "export_licensing.relief")
    assert "A Licence Event is not a Force Majeure Event" in relief
    assert "force_majeure.export_controls" in relief_refs
    assert "this clause gives no further relief" not in relief
    # One right to terminate, in the licensing clause; the force majeure clause says so.
    termination, _ = _span(document, "export_licensing.termination")
    refusals = posture_defaults()[posture]["licensing"]["termination_refusals"]
    assert in_words(refusals, "refusal") in termination
    fm_termination, _ = _span(document, "force_majeure.termination")
    assert "This clause does not apply to a Licence Event" in fm_termination
    # No gap: a control introduced later is still governed by the licensing clause.
    known, _ = _span(document, "force_majeure.known_controls")
    assert "no failure to Deliver falls between the two clauses" in known


@pytest.mark.parametrize("posture", POSTURES)
def test_licence_refusal_as_force_majeure_gets_one_remedy_only(posture: str) -> None:
    drafted = _draft(posture=posture, **{"force_majeure.licence_refusal": "force_majeure"})
    document = drafted.document
    fm_text, fm_refs = _span(document, "force_majeure.export_controls")
    assert "is a Force Majeure Event affecting the Seller only if" in fm_text
    assert "Any other Licence Event is not a Force Majeure Event" in fm_text
    assert "gives no further relief or remedy for it" in fm_text
    assert {"export_licensing", "export_licensing.long_stop"} <= fm_refs
    relief, relief_refs = _span(document, "export_licensing.relief")
    assert "this clause gives no further relief" in relief
    assert "A Licence Event is not a Force Majeure Event" not in relief
    assert "force_majeure.export_controls" in relief_refs
    termination, termination_refs = _span(document, "export_licensing.termination")
    assert "gives no separate right of termination" in termination
    assert "refusal" not in termination
    assert termination_refs == {"force_majeure.termination"}
    fm_termination, _ = _span(document, "force_majeure.termination")
    assert "the only right to terminate this Agreement because of a Licence Event" in fm_termination
    notice, _ = _span(document, "export_licensing.notice")
    assert f"also a notice under clause {_number_of(document, 'force_majeure.notice')}" in notice


@pytest.mark.parametrize("licence_refusal", ["licensing_clause", "force_majeure"])
def test_controls_known_at_signing_are_never_unforeseeable(licence_refusal: str) -> None:
    document = _draft(**{"force_majeure.licence_refusal": licence_refusal}).document
    position, _ = _span(document, "export_licensing.position")
    assert "MOFCOM and GAC Announcement No. 18 of 2025" in position
    assert "“Known Controls”" in position
    known, _ = _span(document, "force_majeure.known_controls")
    assert "None of those matters is unforeseeable" in known
    assert ("Only the following Licence Events can be Force Majeure Events" in known) is (
        licence_refusal == "force_majeure"
    )
    hardship = clause_text(document, "hardship")
    assert "the Known Controls and their ordinary effects" in hardship


# --- numbers equal their parameters ----------------------------------------------

CUSTOM = {
    "licensing.application_days": 12,
    "licensing.buyer_documents_days": 21,
    "licensing.status_report_days": 11,
    "licensing.long_stop_days": 75,
    "licensing.termination_refusals": 5,
    "force_majeure.notice_days": 9,
    "force_majeure.termination_days": 150,
    "safety_stock.replenish_days": 45,
}


def test_every_parameter_appears_as_its_own_number() -> None:
    document = _draft(**CUSTOM).document
    licensing = clause_text(document, "export_licensing")
    for key, noun in [
        ("licensing.application_days", "day"),
        ("licensing.buyer_documents_days", "day"),
        ("licensing.status_report_days", "day"),
        ("licensing.long_stop_days", "day"),
        ("licensing.termination_refusals", "refusal"),
        ("force_majeure.notice_days", "day"),
        ("force_majeure.termination_days", "day"),
    ]:
        assert in_words(CUSTOM[key], noun) in licensing, key
    fm = clause_text(document, "force_majeure")
    for key in ("force_majeure.notice_days", "force_majeure.termination_days"):
        assert in_words(CUSTOM[key], "day") in fm, key
    assert in_words(CUSTOM["licensing.long_stop_days"], "day") in fm
    stock = clause_text(document, "safety_stock")
    assert in_words(CUSTOM["safety_stock.replenish_days"], "day") in stock


@pytest.mark.parametrize("clause_id", ["export_licensing", "force_majeure", "hardship"])
def test_no_number_in_the_risk_clauses_is_typed_in(clause_id: str) -> None:
    """Every "word (N)" figure is a parameter, the assessed licence delay or a year."""
    drafted = _draft(**CUSTOM)
    allowed = {*CUSTOM.values(), 12, drafted.licence_delay_days}  # 12: months in the window
    text = clause_text(drafted.document, clause_id)
    figures = {int(found) for found in re.findall(r"\((\d+)\)", text)}
    assert figures, "the clause states no figure at all"
    assert figures <= allowed, figures - allowed


@pytest.mark.parametrize("posture", POSTURES)
def test_posture_defaults_are_the_numbers_drafted(posture: str) -> None:
    document = _draft(posture=posture).document
    defaults = posture_defaults()[posture]
    long_stop, _ = _span(document, "export_licensing.long_stop")
    assert in_words(defaults["licensing"]["long_stop_days"], "day") in long_stop
    notice, _ = _span(document, "force_majeure.notice")
    assert in_words(defaults["force_majeure"]["notice_days"], "day") in notice
    termination, _ = _span(document, "force_majeure.termination")
    assert in_words(120, "day") in termination  # the request model's default period


def test_computed_safety_stock_quantity_is_the_computed_value() -> None:
    drafted = _draft()
    expected = compute_safety_stock(
        annual_quantity_kg=Decimal(12000),
        deliveries_per_year=4,
        demand_cv=0.2,
        base_lead_time_days=45,
        base_lead_time_sd_days=7,
        licence_delay_days=46,
        licence_delay_sd_days=20,
        service_level=0.95,
        unit="t",
    )
    assert expected.quantity == Decimal("1.6")  # 1,511.4 kg rounded up to 0.1 t
    text = clause_text(drafted.document, "safety_stock")
    assert "not less than 1.6 tonnes of Product" in text
    assert f"about {format_number(expected.months_of_cover)} months" in text
    schedule = clause_text(drafted.document, "safety_stock_schedule")
    for label, value in expected.steps:
        assert f"{label} | {value}" in schedule
    assert expected.formula in schedule


@pytest.mark.parametrize(
    ("volume", "cover", "quantity"),
    [
        ({"quantity": 12, "unit": "t", "per": "year"}, 3, "3 tonnes"),
        ({"quantity": 10, "unit": "t", "per": "year"}, 1.5, "1.3 tonnes"),  # 1.25 t, up
        ({"quantity": 500, "unit": "kg", "per": "month"}, 2, "1,000 kilograms"),
    ],
)
def test_fixed_cover_quantity_is_the_hand_computed_value(
    volume: dict[str, Any], cover: float, quantity: str
) -> None:
    drafted = _draft(
        volume=volume, **{"safety_stock.method": "fixed_cover", "safety_stock.cover_months": cover}
    )
    assert drafted.quantity_text == quantity
    assert f"not less than {quantity} of Product" in clause_text(drafted.document, "safety_stock")
    schedule = clause_text(drafted.document, "safety_stock_schedule")
    assert f"fixed cover of {format_number(Decimal(str(cover)))} months" in schedule
    result = fixed_cover(
        annual_quantity_kg=Decimal(str(volume["quantity"]))
        * (1000 if volume["unit"] == "t" else 1)
        * (12 if volume["per"] == "month" else 1),
        cover_months=Decimal(str(cover)),
        unit=volume["unit"],
    )
    assert result.steps[-1][1] in schedule


# --- the licensing assessment picks the variant ------------------------------------


@pytest.mark.parametrize(
    ("changes", "controlled", "present", "absent"),
    [
        (
            {"element": "Dy"},
            True,
            ["including MOFCOM and GAC Announcement No. 18 of 2025", "covering each Delivery"],
            ["While a Licence Requirement applies", "it is uncertain whether"],
        ),
        (
            {"element": "La"},
            False,
            ["no Export Licence is required", "While a Licence Requirement applies"],
            ["Announcement No. 18", "Known Controls", "it is uncertain whether"],
        ),
        (
            {"seller.country": "AU"},
            False,
            ["from Australia", "is introduced or comes back into force"],
            ["Announcement No. 18", "covering each Delivery"],
        ),
        (
            {"element": "Ho"},
            None,
            [
                "it is uncertain whether",
                "as if an Export Licence were required for each Delivery",
                "MOFCOM and GAC Announcement No. 57 of 2025",
            ],
            ["While a Licence Requirement applies"],
        ),
        (
            {"element": "Ho", "term.start_date": "2026-06-01"},
            False,
            ["are suspended", "a suspension may end during the Term", "Diligent efforts require"],
            ["it is uncertain whether"],
        ),
    ],
    ids=["Dy-CN-controlled", "La-CN-free", "Dy-AU-free", "Ho-CN-2027-uncertain", "Ho-CN-resumes"],
)
def test_the_assessment_chooses_the_licensing_variant(
    changes: dict[str, Any], controlled: bool | None, present: list[str], absent: list[str]
) -> None:
    drafted = _draft(**changes)
    assert drafted.controlled is controlled
    text = clause_text(drafted.document, "export_licensing")
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    assert ("export_licensing.confirmation" in drafted.document.anchors) is (controlled is None)


def test_the_uncontrolled_version_is_lighter() -> None:
    controlled = clause_text(_draft(element="Dy").document, "export_licensing")
    free = clause_text(_draft(element="La").document, "export_licensing")
    assert len(free) < 0.85 * len(controlled)
    assert "photographs of its site" in controlled
    assert "photographs of its site" not in free


@pytest.mark.parametrize(("element", "military"), [("Dy", True), ("La", False)])
def test_military_end_use_is_barred_only_where_a_control_denies_it(
    element: str, military: bool
) -> None:
    text = clause_text(_draft(element=element).document, "compliance")
    assert ("to a military end user or for a military end use" in text) is military


# --- United States destination ---------------------------------------------------


def test_us_destination_includes_the_defence_origin_clause() -> None:
    drafted = _draft(**{"buyer.country": "US"})
    assert "defence_origin" in drafted.included
    text = clause_text(drafted.document, "defence_origin")
    assert "252.225-7052" in text
    assert "originates in China, which is a Covered Country" in text


def test_other_destinations_leave_it_out_with_a_reason() -> None:
    drafted = _draft()
    assert "defence_origin" not in drafted.included
    assert "not the United States" in drafted.excluded["defence_origin"]


@pytest.mark.parametrize(("posture", "dated"), [("buyer", False), ("seller", True)])
def test_magnets_from_outside_the_covered_countries_carry_an_origin_warranty(
    posture: str, dated: bool
) -> None:
    drafted = _draft(
        form="magnet", posture=posture, **{"buyer.country": "US", "seller.country": "JP"}
    )
    text = clause_text(drafted.document, "defence_origin")
    assert "was not melted or produced in a Covered Country" in text
    assert ("if it is Delivered on or after 1 January 2027" in text) is dated
    assert "which is a Covered Country" not in text


# --- safety stock, hardship, force majeure options ---------------------------------


@pytest.mark.parametrize(
    ("holder", "phrase"),
    [
        ("seller_warehouse", "at Rotterdam bonded warehouse (the “Warehouse”)"),
        ("consignment", "as consignment stock (the “Consignment Stock”)"),
        ("vendor_managed", "a “Minimum Level”, equal to the Required Level"),
    ],
)
def test_the_holder_chooses_the_safety_stock_variant(holder: str, phrase: str) -> None:
    text = clause_text(_draft(**{"safety_stock.holder": holder}).document, "safety_stock")
    assert phrase in text
    title_passes_on_withdrawal = "until the Buyer withdraws it" in text
    assert title_passes_on_withdrawal is (holder != "seller_warehouse")


def test_no_safety_stock_leaves_out_both_clauses_and_every_mention() -> None:
    drafted = _draft(**{"safety_stock.method": "none"})
    assert {"safety_stock", "safety_stock_schedule"} <= set(drafted.excluded)
    allocation, refs = _span(drafted.document, "export_licensing.allocation")
    assert "Safety Stock" not in allocation
    assert not any(ref.startswith("safety_stock") for ref in refs)
    assert "Safety Stock" not in clause_text(drafted.document, "force_majeure")


@pytest.mark.parametrize(("buy_back", "phrase"), [(True, "the Buyer shall buy"), (False, "may")])
def test_buy_back_at_the_end_of_the_term(buy_back: bool, phrase: str) -> None:
    drafted = _draft(**{"safety_stock.buy_back": buy_back})
    text, _ = _span(drafted.document, "safety_stock.end_of_term")
    assert phrase in text
    assert ("is not obliged to buy it" in text) is (not buy_back)


@pytest.mark.parametrize(
    ("route", "phrase"),
    [
        ("renegotiate_then_terminate", "the party that invoked this clause may terminate"),
        ("renegotiate_then_adapt", "the tribunal may adapt this Agreement"),
    ],
)
def test_hardship_follows_the_chosen_route(route: str, phrase: str) -> None:
    text = clause_text(_draft(**{"force_majeure.hardship": route}).document, "hardship")
    assert phrase in text


def test_no_hardship_route_leaves_the_clause_out() -> None:
    drafted = _draft(**{"force_majeure.hardship": "none"})
    assert "hardship" in drafted.excluded
    assert "Hardship Event" not in clause_text(drafted.document, "force_majeure")


def test_additional_force_majeure_events_are_listed() -> None:
    drafted = _draft(**{"force_majeure.additional_events": ["cyber-attack on the Seller's plant."]})
    presumed, _ = _span(drafted.document, "force_majeure.presumed")
    assert "cyber-attack on the Seller's plant;" in presumed


@pytest.mark.parametrize(
    "clause_id",
    [*RISK_CLAUSES, "defence_origin", "safety_stock_schedule"],
)
def test_every_family_carries_a_drafting_note(clause_id: str) -> None:
    assert _draft().notes[clause_id].strip()
