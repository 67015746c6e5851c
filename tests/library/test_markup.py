"""The clause-text language: user text stays text, helpers become tree nodes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    Text,
)
from app.errors import ClauseLibraryError
from app.library.markup import Missing, format_number, make_environment, number_in_words
from app.library.parse import parse_markdown

HOSTILE_NAMES = [
    "Smith & Sons <Ltd>",
    "1. Not a list",
    "- not an item",
    "**not bold** _nor italic_",
    "[link](ref:force_majeure)",
    "{{ 7 * 7 }} {% raw %}",
    "# not a heading",
    "| not | a table |",
    "&amp; &copy; entity",
    "back\\slash `code`",
    "赣州稀土有限公司",
    "<script>alert(1)</script>",
]


def _render(source: str, **context: object) -> list[Paragraph]:
    text = make_environment().from_string(source).render(**context)
    blocks = parse_markdown(text, numbered=True, anchor_prefix="c").blocks
    return [block for block in blocks if isinstance(block, Paragraph)]


def _text(paragraph: Paragraph) -> str:
    return "".join(run.text for run in paragraph.runs if isinstance(run, Text))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_user_text_is_never_markup(name: str) -> None:
    paragraphs = _render("The party is {{ name }}.", name=name)
    assert len(paragraphs) == 1
    assert paragraphs[0].kind is ParagraphKind.BODY
    assert paragraphs[0].runs == (Text(f"The party is {name}."),)


def test_helpers_become_tree_nodes() -> None:
    paragraphs = _render(
        '1. {{ anchor("x") }}A {{ define("Export Licence") }} under {{ ref("other") }} '
        "for {{ missing }} within {{ days(30) }}.",
        missing=Missing("seller.address", "Seller's address"),
    )
    (paragraph,) = paragraphs
    assert paragraph.kind is ParagraphKind.SUBCLAUSE
    assert paragraph.anchor == "c.x"
    assert DefinedTerm("Export Licence") in paragraph.runs
    assert CrossRef("other") in paragraph.runs
    assert Placeholder("seller.address", "Seller's address") in paragraph.runs
    assert "thirty (30) days" in _text(paragraph)


def test_nesting_depth_gives_the_level() -> None:
    kinds = [
        paragraph.kind for paragraph in _render("Intro.\n\n1. One\n   - a\n     - i\n2. Two\n")
    ]
    assert kinds == [ParagraphKind.BODY, ParagraphKind.SUBCLAUSE, ParagraphKind.ITEM,
                     ParagraphKind.SUBITEM, ParagraphKind.SUBCLAUSE]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ value }}", "None"),
        ("{{ flag }}", "yes/no"),
        ("{{ undefined_name }}", "undefined"),
    ],
)
def test_printing_nothing_useful_is_an_error(source: str, message: str) -> None:
    environment = make_environment()
    with pytest.raises(Exception, match=message):
        environment.from_string(source).render(value=None, flag=True)


@pytest.mark.parametrize(
    "markup",
    ["![img](x.png)\n", "```\ncode\n```\n", "[a](https://example.com)\n",
     "# Heading\n", "> quote\n"],
)  # fmt: skip
def test_markup_outside_the_dialect_is_refused(markup: str) -> None:
    with pytest.raises(ClauseLibraryError):
        parse_markdown(markup, numbered=True, anchor_prefix="c")


def test_anchor_only_on_numbered_paragraphs() -> None:
    with pytest.raises(ClauseLibraryError, match="numbered paragraph"):
        parse_markdown("[](anchor:x)Plain text\n", numbered=True, anchor_prefix="c")


@pytest.mark.parametrize(
    ("value", "words"),
    [(0, "zero"), (7, "seven"), (30, "thirty"), (45, "forty-five"), (120, "one hundred and twenty"),
     (999, "nine hundred and ninety-nine")],
)  # fmt: skip
def test_number_in_words(value: int, words: str) -> None:
    assert number_in_words(value) == words


@pytest.mark.parametrize(
    ("value", "text"),
    [(12500, "12,500"), (Decimal("12.50"), "12.5"), (Decimal("1E+3"), "1,000"), (0.25, "0.25")],
)
def test_format_number(value: int | Decimal | float, text: str) -> None:
    assert format_number(value) == text


def test_dates_print_in_agreement_style() -> None:
    assert _text(_render("{{ when }}", when=date(2027, 1, 1))[0]) == "1 January 2027"


def test_table_columns_are_as_wide_as_their_longest_text() -> None:
    text = (
        "| No. | Delivery Period | Quantity |\n| --- | --- | --- |\n"
        "| 1 | 1 January 2027 to 31 March 2027 | 3 |\n"
        f"| 2 | {'x' * 200} | 3 |\n"
    )
    (table,) = parse_markdown(text, numbered=False, anchor_prefix="c").blocks
    assert isinstance(table, Table)
    assert table.column_widths == (6.0, 60.0, 8.0)  # clamped at 6 and 60 characters
