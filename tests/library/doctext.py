"""Reading a resolved document tree as text, the way a reader of the draft sees it.

Shared by the clause-library tests. Cross-references show their numbers, defined
terms their quotation marks and placeholders their brackets. The tests keep their
own reader rather than the renderer's, so they check the renderer's work instead of
repeating it.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Document,
    Inline,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    Text,
)
from app.library.markup import number_in_words

_HEADINGS = (ParagraphKind.CLAUSE, ParagraphKind.SCHEDULE, ParagraphKind.HEADING)


def run_text(run: Inline, document: Document) -> str:
    """One inline run as the reader sees it."""
    if isinstance(run, Text):
        return run.text
    if isinstance(run, DefinedTerm):
        return f"“{run.term}”"
    if isinstance(run, Placeholder):
        return f"[{run.label}]"
    if isinstance(run, CrossRef):
        return document.anchors[run.target].number
    raise AssertionError(f"unknown run {run!r}")


def joined(runs: tuple[Inline, ...], document: Document) -> str:
    """A paragraph's or a cell's runs as one string."""
    return "".join(run_text(run, document) for run in runs)


def table_lines(table: Table, document: Document) -> Iterator[str]:
    """Each row of a table, cells separated by `` | ``."""
    for row in (table.header, *table.rows):
        yield " | ".join(joined(cell, document) for cell in row)


def lines(document: Document) -> Iterator[str]:
    """Every paragraph and table row as text, in document order."""
    for block in document.blocks:
        if isinstance(block, Paragraph):
            yield joined(block.runs, document)
        elif isinstance(block, Table):
            yield from table_lines(block, document)


def texts(document: Document) -> Iterator[str]:
    """Every paragraph and every table cell as its own string, in document order."""
    for block in document.blocks:
        if isinstance(block, Paragraph):
            yield joined(block.runs, document)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                yield from (joined(cell, document) for cell in row)


def clause_text(document: Document, clause_id: str) -> str:
    """The text of one clause (up to the next heading) or schedule (up to the next
    clause or schedule: a schedule has headings of its own)."""
    found: list[str] = []
    inside: ParagraphKind | None = None  # the kind of heading that opened the section
    for block in document.blocks:
        ends = inside is ParagraphKind.CLAUSE or (
            isinstance(block, Paragraph) and block.kind is not ParagraphKind.HEADING
        )
        if isinstance(block, Paragraph) and block.kind in _HEADINGS and (not inside or ends):
            if inside:
                break
            inside = block.kind if block.anchor == clause_id else None
        elif inside and isinstance(block, Paragraph):
            found.append(joined(block.runs, document))
        elif inside and isinstance(block, Table):
            found.extend(table_lines(block, document))
    assert found, f"clause {clause_id!r} is not in the document"
    return "\n".join(found)


def placeholder_keys(document: Document) -> set[str]:
    """The keys of every placeholder in paragraphs and table cells."""
    keys: set[str] = set()
    for block in document.blocks:
        cells: list[tuple[Inline, ...]] = []
        if isinstance(block, Paragraph):
            cells = [block.runs]
        elif isinstance(block, Table):
            cells = [cell for row in (block.header, *block.rows) for cell in row]
        keys |= {run.key for cell in cells for run in cell if isinstance(run, Placeholder)}
    return keys


def in_words(value: int, noun: str) -> str:
    """``thirty (30) days`` for ``in_words(30, "day")``."""
    return f"{number_in_words(value)} ({value}) {noun}{'' if value == 1 else 's'}"
