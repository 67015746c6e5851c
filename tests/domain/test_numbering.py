"""Numbering and cross-reference resolution."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.domain.document import (
    CrossRef,
    Document,
    DocumentProperties,
    EmbeddedData,
    Paragraph,
    ParagraphKind,
    Text,
)
from app.domain.numbering import bookmark_name, lower_letter, lower_roman, resolve
from app.errors import DocumentAssemblyError

K = ParagraphKind


def _document(*paragraphs: Paragraph) -> Document:
    return Document(
        properties=DocumentProperties(
            title="T", subject="S", author="A", keywords="K", created=datetime(2027, 1, 1)
        ),
        embedded=EmbeddedData(request_json="{}", clauses=(), library_version="1", input_hash="h"),
        blocks=list(paragraphs),
    )


def _p(kind: ParagraphKind, anchor: str | None = None, *runs: object) -> Paragraph:
    return Paragraph(kind, tuple(runs) or (Text("x"),), anchor=anchor)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "letter", "roman"),
    [(1, "a", "i"), (4, "d", "iv"), (9, "i", "ix"), (26, "z", "xxvi"), (27, "aa", "xxvii"),
     (40, "nn", "xl")],
)  # fmt: skip
def test_word_number_formats(value: int, letter: str, roman: str) -> None:
    assert lower_letter(value) == letter
    assert lower_roman(value) == roman


def test_numbers_follow_word_multilevel_rules() -> None:
    document = _document(
        _p(K.CLAUSE, "one"),
        _p(K.SUBCLAUSE),
        _p(K.SUBCLAUSE, "one.b"),
        _p(K.ITEM),
        _p(K.ITEM, "one.b.item"),
        _p(K.SUBITEM, "deep"),
        _p(K.BODY),
        _p(K.CLAUSE, "two"),
        _p(K.SUBCLAUSE, "two.a"),
        _p(K.ITEM),
        _p(K.SCHEDULE, "sched1"),
        _p(K.SCHEDULE, "sched2"),
    )
    resolve(document)
    numbers = [paragraph.number for paragraph in document.paragraphs()]
    assert numbers == [
        "1", "1.1", "1.2", "1.2(a)", "1.2(b)", "1.2(b)(i)", None, "2", "2.1", "2.1(a)",
        "Schedule 1", "Schedule 2",
    ]  # fmt: skip
    assert document.anchors["one.b.item"].number == "1.2(b)"
    assert document.anchors["sched2"].number == "Schedule 2"


def test_dangling_cross_reference_is_refused() -> None:
    document = _document(_p(K.CLAUSE, "one", Text("see "), CrossRef("nowhere")))
    with pytest.raises(DocumentAssemblyError, match="nowhere"):
        resolve(document)


def test_duplicate_anchor_is_refused() -> None:
    with pytest.raises(DocumentAssemblyError, match="twice"):
        resolve(_document(_p(K.CLAUSE, "one"), _p(K.CLAUSE, "one")))


def test_item_without_parent_is_refused() -> None:
    with pytest.raises(DocumentAssemblyError, match="no parent"):
        resolve(_document(_p(K.CLAUSE), _p(K.ITEM)))


def test_bookmark_names_are_stable_short_and_distinct() -> None:
    names = {bookmark_name(f"clause_{index}.anchor") for index in range(2000)}
    assert len(names) == 2000
    assert all(name.startswith("_Ref") and len(name) <= 40 for name in names)
    assert bookmark_name("force_majeure") == bookmark_name("force_majeure")
