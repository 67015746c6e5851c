"""Resolved document tree -> .docx bytes.

Walks the tree and builds the document part with lxml directly (style ids fixed in
:mod:`app.render.base`, no python-docx proxies in the hot path); everything that does
not depend on the document comes from the cached :func:`app.render.base.base_package`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lxml import etree

from app.domain.document import (
    NUMBERED_KINDS,
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
from app.errors import DocumentAssemblyError
from app.render import base, wordml
from app.render.wordml import R_NS, W_VAL, WORD_NSMAP, XML_SPACE, W

# Word's TOC switches: \o "1-1" and \u collect paragraphs at outline level 1 (our
# CLAUSE and SCHEDULE styles; \o alone would only take the built-in Heading styles),
# \h makes entries links, \z hides page numbers in web view, and \n leaves page
# numbers out. Without page numbers the cached entries written below are exactly what
# Word or LibreOffice would compute, so no w:updateFields prompt is needed on open.
TOC_INSTRUCTION = ' TOC \\o "1-1" \\h \\z \\u \\n '
REF_INSTRUCTION = " REF {bookmark} \\w \\h "

_P, _PPR, _PSTYLE, _KEEP_NEXT = W + "p", W + "pPr", W + "pStyle", W + "keepNext"
_R, _RPR, _T, _TAB, _BR = W + "r", W + "rPr", W + "t", W + "tab", W + "br"
_B, _I, _HIGHLIGHT = W + "b", W + "i", W + "highlight"
_PRESERVE = {XML_SPACE: "preserve"}
_TC, _TC_PR, _TC_W, _W, _TYPE = W + "tc", W + "tcPr", W + "tcW", W + "w", W + "type"
_STYLE_IDS = base.PARAGRAPH_STYLE_IDS
_TOC_KINDS = (ParagraphKind.CLAUSE, ParagraphKind.SCHEDULE)


def render_docx(document: Document) -> bytes:
    """The .docx for a document already numbered by :func:`app.domain.numbering.resolve`.

    Returns the same bytes for the same document, in any process.

    Raises:
        DocumentAssemblyError: the tree is not resolved (a numbered paragraph without
            a number, an anchor or cross-reference target missing from
            ``document.anchors``), a table is malformed, or text holds characters
            XML 1.0 cannot carry.
    """
    embedded = document.embedded
    try:
        parts = {
            "word/document.xml": _BodyWriter(document).document_part(),
            "word/header1.xml": base.header_part(document.header_text),
            "docProps/core.xml": wordml.core_properties(document.properties),
            "docProps/custom.xml": wordml.custom_properties(
                (
                    ("ClausewrightInputHash", embedded.input_hash),
                    ("ClausewrightLibraryVersion", embedded.library_version),
                )
            ),
            wordml.CUSTOM_XML_PART: wordml.custom_xml_item(embedded),
            wordml.CUSTOM_XML_PROPS_PART: wordml.custom_xml_props(embedded.input_hash),
        }
    except ValueError as error:  # lxml refuses control characters and the like
        raise DocumentAssemblyError(
            f"the document holds text Word cannot store: {error}"
        ) from error
    return base.base_package().to_zip(parts)


def plain_text(runs: Iterable[Inline], *, numbers: Mapping[str, str]) -> str:
    """The text a reader sees for ``runs``; ``numbers`` maps anchor ids to their numbers."""
    pieces: list[str] = []
    for run in runs:
        if isinstance(run, Text):
            pieces.append(run.text)
        elif isinstance(run, DefinedTerm):
            pieces.append(_quoted(run.term))
        elif isinstance(run, Placeholder):
            pieces.append(_bracketed(run.label))
        else:
            pieces.append(numbers.get(run.target, ""))
    return "".join(pieces)


def _quoted(term: str) -> str:
    return f"\u201c{term}\u201d"


def _bracketed(label: str) -> str:
    return f"[{label}]"


class _BodyWriter:
    """Builds ``word/document.xml`` for one document; numbers bookmarks as it goes."""

    def __init__(self, document: Document) -> None:
        self._document = document
        self._anchors = document.anchors
        self._next_bookmark_id = 0

    def document_part(self) -> bytes:
        root = etree.Element(W + "document", nsmap=WORD_NSMAP)
        body = etree.SubElement(root, W + "body")
        previous: object = None
        for block in self._document.blocks:
            if isinstance(block, Paragraph):
                self._paragraph(body, block)
            elif isinstance(block, Table):
                if isinstance(previous, Table):  # keep Word from merging the two
                    etree.SubElement(body, _P)
                self._table(body, block)
            elif isinstance(block, PageBreak):
                run = etree.SubElement(etree.SubElement(body, _P), _R)
                etree.SubElement(run, _BR, {_TYPE: "page"})
            elif isinstance(block, TableOfContents):
                self._table_of_contents(body, block)
            previous = block
        if isinstance(previous, Table):  # the body must end with a paragraph
            etree.SubElement(body, _P)
        self._section(body)
        return wordml.to_xml(root)

    # -- paragraphs and runs ------------------------------------------------------

    def _start_paragraph(
        self, parent: etree._Element, style_id: str, *, keep_next: bool = False
    ) -> etree._Element:
        paragraph = etree.SubElement(parent, _P)
        properties = etree.SubElement(paragraph, _PPR)
        etree.SubElement(properties, _PSTYLE, {W_VAL: style_id})
        if keep_next:
            etree.SubElement(properties, _KEEP_NEXT)
        return paragraph

    def _paragraph(self, parent: etree._Element, paragraph: Paragraph) -> None:
        if paragraph.number is None and paragraph.kind in NUMBERED_KINDS:
            raise DocumentAssemblyError(
                "a numbered paragraph has no number: run numbering.resolve before rendering"
            )
        element = self._start_paragraph(
            parent, _STYLE_IDS[paragraph.kind], keep_next=paragraph.keep_with_next
        )
        if paragraph.anchor is None:
            self._runs(element, paragraph.runs)
            return
        anchor = self._anchors.get(paragraph.anchor)
        if anchor is None:
            raise DocumentAssemblyError(f"anchor {paragraph.anchor!r} was not resolved")
        bookmark_id = self._next_bookmark_id
        self._next_bookmark_id += 1
        wordml.bookmark_start(element, bookmark_id=bookmark_id, name=anchor.bookmark)
        self._runs(element, paragraph.runs)
        wordml.bookmark_end(element, bookmark_id=bookmark_id)

    def _runs(self, parent: etree._Element, runs: Iterable[Inline]) -> None:
        for run in runs:
            if isinstance(run, Text):
                _text_run(parent, run.text, bold=run.bold, italic=run.italic)
            elif isinstance(run, DefinedTerm):
                _text_run(parent, _quoted(run.term), bold=True)
            elif isinstance(run, Placeholder):
                # The brackets sit inside the highlighted run, so a search for "[" finds it.
                _text_run(parent, _bracketed(run.label), highlight="yellow")
            else:
                self._cross_reference(parent, run)

    def _cross_reference(self, parent: etree._Element, reference: CrossRef) -> None:
        anchor = self._anchors.get(reference.target)
        if anchor is None:
            raise DocumentAssemblyError(
                f"cross-reference to {reference.target!r}, which has no anchor in the document"
            )
        instruction = REF_INSTRUCTION.format(bookmark=anchor.bookmark)
        wordml.complex_field(parent, instruction, anchor.number)

    # -- other blocks -------------------------------------------------------------

    def _table_of_contents(self, parent: etree._Element, contents: TableOfContents) -> None:
        heading = _STYLE_IDS[ParagraphKind.HEADING]
        _text_run(self._start_paragraph(parent, heading, keep_next=True), contents.title)
        numbers = {key: anchor.number for key, anchor in self._anchors.items()}
        entries = [p for p in self._document.paragraphs() if p.kind in _TOC_KINDS]
        paragraph = self._start_paragraph(parent, base.TOC_ENTRY_STYLE)
        wordml.field_begin(paragraph, TOC_INSTRUCTION)
        for index, entry in enumerate(entries):
            if index:
                paragraph = self._start_paragraph(parent, base.TOC_ENTRY_STYLE)
            _text_run(paragraph, f"{entry.number}\t{plain_text(entry.runs, numbers=numbers)}")
        wordml.field_end(paragraph)

    def _table(self, parent: etree._Element, table: Table) -> None:
        columns = len(table.header) or max((len(row) for row in table.rows), default=0)
        widths = _column_widths(table.column_widths, columns)
        style_id = base.TABLE_STYLE_IDS.get(table.style)
        if style_id is None:
            raise DocumentAssemblyError(f"unknown table style {table.style!r}")
        element = etree.SubElement(parent, W + "tbl")
        properties = etree.SubElement(element, W + "tblPr")
        wordml.w_sub(properties, "tblStyle", val=style_id)
        wordml.w_sub(properties, "tblW", w=str(base.TEXT_WIDTH), type="dxa")
        wordml.w_sub(properties, "tblLayout", type="fixed")
        grid = etree.SubElement(element, W + "tblGrid")
        for width in widths:
            wordml.w_sub(grid, "gridCol", w=width)
        if table.header:
            self._row(element, table.header, widths, base.TABLE_HEADING_STYLE, header=True)
        for row in table.rows:
            self._row(element, row, widths, base.TABLE_TEXT_STYLE, header=False)

    def _row(
        self,
        table: etree._Element,
        cells: Sequence[Sequence[Inline]],
        widths: Sequence[str],
        style_id: str,
        *,
        header: bool,
    ) -> None:
        if len(cells) > len(widths):
            raise DocumentAssemblyError(
                f"a table row has {len(cells)} cells for {len(widths)} columns"
            )
        row = etree.SubElement(table, W + "tr")
        row_properties = etree.SubElement(row, W + "trPr")
        etree.SubElement(row_properties, W + "cantSplit")
        if header:  # repeated at the top of every page the table runs onto
            etree.SubElement(row_properties, W + "tblHeader")
        for index, width in enumerate(widths):
            cell = etree.SubElement(row, _TC)
            etree.SubElement(etree.SubElement(cell, _TC_PR), _TC_W, {_W: width, _TYPE: "dxa"})
            paragraph = self._start_paragraph(cell, style_id)
            if index < len(cells):
                self._runs(paragraph, cells[index])

    def _section(self, body: etree._Element) -> None:
        section = etree.SubElement(body, W + "sectPr")
        rel_id = "{" + R_NS + "}id"
        for kind, target in (("header", base.HEADER_REL_ID), ("footer", base.FOOTER_REL_ID)):
            etree.SubElement(section, W + kind + "Reference", {_TYPE: "default", rel_id: target})
        wordml.w_sub(section, "pgSz", w=str(base.PAGE_WIDTH), h=str(base.PAGE_HEIGHT))
        margin, distance = str(base.MARGIN), str(base.HEADER_DISTANCE)
        wordml.w_sub(section, "pgMar", top=margin, right=margin, bottom=margin, left=margin,
                     header=distance, footer=distance, gutter="0")  # fmt: skip
        wordml.w_sub(section, "cols", space="720")


def _text_run(
    parent: etree._Element,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    highlight: str | None = None,
) -> None:
    """Append a run; tabs and line breaks in ``text`` become ``w:tab`` and ``w:br``."""
    run = etree.SubElement(parent, _R)
    if bold or italic or highlight:
        properties = etree.SubElement(run, _RPR)
        if bold:
            etree.SubElement(properties, _B)
        if italic:
            etree.SubElement(properties, _I)
        if highlight:
            etree.SubElement(properties, _HIGHLIGHT, {W_VAL: highlight})
    if "\t" not in text and "\n" not in text:
        etree.SubElement(run, _T, _PRESERVE).text = text
        return
    for line_index, line in enumerate(text.split("\n")):
        if line_index:
            etree.SubElement(run, _BR)
        for piece_index, piece in enumerate(line.split("\t")):
            if piece_index:
                etree.SubElement(run, _TAB)
            if piece:
                etree.SubElement(run, _T, _PRESERVE).text = piece


def _column_widths(relative: Sequence[float] | None, columns: int) -> list[str]:
    """Column widths in twips that fill the text width, from relative widths."""
    if columns == 0:
        raise DocumentAssemblyError("a table has no columns")
    if relative is None:
        relative = [1.0] * columns
    if len(relative) != columns or any(width <= 0 for width in relative):
        raise DocumentAssemblyError(
            f"a table with {columns} columns needs {columns} positive widths, got {relative}"
        )
    total = sum(relative)
    widths = [round(base.TEXT_WIDTH * width / total) for width in relative]
    widths[-1] += base.TEXT_WIDTH - sum(widths)
    return [str(width) for width in widths]
