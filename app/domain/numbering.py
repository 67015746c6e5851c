"""Clause numbering and cross-reference resolution.

Numbers are computed here exactly as Word's list numbering will show them, so that
the cached text of every REF field is already right before any field update.
"""

from __future__ import annotations

import hashlib
import string
from functools import lru_cache

from app.domain.document import (
    Anchor,
    CrossRef,
    Document,
    Paragraph,
    ParagraphKind,
    Table,
)
from app.errors import DocumentAssemblyError

_LEVEL_OF = {
    ParagraphKind.CLAUSE: 0,
    ParagraphKind.SUBCLAUSE: 1,
    ParagraphKind.ITEM: 2,
    ParagraphKind.SUBITEM: 3,
}

_ROMAN = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)  # fmt: skip


def lower_letter(value: int) -> str:
    """Word's ``lowerLetter`` format: a..z, then aa..zz, aaa.. (letter repeated)."""
    letters = string.ascii_lowercase
    return letters[(value - 1) % 26] * ((value - 1) // 26 + 1)


def lower_roman(value: int) -> str:
    """Word's ``lowerRoman`` format."""
    out = []
    for size, numeral in _ROMAN:
        count, value = divmod(value, size)
        out.append(numeral * count)
    return "".join(out)


@lru_cache(maxsize=4096)
def bookmark_name(anchor_id: str) -> str:
    """A stable Word bookmark name for an anchor: ``_Ref`` and ten digits.

    Derived from the anchor id alone, so the same document always gets the same
    names and a lawyer's own ``_Ref`` bookmarks (Word uses nine digits) never clash.
    """
    digest = hashlib.sha256(anchor_id.encode()).hexdigest()
    return f"_Ref{int(digest[:12], 16) % 10**10:010d}"


def _format(counters: list[int], level: int) -> str:
    """The full-context number of a paragraph at ``level`` (``7.2(a)(i)``)."""
    text = str(counters[0])
    if level >= 1:
        text += f".{counters[1]}"
    if level >= 2:
        text += f"({lower_letter(counters[2])})"
    if level >= 3:
        text += f"({lower_roman(counters[3])})"
    return text


def display_number(paragraph: Paragraph) -> str:
    """What the reader sees in front of a numbered paragraph (``(a)`` for an item,
    ``7.2`` for a sub-clause), derived from its resolved full number."""
    number = paragraph.number or ""
    if paragraph.kind in (ParagraphKind.ITEM, ParagraphKind.SUBITEM):
        return number[number.rfind("(") :]
    return number


def resolve(document: Document) -> None:
    """Number every numbered paragraph and register every anchor, in place.

    Raises:
        DocumentAssemblyError: an anchor is defined twice, a cross-reference has no
            target, or a paragraph skips a level (an item with no sub-clause above).
    """
    counters = [0, 0, 0, 0]
    schedules = 0
    anchors: dict[str, Anchor] = {}
    for paragraph in document.paragraphs():
        if paragraph.kind is ParagraphKind.SCHEDULE:
            schedules += 1
            paragraph.number = f"Schedule {schedules}"
        elif paragraph.kind in _LEVEL_OF:
            level = _LEVEL_OF[paragraph.kind]
            if level > 0 and counters[level - 1] == 0:
                raise DocumentAssemblyError(
                    f"numbered paragraph at level {level} has no parent: "
                    f"{_plain_text(paragraph)[:60]!r}"
                )
            counters[level] += 1
            for deeper in range(level + 1, len(counters)):
                counters[deeper] = 0
            paragraph.number = _format(counters, level)
        if paragraph.anchor is not None:
            if paragraph.anchor in anchors:
                raise DocumentAssemblyError(f"anchor {paragraph.anchor!r} is defined twice")
            if paragraph.number is None:
                raise DocumentAssemblyError(
                    f"anchor {paragraph.anchor!r} is on an unnumbered paragraph"
                )
            anchors[paragraph.anchor] = Anchor(
                number=paragraph.number, bookmark=bookmark_name(paragraph.anchor)
            )
    document.anchors = anchors
    missing = sorted({ref.target for ref in iter_cross_refs(document) if ref.target not in anchors})
    if missing:
        raise DocumentAssemblyError(
            "cross-reference to a clause that is not in the document: " + ", ".join(missing)
        )


def iter_cross_refs(document: Document) -> list[CrossRef]:
    """Every cross-reference in paragraphs and table cells, in document order."""
    refs: list[CrossRef] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            for run in block.runs:
                if isinstance(run, CrossRef):
                    refs.append(run)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    for run in cell:
                        if isinstance(run, CrossRef):
                            refs.append(run)
    return refs


def _plain_text(paragraph: Paragraph) -> str:
    return "".join(getattr(run, "text", "") for run in paragraph.runs)
