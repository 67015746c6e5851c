"""The drafted document's text and tables, flattened for the baselines.

The baselines (docxtpl and the raw zip floor) do not choose clauses, number them or
resolve cross-references: they are handed what our pipeline already decided - every
paragraph's style and runs with their emphasis, every table's cells - and only have
to write it. Numbers of clauses come from the paragraph styles (Word list numbering),
so the text is the same in all three files.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Document,
    Inline,
    PageBreak,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    TableOfContents,
    Text,
)
from app.render import base
from app.render.docx_writer import plain_text


@dataclass(frozen=True, slots=True)
class RunContent:
    """One run of text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class ParagraphContent:
    """A paragraph: its Word style id and runs; ``page_break`` for an empty break."""

    style_id: str
    runs: tuple[RunContent, ...]
    page_break: bool = False


@dataclass(frozen=True, slots=True)
class TableContent:
    """A table: its Word style id and rows of cells (the header row first)."""

    style_id: str
    rows: tuple[tuple[tuple[RunContent, ...], ...], ...]
    header: bool


BlockContent = ParagraphContent | TableContent


def _runs(runs: tuple[Inline, ...], numbers: dict[str, str]) -> tuple[RunContent, ...]:
    flat: list[RunContent] = []
    for run in runs:
        if isinstance(run, Text):
            flat.append(RunContent(run.text, bold=run.bold, italic=run.italic))
        elif isinstance(run, DefinedTerm):
            flat.append(RunContent(f"\u201c{run.term}\u201d", bold=True))
        elif isinstance(run, Placeholder):
            flat.append(RunContent(f"[{run.label}]", highlight=True))
        elif isinstance(run, CrossRef):
            flat.append(RunContent(numbers[run.target]))
    return tuple(flat)


def flatten(document: Document) -> list[BlockContent]:
    """The blocks of a resolved document as plain content, in document order."""
    numbers = {key: anchor.number for key, anchor in document.anchors.items()}
    blocks: list[BlockContent] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            style = base.PARAGRAPH_STYLE_IDS[block.kind]
            blocks.append(ParagraphContent(style, _runs(block.runs, numbers)))
        elif isinstance(block, Table):
            rows = (block.header, *block.rows) if block.header else block.rows
            blocks.append(
                TableContent(
                    base.TABLE_STYLE_IDS[block.style],
                    tuple(tuple(_runs(cell, numbers) for cell in row) for row in rows),
                    header=bool(block.header),
                )
            )
        elif isinstance(block, PageBreak):
            blocks.append(ParagraphContent(base.PARAGRAPH_STYLE_IDS[ParagraphKind.PLAIN], (),
                                           page_break=True))  # fmt: skip
        elif isinstance(block, TableOfContents):
            blocks.append(
                ParagraphContent(
                    base.PARAGRAPH_STYLE_IDS[ParagraphKind.HEADING], (RunContent(block.title),)
                )
            )
            for paragraph in document.paragraphs():
                if paragraph.kind in (ParagraphKind.CLAUSE, ParagraphKind.SCHEDULE):
                    text = plain_text(paragraph.runs, numbers=numbers)
                    blocks.append(
                        ParagraphContent(
                            base.TOC_ENTRY_STYLE, (RunContent(f"{paragraph.number}\t{text}"),)
                        )
                    )
    return blocks


def text_of(blocks: list[BlockContent]) -> str:
    """All the text of the blocks, one line per paragraph or table row (to compare)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, ParagraphContent):
            lines.append("".join(run.text for run in block.runs))
        else:
            for row in block.rows:
                lines.append("|".join("".join(run.text for run in cell) for cell in row))
    return "\n".join(lines)
