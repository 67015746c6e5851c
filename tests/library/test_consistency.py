"""The drafts read as one consistent agreement, the way a trade lawyer reviews them.

Across a matrix of requests (every posture, licensing position and treatment of licence
refusal; safety-stock holders and methods, hardship routes and a US destination rotating
through them) each draft must: define every defined term once and use it; never use a
term of the library that the draft does not define; end every list item properly; point
each cross-reference at a provision that says what the reference relies on; repeat the
cover page's key terms in the clauses that carry them; and never misname its own number.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from doctext import clause_text, joined, placeholder_keys, texts

from app import service
from app.domain.document import (
    NUMBERED_KINDS,
    DefinedTerm,
    Document,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
)
from app.domain.numbering import iter_cross_refs

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "clause_templates"
TODAY = date(2026, 12, 1)
POSTURES = ("buyer", "balanced", "seller")
ELEMENTS = {"controlled": "Dy", "free": "La", "uncertain": "Ho"}
REFUSALS = ("licensing_clause", "force_majeure")
STOCK = (
    ("computed", "seller_warehouse"),
    ("fixed_cover", "consignment"),
    ("computed", "vendor_managed"),
    ("none", "seller_warehouse"),
)
HARDSHIP = ("renegotiate_then_terminate", "renegotiate_then_adapt", "none")


def _case(index: int, posture: str, position: str, refusal: str) -> dict[str, Any]:
    method, holder = STOCK[index % len(STOCK)]
    return {
        "element": ELEMENTS[position],
        "form": "oxide",
        "volume": {"quantity": 12, "unit": "t", "per": "year"},
        "term": {"start_date": "2027-01-01", "months": 36},
        "seller": {"name": "Example Rare Earth Co., Ltd.", "country": "CN"},
        "buyer": {"name": "Example Magnetics Inc.", "country": "US" if index % 5 == 0 else "DE"},
        "posture": posture,
        "force_majeure": {
            "licence_refusal": refusal,
            "hardship": HARDSHIP[index % len(HARDSHIP)],
            "additional_events": ["cyber-attack"] if index % 2 else [],
        },
        "safety_stock": {"method": method, "holder": holder, "location": "Rotterdam"},
    }


def _examples() -> list[tuple[str, dict[str, Any]]]:
    found = [
        (path.stem, json.loads(path.read_text())) for path in (ROOT / "examples").glob("*.json")
    ]
    full = dict(json.loads((ROOT / "examples" / "full.json").read_text()))
    seller = {**full, "posture": "seller", "force_majeure": {"licence_refusal": "force_majeure"}}
    bare = {**full, "safety_stock": {"method": "none"}, "force_majeure": {"hardship": "none"}}
    magnet = {**full, "element": "Nd", "form": "magnet", "posture": "balanced"}
    magnet["buyer"] = {**full["buyer"], "country": "US"}
    fixed = {**full, "price": {"mode": "fixed", "currency": "EUR", "unit_price": 310}}
    courts = {**full, "disputes": {"governing_law": "germany", "forum": "courts"}}
    return [
        *sorted(found),
        ("full-seller-fm", seller),
        ("full-no-stock-no-hardship", bare),
        ("full-nd-magnet-us", magnet),
        ("full-fixed-price", fixed),
        ("full-courts", courts),
    ]


CASES: list[tuple[str, dict[str, Any]]] = [
    (f"{posture}-{position}-{refusal}-{index}", _case(index, posture, position, refusal))
    for index, (posture, position, refusal) in enumerate(product(POSTURES, ELEMENTS, REFUSALS))
] + _examples()
IDS = [name for name, _ in CASES]
REQUESTS = [request for _, request in CASES]


@cache
def _document(request_json: str) -> Document:
    request = service.parse_request_json(request_json)
    return service.draft(request=request, today=TODAY).assembly.document


def _draft(request: dict[str, Any]) -> Document:
    return _document(json.dumps(request, sort_keys=True))


def _cells(document: Document) -> list[tuple[Any, ...]]:
    cells: list[tuple[Any, ...]] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            cells.append(block.runs)
        elif isinstance(block, Table):
            cells.extend(cell for row in (block.header, *block.rows) for cell in row)
    return cells


def _definitions(document: Document) -> Counter[str]:
    return Counter(
        run.term for cell in _cells(document) for run in cell if isinstance(run, DefinedTerm)
    )


def _library_terms() -> set[str]:
    terms: set[str] = set()
    for path in LIBRARY.rglob("*.md"):
        terms |= set(re.findall(r'define\("([^"]+)"\)', path.read_text(encoding="utf-8")))
    return terms


def _uses(term: str, text: str) -> int:
    """Uses of a term outside its defining occurrence (which the reader shows in quotes)."""
    return len(re.findall(rf"(?<![“\w]){re.escape(term)}(?![”\w])", text))


def test_the_matrix_covers_every_option() -> None:
    assert len(CASES) >= 20
    for key, values in [("posture", POSTURES)]:
        assert {request[key] for request in REQUESTS} >= set(values)
    stock = {(r["safety_stock"]["method"], r["safety_stock"]["holder"]) for r in REQUESTS[:18]}
    assert stock == set(STOCK)
    assert {r["force_majeure"]["hardship"] for r in REQUESTS[:18]} == set(HARDSHIP)


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_every_defined_term_is_defined_once_and_used(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    definitions = _definitions(document)
    assert definitions, "the draft defines no term"
    twice = sorted(term for term, times in definitions.items() if times > 1)
    assert not twice, f"defined more than once: {twice}"
    text = "\n".join(texts(document))
    unused = sorted(term for term in definitions if _uses(term, text) == 0)
    assert not unused, f"defined but never used: {unused}"


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_no_term_of_the_library_is_used_without_its_definition(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    defined = set(_definitions(document))
    text = "\n".join(texts(document))
    undefined = sorted(t for t in _library_terms() - defined if _uses(t, text))
    assert not undefined, f"used but not defined in this draft: {undefined}"


def _paragraphs(document: Document) -> list[tuple[ParagraphKind | None, str]]:
    return [
        (block.kind, joined(block.runs, document)) if isinstance(block, Paragraph) else (None, "")
        for block in document.blocks
    ]


def _list_problems(paragraphs: list[tuple[ParagraphKind | None, str]]) -> list[str]:
    """Each run of (a)-level items: all but the last end with ';' (the one before the last
    with '; and' or '; or'); the last ends the sentence ('.') or leads on (',' or ':')."""
    problems: list[str] = []
    items: list[str] = []
    for kind, text in [*paragraphs, (None, "")]:
        if kind is ParagraphKind.ITEM:
            items.append(text)
            continue
        if kind is ParagraphKind.SUBITEM:
            continue
        for position, item in enumerate(items):
            left = len(items) - 1 - position
            if left == 0:
                ok = item.endswith((".", ",", ":"))
            elif left == 1:
                ok = item.endswith(("; and", "; or", ":"))
            else:
                ok = item.endswith((";", ":"))
            if not ok:
                problems.append(item[-90:])
        items = []
    return problems


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_every_list_item_ends_properly(request_: dict[str, Any]) -> None:
    assert _list_problems(_paragraphs(_draft(request_))) == []


@pytest.mark.parametrize(
    ("endings", "wrong"),
    [
        (("a;", "b; and", "c."), []),
        (("a;", "b;", "c."), ["b;"]),
        (("a; and", "b;", "c."), ["a; and", "b;"]),
        (("a;", "b; or", "c;"), ["c;"]),
    ],
)
def test_the_list_check_catches_broken_endings(endings: tuple[str, ...], wrong: list[str]) -> None:
    paragraphs: list[tuple[ParagraphKind | None, str]] = [(ParagraphKind.SUBCLAUSE, "Intro:")]
    paragraphs += [(ParagraphKind.ITEM, ending) for ending in endings]
    assert _list_problems(paragraphs) == wrong


# What the provision a cross-reference points at must be about: anchor -> words that
# must occur in it (the anchored paragraph and the items under it).
ABOUT = {
    "price_payment.licence_costs": ("Export Licence",),
    "price_payment.review": ("review",),
    "price_payment.invoicing": ("invoice",),
    "export_licensing.position": ("Export Licence", "at the date of this Agreement"),
    "export_licensing.duty": ("Export Licence",),
    "export_licensing.application": ("application",),
    "export_licensing.condition": ("condition",),
    "export_licensing.cooperation": ("End-Use Documents",),
    "export_licensing.notice": ("notify",),
    "export_licensing.long_stop": ("Long-Stop Date", "cancel"),
    "export_licensing.allocation": ("allocate",),
    "export_licensing.substitution": ("in place of",),
    "export_licensing.termination": ("terminat",),
    "export_licensing.change": ("after the date of this Agreement",),
    "export_licensing.confirmation": ("confirms",),
    "force_majeure.test": ("beyond its reasonable control",),
    "force_majeure.notice": ("notify",),
    "force_majeure.export_controls": ("Licence Event",),
    "force_majeure.known_controls": ("Licence",),
    "force_majeure.relief": ("relieved",),
    "force_majeure.termination": ("terminate",),
    "safety_stock.release": ("Safety Stock", "Delivery"),
    "safety_stock.level": ("Required Level",),
    "safety_stock.method": ("Required Level",),
    "safety_stock.replenishment": ("restore",),
    "safety_stock.title_risk": ("itle",),
    "safety_stock.end_of_term": ("expiry",),
    "delivery.title_risk": ("itle", "isk"),
    "delivery.packaging": ("pack",),
    "delivery.documents": ("invoice",),
    "supply.tolerance": ("quantity Delivered against an Order",),
    "supply.minimum": ("Shortfall Quantity",),
    "term_termination.term": ("comes into force",),
    "term_termination.termination_events": ("terminate",),
    "term_termination.consequences": ("expiry or termination",),
    "term_termination.survival": ("survive",),
    "liability.cap": ("total liability",),
    "confidentiality.exceptions": ("does not apply",),
    "quality.rejection": ("reject",),
    "compliance.records": ("records",),
    "forecasts_orders.acceptance": ("accept",),
    "compliance.end_use": ("end use",),
    "compliance.representations": ("Restricted Person",),
    "confidentiality.duty": ("Confidential Information",),
    "defence_origin.certificate": ("certificate of origin",),
    "defence_origin.origin": ("originates",),
    "disputes.forum": ("dispute arising out of",),
    "disputes.negotiation": ("senior executive",),
    "liability.exceptions": ("Nothing in this Agreement limits",),
    "liability.indirect": ("loss of profit",),
    "quality.umpire": ("umpire",),
}


def _provision(document: Document, anchor: str) -> str:
    """The anchored paragraph and the deeper-numbered paragraphs that follow it."""
    found: list[str] = []
    level: int | None = None
    for block in document.blocks:
        if not isinstance(block, Paragraph):
            continue
        depth = NUMBERED_KINDS.index(block.kind) if block.kind in NUMBERED_KINDS else None
        if level is None:
            if block.anchor == anchor:
                level = depth if depth is not None else 99
                found.append(joined(block.runs, document))
            continue
        if depth is not None and depth <= level:
            break
        found.append(joined(block.runs, document))
    return "\n".join(found)


def test_every_anchor_other_clauses_rely_on_has_a_subject() -> None:
    refs = set()
    for path in LIBRARY.rglob("*.md"):
        refs |= set(re.findall(r'ref\("([a-z_]+\.[a-z_]+)"\)', path.read_text(encoding="utf-8")))
    assert refs <= set(ABOUT), f"add what these provisions are about: {sorted(refs - set(ABOUT))}"


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_each_cross_reference_points_at_what_it_relies_on(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    cited = {ref.target for ref in iter_cross_refs(document)}
    assert cited & set(ABOUT)
    for anchor, words in ABOUT.items():
        if anchor not in cited:
            continue
        provision = _provision(document, anchor)
        for word in words:
            assert word in provision, f"{anchor} ({document.anchors[anchor].number}): {word!r}"


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_a_paragraph_calls_itself_by_its_own_number(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    for block in document.blocks:
        if not isinstance(block, Paragraph):
            continue
        for named in re.findall(r"\bthis clause (\d+(?:\.\d+)?)", joined(block.runs, document)):
            assert block.number is not None, named
            own = block.number == named or block.number.startswith(named + ".")
            assert own, f"paragraph {block.number} calls itself clause {named}"


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_periods_of_notice_take_the_possessive(request_: dict[str, Any]) -> None:
    text = "\n".join(texts(_draft(request_)))
    wrong = re.search(r"\((\d+)\) (?:Business )?(?:days|Days|months|weeks) notice", text)
    assert wrong is None, text[max(wrong.start() - 60, 0) : wrong.end()]


# The clauses that must repeat each key term of the cover page.
KEY_TERM_CLAUSES = {
    "Contract Quantity": ("supply", "definitions"),
    "Term": ("term_termination",),
    "Delivery": ("delivery",),
    "Price": ("price_payment",),
    "Payment": ("price_payment",),
    "Disputes": ("disputes",),
    "Governing law": ("disputes",),
    "Safety Stock": ("safety_stock",),
}
FIGURES = re.compile(
    r"[a-z-]+ \(\d+\) [a-z]+"  # thirty-six (36) months
    r"|\b\d{1,2} [A-Z][a-z]+ \d{4}\b"  # 1 January 2027
    r"|\b[A-Z]{3} [\d,]+\.\d\d\b"  # USD 180.00
    r"|\b\d+(?:\.\d+)? (?:tonnes|kilograms|kg|t)\b"  # 12 tonnes
    r"|\b\d+(?:\.\d+)? %"  # 2.5 %
)


def _key_terms(document: Document) -> dict[str, str]:
    table = next(b for b in document.blocks if isinstance(b, Table))  # the cover's table
    assert joined(table.header[0], document) == "Item"
    return {joined(row[0], document): joined(row[1], document) for row in table.rows}


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_key_terms_on_the_cover_agree_with_the_clauses(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    key_terms = _key_terms(document)
    for label, clause_ids in KEY_TERM_CLAUSES.items():
        if label not in key_terms:
            assert label == "Safety Stock", f"no {label!r} row on the cover"
            continue
        row = re.sub(r"\(about [\d.]+ months of supply\)", "", key_terms[label])
        row = re.sub(r"\(\d+ tonnes over the Term\)", "", row)
        figures = FIGURES.findall(row)
        for clause_id in clause_ids:
            text = clause_text(document, clause_id)
            for figure in figures:
                assert figure in text, f"{label}: {figure!r} is not in clause {clause_id}"
    months = re.search(r"about ([\d.]+) months", key_terms.get("Safety Stock", ""))
    if months:
        assert f"about {months.group(1)} months" in clause_text(document, "safety_stock")


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_the_term_row_states_the_term_clause_figures(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    assert FIGURES.findall(_key_terms(document)["Term"]), "the Term row carries no figure"


def test_a_request_with_every_fact_leaves_placeholders_only_in_the_specification() -> None:
    document = _draft(json.loads((ROOT / "examples" / "full.json").read_text()))
    assert all(key.startswith("specification.") for key in placeholder_keys(document))
    outside = [
        run
        for block in document.blocks
        if isinstance(block, Paragraph) and block.kind is not ParagraphKind.PLAIN
        for run in block.runs
        if isinstance(run, Placeholder)
    ]
    assert outside == []


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_shortage_allocation_survives_when_licensing_is_switched_off(
    request_: dict[str, Any],
) -> None:
    document = _draft(request_)
    change = _provision(document, "export_licensing.change")
    confirmation = (
        _provision(document, "export_licensing.confirmation")
        if "export_licensing.confirmation" in document.anchors
        else ""
    )
    allocation = document.anchors["export_licensing.allocation"].number
    for text in (change, confirmation):
        if "do not apply" in text or "apply only if and when" in text:
            assert f"except clause {allocation}" in text, text


@pytest.mark.parametrize("request_", REQUESTS, ids=IDS)
def test_replenishment_waits_for_the_export_licence(request_: dict[str, Any]) -> None:
    document = _draft(request_)
    if "safety_stock.replenishment" not in document.anchors:
        return
    text = _provision(document, "safety_stock.replenishment")
    if "Each quantity placed in the Safety Stock shall already have been exported" in (
        clause_text(document, "safety_stock")
    ):
        assert "granted" in text, text
