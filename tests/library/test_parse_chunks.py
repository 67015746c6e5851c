"""Parsing a rendered template stretch by stretch (cut at its blank lines, see
:func:`app.library.parse.chunks`), each by a block parser without the rules whose
tell-tale it lacks, gives exactly what parsing it whole with every rule gives.

Three ways: the cuts themselves on texts built to tempt a wrong cut; every template
text the clause matrix and the example requests render; and generated texts of
paragraphs, list items at every indent, tables, blank lines and stray markup, where
both parses must give equal blocks or refuse with the same message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_clause_matrix import MATRIX, _request

from app import service
from app.errors import ClauseLibraryError
from app.library import assemble, parse

ROOT = Path(__file__).resolve().parents[2]
GENERATED = settings(  # deterministic, no example database, no deadline on a busy machine
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TODAY = date(2026, 12, 1)


def _whole(text: str, numbered: bool = True, prefix: str = "c") -> object:
    """The text parsed in one piece by the full block parser, outside every cache."""
    try:
        return parse.parse_with(parse._block_parser(), text, numbered, prefix)
    except ClauseLibraryError as error:
        return ("refused", str(error))


def _by_chunks(text: str, numbered: bool = True, prefix: str = "c") -> object:
    """The text parsed stretch by stretch, outside every cache."""
    try:
        return parse._parse.__wrapped__(text, numbered, prefix)
    except ClauseLibraryError as error:
        return ("refused", str(error))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One.\n\nTwo.", ["One.", "Two."]),
        ("One.\n  \n\t\n\nTwo.", ["One.", "Two."]),
        ("- a\n\n- b\n\nAfter.", ["- a\n\n", "- b", "After."]),
        ("1. a\n\n2) b\n\n10. c", ["1. a\n\n", "2) b\n\n", "10. c"]),
        ("1. a\n   - x\n     more\n2. b", ["1. a\n   - x\n     more\n", "2. b"]),
        ("\n\n1. a\n2. b", ["\n\n1. a\n", "2. b"]),
        ("1. a\nlazy\n2. b", ["1. a\nlazy\n2. b"]),
        ("Intro:\n1. a\n2. b", ["Intro:\n1. a\n2. b"]),
        ("1. a\n| x |\n|---|", ["1. a\n| x |\n|---|"]),
        ("- a\n\n  still a\n\nAfter.", ["- a\n\n  still a", "After."]),
        ("Para.\n\n    indented", ["Para.\n\n    indented"]),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\nText.", ["| a | b |\n|---|---|\n| 1 | 2 |", "Text."]),
        ("See [x].\n\n[x]: ref:y", ["See [x].\n\n[x]: ref:y"]),
        ("-not a marker\n\n-again", ["-not a marker", "-again"]),
        ("Ends with blank.\n\n", ["Ends with blank.\n\n"]),
        ("", [""]),
    ],
)
def test_cuts(text: str, expected: list[str]) -> None:
    assert parse.chunks(text) == expected


def _rendered_texts() -> Iterator[tuple[str, bool, str]]:
    """Every (text, numbered, clause id) that drafting the matrix and the examples
    hands to the parser."""
    seen: list[tuple[str, bool, str]] = []
    original = parse.parse_markdown

    def recording(text: str, *, numbered: bool, anchor_prefix: str) -> parse.ParseResult:
        seen.append((text, numbered, anchor_prefix))
        return original(text, numbered=numbered, anchor_prefix=anchor_prefix)

    requests: list[dict[str, Any]] = [_request(case) for case in MATRIX]
    for name in ("spec.json", "full.json"):
        requests.append(json.loads((ROOT / "examples" / name).read_text()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assemble, "parse_markdown", recording)
        assemble._OUTCOMES.clear()  # every clause rendered and parsed again
        for data in requests:
            service.draft(request=service.parse_request(data), today=TODAY)
    yield from dict.fromkeys(seen)


def test_every_rendered_template_parses_alike_whole_and_by_chunks() -> None:
    texts = list(_rendered_texts())
    assert len(texts) > 100
    cut = [text for text, _, _ in texts if len(parse.chunks(text)) > 1]
    assert len(cut) > 20  # the cut is really exercised
    for text, numbered, prefix in texts:
        assert _by_chunks(text, numbered, prefix) == _whole(text, numbered, prefix), text


_words = st.sampled_from(["Supply", "the Goods", "**Buyer**", "*Seller*", "10 t", "a|b", "x"])
_text = st.lists(_words, min_size=1, max_size=3).map(" ".join)
_plain = st.one_of(
    _text,
    st.tuples(st.sampled_from(["- ", "* ", "1. ", "2) ", "+ "]), _text).map("".join),
    st.tuples(st.sampled_from(["  ", "   ", "    ", "\t", "  - ", "    1. "]), _text).map("".join),
    st.sampled_from(["| a | b |\n|---|---|\n| 1 | 2 |", "[term](term:Goods) means x"]),
)
_stray = st.sampled_from(  # fmt: skip
    [
        "---",
        "===",
        "> quote",
        "```",
        "[x]: ref:y",
        "[](anchor:a) Text",
        "## Heading",
        "  ",
        "1. ---",
        "- * * *",
        "  ___",
        "ends with -",
        "Total =",
        "~~~",
        "a > b",
        "# x",
    ]
)
_block = st.lists(st.one_of(_plain, _plain, _plain, _plain, _stray), min_size=1, max_size=3)
_separator = st.sampled_from(["\n\n", "\n\n", "\n  \n", "\n"])


@GENERATED
@given(
    blocks=st.lists(st.tuples(_block, _separator), min_size=1, max_size=8),
    numbered=st.booleans(),
)
def test_generated_texts_parse_alike_whole_and_by_chunks(
    blocks: list[tuple[list[str], str]], numbered: bool
) -> None:
    text = "".join("\n".join(lines) + separator for lines, separator in blocks)
    assert _by_chunks(text, numbered) == _whole(text, numbered)


_item_conforming = st.tuples(st.sampled_from(["1. ", "2. ", "10) ", "- ", "* "]), _text).map(
    "".join
)
_item_other = st.sampled_from(["1.", "- ", "1.\tTab", "+  two spaces", "---", "* * *"])
_item_line = st.one_of(_item_conforming, _item_conforming, _item_conforming, _item_other)
_inside_conforming = st.one_of(
    st.tuples(st.sampled_from(["   ", "    ", "      "]), _text).map("".join),
    st.tuples(st.sampled_from(["   - ", "   1. ", "      - ", "   2) "]), _text).map("".join),
    st.just(""),
)
_inside_other = st.sampled_from(
    [" x", "  y", "\ttab", "lazy text", "   | a | b |", "   |---|---|", "   ---", "- - -"]
)
_inside_line = st.one_of(_inside_conforming, _inside_conforming, _inside_conforming, _inside_other)


@GENERATED
@given(
    items=st.lists(
        st.tuples(_item_line, st.lists(_inside_line, max_size=3)), min_size=1, max_size=6
    ),
    numbered=st.booleans(),
)
def test_generated_lists_parse_alike_whole_and_item_by_item(
    items: list[tuple[str, list[str]]], numbered: bool
) -> None:
    text = "\n".join("\n".join([first, *inside]) for first, inside in items)
    assert _by_chunks(text, numbered) == _whole(text, numbered)
