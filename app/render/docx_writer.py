"""Resolved document tree -> .docx bytes.

Walks the tree and writes the document part as text (fixed style ids from
:mod:`app.render.base`, escaping and checks from :mod:`app.render.xml_text`, no
python-docx proxies and no element tree in the hot path); everything that does not
depend on the document comes from the cached :func:`app.render.base.base_package`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

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
from app.render import base, wordml, xml_text
from app.render.wordml import R_NS, W_NS

# Word's TOC switches: \o "1-1" and \u collect paragraphs at outline level 1 (our
# CLAUSE and SCHEDULE styles; \o alone would only take the built-in Heading styles),
# \h makes entries links, \z hides page numbers in web view, and \n leaves page
# numbers out. Without page numbers the cached entries written below are exactly what
# Word or LibreOffice would compute, so no w:updateFields prompt is needed on open.
TOC_INSTRUCTION = ' TOC \\o "1-1" \\h \\z \\u \\n '
REF_INSTRUCTION = " REF {bookmark} \\w \\h "

RUN_CACHE_SIZE = 8192
"""Runs kept as XML per process: clause text mostly repeats from one agreement to the next."""
_STYLE_IDS = base.PARAGRAPH_STYLE_IDS
_TOC_KINDS = (ParagraphKind.CLAUSE, ParagraphKind.SCHEDULE)

# Fixed fragments of WordprocessingML, as lxml serialises them.
_ROOT_START = f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
_ROOT_END = "</w:body></w:document>"
_EMPTY_PARAGRAPH = "<w:p/>"
_PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
_T_START, _T_END = '<w:t xml:space="preserve">', "</w:t>"
_RUN_PROPERTIES = {  # (bold, italic, highlighted) -> w:rPr
    (bold, italic, highlight): "<w:rPr>"
    + ("<w:b/>" if bold else "")
    + ("<w:i/>" if italic else "")
    + ('<w:highlight w:val="yellow"/>' if highlight else "")
    + "</w:rPr>"
    for bold in (False, True)
    for italic in (False, True)
    for highlight in (False, True)
}
_RUN_PROPERTIES[(False, False, False)] = ""
_FIELD_CHAR = '<w:r><w:fldChar w:fldCharType="{}"/></w:r>'
_FIELD_BEGIN = _FIELD_CHAR.format("begin") + '<w:r><w:instrText xml:space="preserve">'
_FIELD_SEPARATE = "</w:instrText></w:r>" + _FIELD_CHAR.format("separate")
_FIELD_END = _FIELD_CHAR.format("end")


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
    except ValueError as error:  # XML 1.0 refuses control characters and the like
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
    """Writes ``word/document.xml`` for one document; numbers bookmarks as it goes."""

    def __init__(self, document: Document) -> None:
        self._document = document
        self._anchors = document.anchors
        self._next_bookmark_id = 0
        self._out: list[str] = []

    def document_part(self) -> bytes:
        out = self._out
        out.append(xml_text.DECLARATION + _ROOT_START)
        previous: object = None
        for block in self._document.blocks:
            if isinstance(block, Paragraph):
                self._paragraph(block)
            elif isinstance(block, Table):
                if isinstance(previous, Table):  # keep Word from merging the two
                    out.append(_EMPTY_PARAGRAPH)
                self._table(block)
            elif isinstance(block, PageBreak):
                out.append(_PAGE_BREAK)
            elif isinstance(block, TableOfContents):
                self._table_of_contents(block)
            previous = block
        if isinstance(previous, Table):  # the body must end with a paragraph
            out.append(_EMPTY_PARAGRAPH)
        out.append(_SECTION + _ROOT_END)
        return xml_text.encode("".join(out))

    # -- paragraphs and runs ------------------------------------------------------

    def _start_paragraph(self, style_id: str, *, keep_next: bool = False) -> None:
        keep = "<w:keepNext/>" if keep_next else ""
        self._out.append(f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{keep}</w:pPr>')

    def _paragraph(self, paragraph: Paragraph) -> None:
        if paragraph.number is None and paragraph.kind in NUMBERED_KINDS:
            raise DocumentAssemblyError(
                "a numbered paragraph has no number: run numbering.resolve before rendering"
            )
        if paragraph.anchor is None:
            self._start_paragraph(_STYLE_IDS[paragraph.kind], keep_next=paragraph.keep_with_next)
            self._runs(paragraph.runs)
            self._out.append("</w:p>")
            return
        anchor = self._anchors.get(paragraph.anchor)
        if anchor is None:
            raise DocumentAssemblyError(f"anchor {paragraph.anchor!r} was not resolved")
        bookmark_id = self._next_bookmark_id
        self._next_bookmark_id += 1
        self._start_paragraph(_STYLE_IDS[paragraph.kind], keep_next=paragraph.keep_with_next)
        name = xml_text.attribute(anchor.bookmark)
        self._out.append(f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{name}"/>')
        self._runs(paragraph.runs)
        self._out.append(f'<w:bookmarkEnd w:id="{bookmark_id}"/></w:p>')

    def _runs(self, runs: Iterable[Inline]) -> None:
        out = self._out
        for run in runs:
            if isinstance(run, Text):
                out.append(_text_run(run.text, run.bold, run.italic, False))
            elif isinstance(run, DefinedTerm):
                out.append(_text_run(_quoted(run.term), True, False, False))
            elif isinstance(run, Placeholder):
                # The brackets sit inside the highlighted run, so a search for "[" finds it.
                out.append(_text_run(_bracketed(run.label), False, False, True))
            else:
                self._cross_reference(run)

    def _cross_reference(self, reference: CrossRef) -> None:
        anchor = self._anchors.get(reference.target)
        if anchor is None:
            raise DocumentAssemblyError(
                f"cross-reference to {reference.target!r}, which has no anchor in the document"
            )
        instruction = REF_INSTRUCTION.format(bookmark=anchor.bookmark)
        self._out.append(_complex_field(instruction, anchor.number))

    # -- other blocks -------------------------------------------------------------

    def _table_of_contents(self, contents: TableOfContents) -> None:
        out = self._out
        self._start_paragraph(_STYLE_IDS[ParagraphKind.HEADING], keep_next=True)
        out.append(_text_run(contents.title, False, False, False) + "</w:p>")
        numbers = {key: anchor.number for key, anchor in self._anchors.items()}
        entries = [p for p in self._document.paragraphs() if p.kind in _TOC_KINDS]
        self._start_paragraph(base.TOC_ENTRY_STYLE)
        out.append(_FIELD_BEGIN + xml_text.text(TOC_INSTRUCTION) + _FIELD_SEPARATE)
        for index, entry in enumerate(entries):
            if index:
                out.append("</w:p>")
                self._start_paragraph(base.TOC_ENTRY_STYLE)
            text = f"{entry.number}\t{plain_text(entry.runs, numbers=numbers)}"
            out.append(_text_run(text, False, False, False))
        out.append(_FIELD_END + "</w:p>")

    def _table(self, table: Table) -> None:
        columns = len(table.header) or max((len(row) for row in table.rows), default=0)
        widths = _column_widths(table.column_widths, columns)
        style_id = base.TABLE_STYLE_IDS.get(table.style)
        if style_id is None:
            raise DocumentAssemblyError(f"unknown table style {table.style!r}")
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
        self._out.append(
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{style_id}"/>'
            f'<w:tblW w:w="{base.TEXT_WIDTH}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        )
        if table.header:
            self._row(table.header, widths, base.TABLE_HEADING_STYLE, header=True)
        for row in table.rows:
            self._row(row, widths, base.TABLE_TEXT_STYLE, header=False)
        self._out.append("</w:tbl>")

    def _row(
        self,
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
        out = self._out
        # the header row is repeated at the top of every page the table runs onto
        out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header
                   else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")  # fmt: skip
        for index, width in enumerate(widths):
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
            )
            if index < len(cells):
                self._runs(cells[index])
            out.append("</w:p></w:tc>")
        out.append("</w:tr>")


_SECTION = (
    f'<w:sectPr><w:headerReference w:type="default" r:id="{base.HEADER_REL_ID}"/>'
    f'<w:footerReference w:type="default" r:id="{base.FOOTER_REL_ID}"/>'
    f'<w:pgSz w:w="{base.PAGE_WIDTH}" w:h="{base.PAGE_HEIGHT}"/>'
    f'<w:pgMar w:top="{base.MARGIN}" w:right="{base.MARGIN}" w:bottom="{base.MARGIN}" '
    f'w:left="{base.MARGIN}" w:header="{base.HEADER_DISTANCE}" '
    f'w:footer="{base.HEADER_DISTANCE}" w:gutter="0"/><w:cols w:space="720"/></w:sectPr>'
)


@lru_cache(maxsize=RUN_CACHE_SIZE)
def _text_run(text: str, bold: bool, italic: bool, highlight: bool) -> str:
    """A run; tabs and line breaks in ``text`` become ``w:tab`` and ``w:br``."""
    start = "<w:r>" + _RUN_PROPERTIES[(bold, italic, highlight)]
    if "\t" not in text and "\n" not in text:
        return start + _T_START + xml_text.text(text) + _T_END + "</w:r>"
    pieces = [start]
    for line_index, line in enumerate(text.split("\n")):
        if line_index:
            pieces.append("<w:br/>")
        for piece_index, piece in enumerate(line.split("\t")):
            if piece_index:
                pieces.append("<w:tab/>")
            if piece:
                pieces.append(_T_START + xml_text.text(piece) + _T_END)
    pieces.append("</w:r>")
    return "".join(pieces)


@lru_cache(maxsize=RUN_CACHE_SIZE)
def _complex_field(instruction: str, cached_text: str) -> str:
    """A whole complex field whose result shows ``cached_text`` until updated."""
    return (
        _FIELD_BEGIN
        + xml_text.text(instruction)
        + _FIELD_SEPARATE
        + _text_run(cached_text, False, False, False)
        + _FIELD_END
    )


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
