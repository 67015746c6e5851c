"""The Markdown parse and its caches: the same tree as markdown-it's own inline stage,
new paragraphs on every call, errors every time, reference links honoured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import service
from app.domain.document import DefinedTerm, Paragraph, Placeholder, Table, Text
from app.errors import ClauseLibraryError
from app.library import assemble, parse
from app.library.parse import parse_markdown

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLES = [
    "Plain *italic* and **bold** text\\, with \\[escapes\\] and &amp; entities.\n",
    "1. [](anchor:x)First with [Goods](term:) and [](ref:other).\n"
    "   - an item for [the seller's address](placeholder:seller.address)\n"
    "     - a sub-item\n\n"
    "   Body text of the item, *loose*.\n"
    "2. Second\nwith a soft break.\n",
    "| A | B |\n|---|---|\n| **x** | [y](term:) |\n| 1\\. not a list | z |\n",
    "Line one  \nhard break, then `code`\n",
]


def _rendered_clause_texts() -> list[str]:
    """Every Markdown text one draft of the full example parses."""
    texts: list[str] = []
    original = parse.parse_markdown

    def spy(text: str, **options: object) -> parse.ParseResult:
        texts.append(text)
        return original(text, **options)  # type: ignore[arg-type]

    request = service.parse_request(json.loads((EXAMPLES / "full.json").read_text()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assemble, "parse_markdown", spy)
        service.draft(request=request)
    return texts


def test_cached_inline_runs_equal_markdown_its_inline_stage() -> None:
    """The block parser skips the inline stage; parsing each content apart (and
    caching it) must give exactly the runs of a full parse."""
    texts = [*SAMPLES, *_rendered_clause_texts()]
    checked = 0
    for text in texts:
        for token in parse._parser().parse(text):
            if token.type != "inline":
                continue
            try:
                expected = parse._runs(token.children or [])
            except ClauseLibraryError:
                with pytest.raises(ClauseLibraryError):
                    parse._inline_runs(token.content)
                continue
            assert parse._inline_runs(token.content) == expected, token.content
            checked += 1
    assert checked > 300


def test_each_call_returns_new_paragraphs() -> None:
    text = "1. [](anchor:a)Numbered\n"
    first = parse_markdown(text, numbered=True, anchor_prefix="c").blocks[0]
    assert isinstance(first, Paragraph)
    first.number = "7.1"
    second = parse_markdown(text, numbered=True, anchor_prefix="c").blocks[0]
    assert isinstance(second, Paragraph)
    assert second is not first
    assert second.number is None
    assert (second.kind, second.runs, second.anchor) == (first.kind, first.runs, first.anchor)


def test_the_anchor_prefix_is_part_of_the_cache_key() -> None:
    text = "1. [](anchor:a)Numbered\n"
    anchors = [
        parse_markdown(text, numbered=True, anchor_prefix=prefix).blocks[0]
        for prefix in ("one", "two")
    ]
    assert [block.anchor for block in anchors if isinstance(block, Paragraph)] == [
        "one.a",
        "two.a",
    ]


def test_placeholders_and_terms_keep_their_order_on_every_call() -> None:
    text = "[A](term:) then [gap](placeholder:k1), [B](term:) and [gap 2](placeholder:k2).\n"
    for _ in range(2):
        result = parse_markdown(text, numbered=False, anchor_prefix="c")
        assert result.terms == ["A", "B"]
        assert result.placeholders == [Placeholder("k1", "gap"), Placeholder("k2", "gap 2")]


@pytest.mark.parametrize(
    ("text", "numbered"),
    [("```\ncode\n```\n", True), ("1. item\n", False), ("[a](https://example.com)\n", True)],
)
def test_errors_are_raised_on_every_call(text: str, numbered: bool) -> None:
    for _ in range(2):
        with pytest.raises(ClauseLibraryError):
            parse_markdown(text, numbered=numbered, anchor_prefix="c")


def test_reference_definitions_are_not_taken_from_the_cache() -> None:
    """``[label][ref]`` is a helper only where ``[ref]:`` is defined in the same text,
    so inline content alone is no cache key there."""
    plain = parse_markdown("See [Goods][g].\n", numbered=False, anchor_prefix="c").blocks
    defined = parse_markdown(
        "[g]: term:\n\nSee [Goods][g].\n", numbered=False, anchor_prefix="c"
    ).blocks
    assert isinstance(plain[0], Paragraph)
    assert plain[0].runs == (Text("See [Goods][g]."),)
    assert isinstance(defined[0], Paragraph)
    assert defined[0].runs == (Text("See "), DefinedTerm("Goods"), Text("."))


def test_tables_are_shared_and_immutable() -> None:
    text = "| A | B |\n|---|---|\n| x | y |\n"
    first = parse_markdown(text, numbered=True, anchor_prefix="c").blocks[0]
    second = parse_markdown(text, numbered=True, anchor_prefix="c").blocks[0]
    assert isinstance(first, Table)
    assert first == second
    with pytest.raises(AttributeError):
        first.rows = ()  # type: ignore[misc]
