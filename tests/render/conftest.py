"""Sample documents for the renderer tests, built by hand and resolved.

:func:`build_agreement` is a plain function (not only a fixture) so that the
determinism test can call it in a second process and the LibreOffice test can reuse
it; both load this file by path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.domain.document import (
    ClauseStamp,
    CrossRef,
    DefinedTerm,
    Document,
    DocumentProperties,
    EmbeddedData,
    Inline,
    PageBreak,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    TableOfContents,
    Text,
)
from app.domain.numbering import resolve
from app.render.docx_writer import render_docx

SELLER = "赣州稀土 Example Rare Earth Co., Ltd."
BUYER = "Smith & Sons <Ltd>"

K = ParagraphKind


def _para(kind: ParagraphKind, *runs: Inline | str, anchor: str | None = None) -> Paragraph:
    return Paragraph(
        kind=kind,
        runs=tuple(Text(run) if isinstance(run, str) else run for run in runs),
        anchor=anchor,
    )


def _cover() -> list[Paragraph | Table | PageBreak | TableOfContents]:
    key_terms = Table(
        header=((Text("Term"),), (Text("Agreed"),)),
        rows=(
            ((Text("Seller"),), (Text(SELLER),)),
            ((Text("Buyer"),), (Text(BUYER),)),
            ((Text("Seller's address"),), (Placeholder("seller.address", "Seller's address"),)),
            ((Text("Delivery"),), (Text("As set out in "), CrossRef("products"))),
            ((Text("Price review"),), (Text("Clause "), CrossRef("price.review"))),
        ),
        column_widths=(1, 2),
        style="key_terms",
    )
    return [
        _para(K.TITLE, "Rare Earth Supply Agreement"),
        _para(K.SUBTITLE, "Dysprosium oxide, 12 t per year"),
        _para(K.PLAIN, "between ", Text(SELLER, bold=True), " and ", Text(BUYER, bold=True)),
        key_terms,
        _para(K.NOTE, Text("Draft for discussion", italic=True)),
        TableOfContents(),
        PageBreak(),
    ]


def _clause_one() -> list[Paragraph | Table | PageBreak | TableOfContents]:
    return [
        _para(K.CLAUSE, "Definitions and interpretation", anchor="definitions"),
        _para(K.SUBCLAUSE, "In this agreement:", anchor="definitions.terms"),
        _para(K.ITEM, DefinedTerm("Products"), " means the goods in ", CrossRef("products"), ";"),
        _para(K.ITEM, DefinedTerm("Seller"), " means ", Text(SELLER), ";", anchor="def.seller"),
        _para(K.SUBITEM, "including its successors;", anchor="def.seller.successors"),
        _para(K.SUBITEM, "and permitted assigns;"),
        _para(K.ITEM, DefinedTerm("Buyer"), " means ", Text(BUYER), "."),
        _para(K.BODY, "Headings do not affect interpretation."),
        _para(
            K.SUBCLAUSE,
            "A reference to ",
            CrossRef("def.seller.successors"),
            " includes a reference to ",
            CrossRef("def.seller"),
            ".",
        ),  # fmt: skip
    ]


def _clause_body(index: int) -> list[Paragraph | Table | PageBreak | TableOfContents]:
    """A generic clause with three sub-clauses, items and one sub-item."""
    prefix = f"c{index}"
    return [
        _para(K.CLAUSE, f"Operative clause {index}", anchor=prefix),
        _para(
            K.SUBCLAUSE,
            "The Seller shall deliver the Products in accordance with ",
            CrossRef("products"),
            " and ",
            CrossRef("definitions.terms"),
            ".",
            anchor=f"{prefix}.1",
        ),  # fmt: skip
        _para(
            K.SUBCLAUSE,
            "Each party shall act in good faith and shall promptly notify the "
            "other party of any event that may delay performance under this clause.",
        ),  # fmt: skip
        _para(K.ITEM, "the notice shall be in writing;"),
        _para(K.ITEM, "the notice shall state ", Placeholder(f"{prefix}.detail", "details"), ";"),
        _para(K.SUBITEM, "with supporting evidence;", anchor=f"{prefix}.evidence"),
        _para(
            K.SUBCLAUSE,
            "Subject to ",
            CrossRef(f"{prefix}.evidence"),
            " and ",
            CrossRef(f"{prefix}.1"),
            ", this clause survives termination.",
        ),  # fmt: skip
    ]


def _schedules(rows: int) -> list[Paragraph | Table | PageBreak | TableOfContents]:
    table = Table(
        header=((Text("Lot"),), (Text("Quantity (kg)"),), (Text("Month"),), (Text("Notes"),)),
        rows=tuple(
            (
                (Text(f"Lot {row + 1}"),),
                (Text(f"{(row + 1) * 250}"),),
                (Text(f"Month {row % 12 + 1}"),),
                (Placeholder("delivery.place", "place"),) if row % 10 == 0 else (),
            )
            for row in range(rows)
        ),
        column_widths=(1, 1.5, 1.5, 3),
    )
    return [
        PageBreak(),
        _para(K.SCHEDULE, "Products", anchor="products"),
        _para(
            K.PLAIN,
            "Dysprosium oxide (Dy",
            Text("2", italic=True),
            "O",
            Text("3", italic=True),
            "), purity ",
            Placeholder("purity", "purity %"),
            ".",
        ),  # fmt: skip
        table,
        PageBreak(),
        _para(K.SCHEDULE, "Price", anchor="schedule.price"),
        _para(K.PLAIN, "The price is reviewed under clause ", CrossRef("price.review"), "."),
    ]


def build_agreement(*, clauses: int = 4, schedule_rows: int = 60) -> Document:
    """A resolved sample agreement; ``clauses`` generic clauses follow the first two."""
    blocks: list[Paragraph | Table | PageBreak | TableOfContents] = [*_cover(), *_clause_one()]
    blocks += [
        _para(K.CLAUSE, "Price", anchor="price"),
        _para(K.SUBCLAUSE, "The price is set out in ", CrossRef("schedule.price"), "."),
        _para(K.SUBCLAUSE, "The parties shall review the price annually.", anchor="price.review"),
    ]
    for index in range(3, clauses + 3):
        blocks += _clause_body(index)
    blocks += _schedules(schedule_rows)
    request = {
        "element": "Dy",
        "seller": {"name": SELLER},
        "buyer": {"name": BUYER},
        "term": {"months": 36, "start_date": "2027-01-01"},
        "volume": {"per": "year", "quantity": 12, "unit": "t"},
    }
    document = Document(
        properties=DocumentProperties(
            title="Rare Earth Supply Agreement",
            subject="Dysprosium oxide supply",
            author="Clausewright",
            keywords="rare earth; dysprosium; supply",
            created=datetime(2027, 1, 1, 9, 30, tzinfo=UTC),
            revision=3,
        ),
        embedded=EmbeddedData(
            request_json=json.dumps(
                request, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ),  # fmt: skip
            clauses=(ClauseStamp("definitions", "1.2.0"), ClauseStamp("price", "2.0.1")),
            library_version="2027.1.0",
            input_hash="3f" * 32,
        ),
        blocks=list(blocks),
        header_text="DRAFT 1 - for discussion",
    )
    resolve(document)
    return document


@pytest.fixture
def agreement() -> Document:
    """The standard sample agreement, resolved."""
    return build_agreement()


@pytest.fixture
def agreement_docx(agreement: Document) -> bytes:
    """The standard sample agreement rendered to .docx."""
    return render_docx(agreement)


@pytest.fixture
def agreement_builder() -> Callable[[], Document]:
    """A function that builds a fresh copy of the standard sample agreement."""
    return build_agreement


@pytest.fixture
def long_agreement() -> Document:
    """About thirty pages in LibreOffice: 95 generic clauses and the 60-row schedule."""
    return build_agreement(clauses=95)
