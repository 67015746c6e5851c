"""What a user would do instead, on the same content: docxtpl, and a raw zip floor.

* docxtpl (the usual Jinja-in-Word tool): a template .docx built here with
  python-docx at run time (never committed), carrying our styles and numbering, whose
  body loops over the blocks - each paragraph a ``RichTextParagraph`` with its style,
  each table row and cell through ``{%tr %}`` / ``{%tc %}`` tags. Every document is
  drafted as docxtpl's users do: load the template, render, save.
* the raw zip floor: ``word/document.xml`` written as one string with the least
  markup that carries the same styles, emphasis and tables, then every part of the
  package zipped at the same compression level as ours. No tree, no checks: the
  least work that can produce the file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx import Document as new_docx
from docx.oxml import parse_xml
from docxtpl import (
    DocxTemplate,
    RichText,
    RichTextParagraph,
)

from app.render import base
from benchlib.content import BlockContent, ParagraphContent, RunContent, TableContent

_TEMPLATE_NAME = "docxtpl-template.docx"
_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def build_docxtpl_template(directory: Path) -> Path:
    """Write the docxtpl template into ``directory`` and return its path.

    The template carries our styles and list numbering (so the paragraph styles
    number the clauses as in our file), a header with the draft marker and a body
    that loops over the blocks: two table branches (one per table style) and one
    paragraph branch.
    """
    document = new_docx()
    package = base.base_package()
    styles = package.parts["word/styles.xml"]
    numbering = package.parts["word/numbering.xml"]
    assert styles is not None
    assert numbering is not None
    document.part._styles_part._element = parse_xml(styles)
    document.part.numbering_part._element = parse_xml(numbering)
    document.sections[0].header.paragraphs[0].text = "{{ header_text }}"
    body = document.add_paragraph
    body("{%p for block in blocks %}")
    for index, style_name in enumerate(("CW Grid", "CW Key Terms")):
        style_id = base.TABLE_STYLE_IDS["grid" if index == 0 else "key_terms"]
        body(f'{{%p {"if" if index == 0 else "elif"} block.table_style == "{style_id}" %}}')
        table = document.add_table(rows=3, cols=3)
        table.style = document.styles[style_name]
        table.cell(0, 0).text = "{%tr for row in block.rows %}"
        table.cell(1, 0).text = "{%tc for cell in row %}"
        table.cell(1, 1).text = "{{r cell }}"
        table.cell(1, 2).text = "{%tc endfor %}"
        table.cell(2, 0).text = "{%tr endfor %}"
    body("{%p else %}")
    body("{{p block.paragraph }}")
    body("{%p endif %}")
    body("{%p endfor %}")
    path = directory / _TEMPLATE_NAME
    document.save(str(path))
    return path


def _rich_text(runs: tuple[RunContent, ...]) -> RichText:
    rich = RichText()
    for run in runs:
        rich.add(run.text, bold=run.bold, italic=run.italic,
                 highlight="FFFF00" if run.highlight else None)  # fmt: skip
    return rich


def docxtpl_context(blocks: list[BlockContent], *, header_text: str) -> dict[str, object]:
    """The context a docxtpl user builds from the content: rich paragraphs and cells."""
    items: list[dict[str, object]] = []
    for block in blocks:
        if isinstance(block, TableContent):
            rows = [[_rich_text(cell) for cell in row] for row in block.rows]
            items.append({"table_style": block.style_id, "rows": rows})
        else:
            runs = (RunContent("\f"),) if block.page_break else block.runs
            paragraph = RichTextParagraph()
            paragraph.add(_rich_text(runs), parastyle=block.style_id)
            items.append({"table_style": None, "paragraph": paragraph})
    return {"blocks": items, "header_text": header_text}


def docxtpl_drafter(template: Path) -> Callable[[list[BlockContent], str], bytes]:
    """A function drafting one document with docxtpl: context, load, render, save."""
    template_bytes = template.read_bytes()

    def draft(blocks: list[BlockContent], header_text: str) -> bytes:
        context = docxtpl_context(blocks, header_text=header_text)
        document = DocxTemplate(io.BytesIO(template_bytes))
        document.render(context)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    return draft


# -- the raw zip floor --------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run_xml(run: RunContent) -> str:
    properties = (
        ("<w:b/>" if run.bold else "")
        + ("<w:i/>" if run.italic else "")
        + ('<w:highlight w:val="yellow"/>' if run.highlight else "")
    )
    head = f"<w:r><w:rPr>{properties}</w:rPr>" if properties else "<w:r>"
    if "\t" in run.text or "\n" in run.text:
        text = "<w:br/>".join(
            "<w:tab/>".join(
                f'<w:t xml:space="preserve">{_escape(piece)}</w:t>' for piece in line.split("\t")
            )
            for line in run.text.split("\n")
        )
    else:
        text = f'<w:t xml:space="preserve">{_escape(run.text)}</w:t>'
    return head + text + "</w:r>"


def _paragraph_xml(style_id: str, runs: tuple[RunContent, ...]) -> str:
    inner = "".join(_run_xml(run) for run in runs)
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>{inner}</w:p>'


def floor_document_xml(blocks: list[BlockContent]) -> bytes:
    """``word/document.xml`` for the blocks, written as one string."""
    pieces = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<w:document {_W_NS} {_R_NS}><w:body>"
    ]
    for block in blocks:
        if isinstance(block, ParagraphContent):
            if block.page_break:
                pieces.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
            else:
                pieces.append(_paragraph_xml(block.style_id, block.runs))
            continue
        columns = max(len(row) for row in block.rows)
        width = base.TEXT_WIDTH // columns
        cell_style = base.TABLE_TEXT_STYLE
        pieces.append(
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{block.style_id}"/>'
            f'<w:tblW w:w="{base.TEXT_WIDTH}" w:type="dxa"/></w:tblPr><w:tblGrid>'
            + f'<w:gridCol w:w="{width}"/>' * columns
            + "</w:tblGrid>"
        )
        for row in block.rows:
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                + _paragraph_xml(cell_style, cell)
                + "</w:tc>"
                for cell in row
            )
            pieces.append(f"<w:tr>{cells}</w:tr>")
        pieces.append("</w:tbl><w:p/>")
    pieces.append(
        f'<w:sectPr><w:headerReference w:type="default" r:id="{base.HEADER_REL_ID}"/>'
        f'<w:footerReference w:type="default" r:id="{base.FOOTER_REL_ID}"/>'
        f'<w:pgSz w:w="{base.PAGE_WIDTH}" w:h="{base.PAGE_HEIGHT}"/></w:sectPr>'
        "</w:body></w:document>"
    )
    return "".join(pieces).encode()


def floor_drafter(reference_docx: bytes) -> Callable[[list[BlockContent], str], bytes]:
    """A function writing the floor: our package's other parts (taken, already made,
    from ``reference_docx``) with the string-built document part, zipped at level 6."""
    with zipfile.ZipFile(io.BytesIO(reference_docx)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]

    def draft(blocks: list[BlockContent], header_text: str) -> bytes:
        del header_text  # the header part is among the parts taken as they are
        document_xml = floor_document_xml(blocks)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name, data in members:
                archive.writestr(name, document_xml if name == "word/document.xml" else data)
        return out.getvalue()

    return draft
