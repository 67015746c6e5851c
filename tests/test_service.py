"""The service end to end, in process: selection with reasons, the report, warnings."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from app import reporting, service
from app.domain.document import Paragraph, ParagraphKind, Placeholder, Table, Text
from app.domain.numbering import iter_cross_refs


def _draft(data: dict[str, Any], today: date = date(2026, 12, 1)) -> service.Draft:
    return service.draft(request=service.parse_request(data), today=today)


def _report(data: dict[str, Any]) -> dict[str, Any]:
    return reporting.report(_draft(data))


def test_report_has_every_promised_key(spec_request: dict[str, Any]) -> None:
    report = _report(spec_request)
    for key in ("clauses", "excluded", "licensing", "safety_stock", "placeholders", "warnings",
                "input_hash", "library_version"):  # fmt: skip
        assert key in report
    for clause in report["clauses"]:
        assert set(clause) >= {"id", "version", "number", "title", "reason"}
        assert clause["reason"].strip()
    assert report["licensing"]["controlled"] is True  # Dy oxide from China, No. 18 in force
    assert report["safety_stock"]["unit"] == "t"
    assert report["safety_stock"]["quantity"] > 0


def test_every_library_clause_is_either_included_or_excluded_with_a_reason(
    spec_request: dict[str, Any],
) -> None:
    report = _report(spec_request)
    library_ids = {clause.meta.id for clause in service.get_library().clauses}
    included = {clause["id"] for clause in report["clauses"]}
    excluded = {clause["id"] for clause in report["excluded"]}
    assert included | excluded == library_ids
    assert not included & excluded
    assert all(item["reason"].strip() for item in report["excluded"])


def test_the_agreement_has_the_sections_a_lawyer_expects(spec_request: dict[str, Any]) -> None:
    report = _report(spec_request)
    ids = [clause["id"] for clause in report["clauses"]]
    for expected in ("cover", "definitions", "supply", "forecasts_orders", "delivery", "quality",
                     "price_payment", "export_licensing", "force_majeure", "hardship",
                     "safety_stock", "compliance", "term_termination", "liability",
                     "confidentiality", "disputes", "notices", "general", "signatures",
                     "specification_schedule", "delivery_plan_schedule",
                     "safety_stock_schedule"):  # fmt: skip
        assert expected in ids
    numbered = [clause["number"] for clause in report["clauses"] if clause["part"] == "clause"]
    assert numbered == [str(index) for index in range(1, len(numbered) + 1)]


@pytest.mark.parametrize(
    ("changes", "clause_id", "included"),
    [
        ({"buyer": {"country": "US"}}, "defence_origin", True),
        ({}, "defence_origin", False),
        ({"force_majeure": {"hardship": "none"}}, "hardship", False),
        ({"safety_stock": {"method": "none"}}, "safety_stock", False),
        ({"safety_stock": {"method": "none"}}, "safety_stock_schedule", False),
        ({"safety_stock": {"method": "fixed_cover", "cover_months": 4}}, "safety_stock", True),
    ],
)
def test_clauses_are_chosen_for_the_situation(
    spec_request: dict[str, Any], changes: dict[str, Any], clause_id: str, included: bool
) -> None:
    report = _report({**spec_request, **changes})
    ids = {clause["id"] for clause in report["clauses"]}
    assert (clause_id in ids) is included
    if not included:
        reasons = {item["id"]: item["reason"] for item in report["excluded"]}
        assert reasons[clause_id]


def test_missing_facts_are_placeholders_listed_in_the_report(spec_request: dict[str, Any]) -> None:
    draft = _draft(spec_request)
    keys = {item["key"] for item in reporting.report(draft)["placeholders"]}
    assert {"agreement_date", "delivery.incoterm", "price.unit_price"} <= keys
    in_document = {
        run.key
        for block in draft.assembly.document.blocks
        if isinstance(block, Paragraph)
        for run in block.runs
        if isinstance(run, Placeholder)
    }
    assert in_document <= keys


def test_a_full_request_leaves_fewer_placeholders(
    spec_request: dict[str, Any], full_request: dict[str, Any]
) -> None:
    sparse = {item["key"] for item in _report(spec_request)["placeholders"]}
    full = {item["key"] for item in _report(full_request)["placeholders"]}
    assert full < sparse
    assert "seller.name" not in full
    assert "disputes.governing_law" not in full


def _all_text(draft: service.Draft) -> str:
    parts: list[str] = []
    for block in draft.assembly.document.blocks:
        runs: list[Any] = []
        if isinstance(block, Paragraph):
            runs = list(block.runs)
        elif isinstance(block, Table):
            runs = [run for row in (block.header, *block.rows) for cell in row for run in cell]
        parts.extend(run.text for run in runs if isinstance(run, Text))
    return "\n".join(parts)


def test_no_template_syntax_or_none_reaches_the_text(full_request: dict[str, Any]) -> None:
    text = _all_text(_draft(full_request))
    for token in ("{{", "}}", "{%", "%}", "](", "\\"):
        assert token not in text
    assert not re.search(r"\bNone\b(?! of\b)", text)  # "None of the following" is English


def test_every_cross_reference_resolves(full_request: dict[str, Any]) -> None:
    document = _draft(full_request).assembly.document
    refs = iter_cross_refs(document)
    assert len(refs) > 20
    assert all(ref.target in document.anchors for ref in refs)


def test_the_input_hash_identifies_the_request(spec_request: dict[str, Any]) -> None:
    first = service.input_hash(service.parse_request(spec_request))
    spelled_differently = {**spec_request, "element": "dysprosium", "volume": "12 t per year"}
    assert service.input_hash(service.parse_request(spelled_differently)) == first
    changed = {**spec_request, "posture": "buyer"}
    assert service.input_hash(service.parse_request(changed)) != first


def test_warnings_depend_on_today_but_the_document_does_not(spec_request: dict[str, Any]) -> None:
    early = _draft(spec_request, today=date(2026, 12, 1))
    late = _draft(spec_request, today=date(2027, 6, 1))
    assert any("reviewed" in warning for warning in late.warnings)
    assert not any("days ago" in warning for warning in early.warnings)
    assert early.assembly.document.blocks == late.assembly.document.blocks


@pytest.mark.parametrize(
    ("request_changes", "name_part"),
    [
        ({}, "ganzhou-example-rare-earth-co-ltd_example-magnetics-gmbh_dysprosium-supply"),
        ({"seller": {}, "buyer": {}}, "seller_buyer_dysprosium-supply-agreement"),
    ],
)
def test_docx_file_name_is_descriptive_and_safe(
    spec_request: dict[str, Any], request_changes: dict[str, Any], name_part: str
) -> None:
    name = service.docx_filename(_draft({**spec_request, **request_changes}))
    assert name_part in name
    assert name.endswith("2027-01-01.docx")
    assert name.isascii()
    assert "/" not in name
    assert " " not in name


def test_clause_paragraphs_follow_their_heading(spec_request: dict[str, Any]) -> None:
    document = _draft(spec_request).assembly.document
    kinds = [paragraph.kind for paragraph in document.paragraphs()]
    first_clause = kinds.index(ParagraphKind.CLAUSE)
    assert ParagraphKind.SUBCLAUSE not in kinds[:first_clause]


def test_country_names_read_as_english_in_sentences_and_tables(
    spec_request: dict[str, Any],
) -> None:
    text = _all_text(_draft({**spec_request, "buyer": {"name": "B Inc.", "country": "US"}}))
    assert "incorporated in the United States" in text
    assert "Destination\nUnited States" in text  # the key-terms cell has no article


@pytest.mark.parametrize(
    ("long_stop", "fm_days", "warned"), [(90, 120, False), (120, 120, True), (200, 150, True)]
)
def test_a_long_stop_not_shorter_than_force_majeure_termination_is_flagged(
    spec_request: dict[str, Any], long_stop: int, fm_days: int, warned: bool
) -> None:
    changes = {
        "licensing": {"long_stop_days": long_stop},
        "force_majeure": {"termination_days": fm_days},
    }
    warnings = _draft({**spec_request, **changes}).warnings
    assert any("long-stop period" in warning for warning in warnings) is warned
