"""The parts of every .docx that do not depend on the request, prepared once per process.

Styles, list numbering, settings, font table, footer, relationships and content
types are built here with lxml and cached as bytes by :func:`base_package`; the
writer only builds the document part, the header and the parts that carry data.

Style ids are fixed here (``CWClause`` ...), so the hot path never looks a style
up by name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from app.domain.document import ParagraphKind
from app.render import wordml
from app.render.wordml import WORD_NSMAP, ListDefinition, ListLevel, W, w_sub

BODY_FONT = "Times New Roman"
CJK_FONT = "SimSun"  # so Chinese names get a CJK face; Latin text keeps the body font
BODY_SIZE = 22  # half-points: 11 pt

# A4 portrait with 2.54 cm margins, in twips.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN, HEADER_DISTANCE = 11906, 16838, 1440, 720
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

CLAUSE_NUM_ID = 1
SCHEDULE_NUM_ID = 2
HEADER_REL_ID = "rId5"
FOOTER_REL_ID = "rId6"

PARAGRAPH_STYLE_IDS: Mapping[ParagraphKind, str] = {
    ParagraphKind.TITLE: "CWTitle",
    ParagraphKind.SUBTITLE: "CWSubtitle",
    ParagraphKind.HEADING: "CWHeading",
    ParagraphKind.CLAUSE: "CWClause",
    ParagraphKind.SUBCLAUSE: "CWSubclause",
    ParagraphKind.ITEM: "CWItem",
    ParagraphKind.SUBITEM: "CWSubitem",
    ParagraphKind.BODY: "CWBody",
    ParagraphKind.PLAIN: "CWPlain",
    ParagraphKind.SCHEDULE: "CWSchedule",
    ParagraphKind.NOTE: "CWNote",
}
TABLE_STYLE_IDS: Mapping[str, str] = {"grid": "CWGrid", "key_terms": "CWKeyTerms"}
TABLE_TEXT_STYLE = "CWTableText"
TABLE_HEADING_STYLE = "CWTableHeading"
TOC_ENTRY_STYLE = "TOC1"  # Word's own "toc 1", so an updated TOC looks the same
HEADER_STYLE = "Header"
FOOTER_STYLE = "Footer"

_S = PARAGRAPH_STYLE_IDS
CLAUSE_LIST = ListDefinition(
    name="Clausewright clauses",
    num_id=CLAUSE_NUM_ID,
    levels=(
        ListLevel("decimal", "%1", _S[ParagraphKind.CLAUSE], 720, 720),
        ListLevel("decimal", "%1.%2", _S[ParagraphKind.SUBCLAUSE], 720, 720),
        ListLevel("lowerLetter", "(%3)", _S[ParagraphKind.ITEM], 1440, 720),
        ListLevel("lowerRoman", "(%4)", _S[ParagraphKind.SUBITEM], 2160, 720),
    ),
)
SCHEDULE_LIST = ListDefinition(
    name="Clausewright schedules",
    num_id=SCHEDULE_NUM_ID,
    levels=(ListLevel("decimal", "Schedule %1", _S[ParagraphKind.SCHEDULE], 1440, 1440),),
)


@dataclass(frozen=True, slots=True)
class _ParagraphStyle:
    style_id: str
    name: str
    bold: bool = False
    italic: bool = False
    size: int | None = None  # half-points
    keep_next: bool = False
    numbering: tuple[ListDefinition, int] | None = None  # list and level
    before: int = 0  # spacing, twips
    after: int = 120
    indent: tuple[int, int] | None = None  # left, hanging (twips)
    justify: str | None = None
    outline_level: int | None = None  # 0 = TOC level 1
    based_on: str = "Normal"


_JUSTIFIED = "both"
_PARAGRAPH_STYLES: tuple[_ParagraphStyle, ...] = (
    _ParagraphStyle(_S[ParagraphKind.TITLE], "CW Title", bold=True, size=32, keep_next=True,
                    before=1440, after=360, justify="center"),
    _ParagraphStyle(_S[ParagraphKind.SUBTITLE], "CW Subtitle", size=24, after=240,
                    justify="center"),
    _ParagraphStyle(_S[ParagraphKind.HEADING], "CW Heading", bold=True, keep_next=True,
                    before=240),
    _ParagraphStyle(_S[ParagraphKind.CLAUSE], "CW Clause", bold=True, keep_next=True,
                    numbering=(CLAUSE_LIST, 0), before=240, outline_level=0),
    _ParagraphStyle(_S[ParagraphKind.SUBCLAUSE], "CW Subclause", numbering=(CLAUSE_LIST, 1),
                    justify=_JUSTIFIED),
    _ParagraphStyle(_S[ParagraphKind.ITEM], "CW Item", numbering=(CLAUSE_LIST, 2),
                    justify=_JUSTIFIED),
    _ParagraphStyle(_S[ParagraphKind.SUBITEM], "CW Subitem", numbering=(CLAUSE_LIST, 3),
                    justify=_JUSTIFIED),
    _ParagraphStyle(_S[ParagraphKind.BODY], "CW Body", indent=(720, 0), justify=_JUSTIFIED),
    _ParagraphStyle(_S[ParagraphKind.PLAIN], "CW Plain", justify=_JUSTIFIED),
    _ParagraphStyle(_S[ParagraphKind.SCHEDULE], "CW Schedule", bold=True, keep_next=True,
                    numbering=(SCHEDULE_LIST, 0), after=240, outline_level=0),
    _ParagraphStyle(_S[ParagraphKind.NOTE], "CW Note", italic=True, size=18),
    _ParagraphStyle(TABLE_TEXT_STYLE, "CW Table Text", before=40, after=40),
    _ParagraphStyle(TABLE_HEADING_STYLE, "CW Table Heading", bold=True, keep_next=True,
                    before=40, after=40),
    _ParagraphStyle(TOC_ENTRY_STYLE, "toc 1", after=60, indent=(720, 720)),
    _ParagraphStyle(HEADER_STYLE, "header", size=18, after=0, justify="right"),
    _ParagraphStyle(FOOTER_STYLE, "footer", size=18, after=0, justify="center"),
)  # fmt: skip


def _fonts(rpr: etree._Element) -> None:
    w_sub(rpr, "rFonts", ascii=BODY_FONT, hAnsi=BODY_FONT, eastAsia=CJK_FONT, cs=BODY_FONT)


def _style_head(
    root: etree._Element, kind: str, style_id: str, name: str, **extra: str
) -> etree._Element:
    style = w_sub(root, "style", type=kind, styleId=style_id, **extra)
    w_sub(style, "name", val=name)
    return style


def _add_paragraph_style(root: etree._Element, spec: _ParagraphStyle) -> None:
    style = _style_head(root, "paragraph", spec.style_id, spec.name)
    w_sub(style, "basedOn", val=spec.based_on)
    w_sub(style, "qFormat")
    ppr = w_sub(style, "pPr")
    if spec.keep_next:
        w_sub(ppr, "keepNext")
    indent = spec.indent
    if spec.numbering is not None:
        definition, ilvl = spec.numbering
        num_pr = w_sub(ppr, "numPr")
        w_sub(num_pr, "ilvl", val=str(ilvl))
        w_sub(num_pr, "numId", val=str(definition.num_id))
        level = definition.levels[ilvl]
        indent = (level.indent_left, level.hanging)  # the same as the list level's
    w_sub(ppr, "spacing", before=str(spec.before), after=str(spec.after))
    if indent is not None:
        w_sub(ppr, "ind", left=str(indent[0]), hanging=str(indent[1]))
    if spec.justify is not None:
        w_sub(ppr, "jc", val=spec.justify)
    if spec.outline_level is not None:
        w_sub(ppr, "outlineLvl", val=str(spec.outline_level))
    rpr = w_sub(style, "rPr")
    if spec.bold:
        w_sub(rpr, "b")
    if spec.italic:
        w_sub(rpr, "i")
    if spec.size is not None:
        w_sub(rpr, "sz", val=str(spec.size))
        w_sub(rpr, "szCs", val=str(spec.size))


def _add_table_style(root: etree._Element, style_id: str, name: str, borders: str) -> None:
    style = _style_head(root, "table", style_id, name)
    w_sub(style, "basedOn", val="TableNormal")
    tbl_pr = w_sub(style, "tblPr")
    edges = w_sub(tbl_pr, "tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if edge in borders.split():
            w_sub(edges, edge, val="single", sz="4", space="0", color="auto")
    margins = w_sub(tbl_pr, "tblCellMar")
    for edge, width in (("top", "57"), ("left", "85"), ("bottom", "57"), ("right", "85")):
        w_sub(margins, edge, w=width, type="dxa")


def styles_part() -> etree._Element:
    """``w:styles``: document defaults, Normal and one style per paragraph kind."""
    root = etree.Element(W + "styles", nsmap=WORD_NSMAP)
    defaults = w_sub(root, "docDefaults")
    rpr = w_sub(w_sub(defaults, "rPrDefault"), "rPr")
    _fonts(rpr)
    w_sub(rpr, "sz", val=str(BODY_SIZE))
    w_sub(rpr, "szCs", val=str(BODY_SIZE))
    w_sub(rpr, "lang", val="en-GB", eastAsia="zh-CN", bidi="ar-SA")
    w_sub(w_sub(w_sub(defaults, "pPrDefault"), "pPr"), "spacing", after="120", line="264",
          lineRule="auto")  # fmt: skip
    normal = _style_head(root, "paragraph", "Normal", "Normal", default="1")
    w_sub(normal, "qFormat")
    _fonts(w_sub(normal, "rPr"))
    font = _style_head(root, "character", "DefaultParagraphFont", "Default Paragraph Font",
                       default="1")  # fmt: skip
    w_sub(font, "uiPriority", val="1")
    w_sub(font, "semiHidden")
    w_sub(font, "unhideWhenUsed")
    table = _style_head(root, "table", "TableNormal", "Normal Table", default="1")
    w_sub(table, "semiHidden")
    w_sub(table, "unhideWhenUsed")
    margins = w_sub(w_sub(table, "tblPr"), "tblCellMar")
    for edge, width in (("top", "0"), ("left", "108"), ("bottom", "0"), ("right", "108")):
        w_sub(margins, edge, w=width, type="dxa")
    no_list = _style_head(root, "numbering", "NoList", "No List", default="1")
    w_sub(no_list, "semiHidden")
    w_sub(no_list, "unhideWhenUsed")
    for spec in _PARAGRAPH_STYLES:
        _add_paragraph_style(root, spec)
    _add_table_style(root, TABLE_STYLE_IDS["grid"], "CW Grid",
                     "top left bottom right insideH insideV")  # fmt: skip
    _add_table_style(root, TABLE_STYLE_IDS["key_terms"], "CW Key Terms", "top bottom insideH")
    return root


def numbering_part() -> etree._Element:
    """``w:numbering`` for clauses (``1`` / ``1.1`` / ``(a)`` / ``(i)``) and schedules."""
    return wordml.numbering_part((CLAUSE_LIST, SCHEDULE_LIST))


def _settings_part() -> etree._Element:
    root = etree.Element(W + "settings", nsmap=WORD_NSMAP)
    w_sub(root, "zoom", percent="100")
    w_sub(root, "defaultTabStop", val="720")
    w_sub(root, "characterSpacingControl", val="doNotCompress")
    compat = w_sub(root, "compat")
    w_sub(compat, "compatSetting", name="compatibilityMode",
          uri="http://schemas.microsoft.com/office/word", val="15")  # fmt: skip
    w_sub(root, "decimalSymbol", val=".")
    w_sub(root, "listSeparator", val=",")
    return root


def _font_table_part() -> etree._Element:
    root = etree.Element(W + "fonts", nsmap=WORD_NSMAP)
    body = w_sub(root, "font", name=BODY_FONT)
    w_sub(body, "charset", val="00")
    w_sub(body, "family", val="roman")
    w_sub(body, "pitch", val="variable")
    cjk = w_sub(root, "font", name=CJK_FONT)
    w_sub(cjk, "altName", val="宋体")
    w_sub(cjk, "charset", val="86")
    w_sub(cjk, "family", val="auto")
    w_sub(cjk, "pitch", val="variable")
    return root


def header_part(text: str) -> bytes:
    """``word/header1.xml``: one right-aligned line (the draft marker)."""
    root = etree.Element(W + "hdr", nsmap=WORD_NSMAP)
    paragraph = w_sub(root, "p")
    w_sub(w_sub(paragraph, "pPr"), "pStyle", val=HEADER_STYLE)
    if text:
        wordml.text_run(paragraph, text)
    return wordml.to_xml(root)


def _footer_part() -> etree._Element:
    """The footer: Page X of Y, with PAGE and NUMPAGES fields cached as 1 until laid out."""
    root = etree.Element(W + "ftr", nsmap=WORD_NSMAP)
    paragraph = w_sub(root, "p")
    w_sub(w_sub(paragraph, "pPr"), "pStyle", val=FOOTER_STYLE)
    wordml.text_run(paragraph, "Page ")
    wordml.complex_field(paragraph, " PAGE ", "1")
    wordml.text_run(paragraph, " of ")
    wordml.complex_field(paragraph, " NUMPAGES ", "1")
    return root


def _app_part() -> bytes:
    namespace = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
    root = wordml.default_ns_root(namespace, "Properties")
    etree.SubElement(root, "{" + namespace + "}Application").text = "Clausewright"
    return wordml.to_xml(root)


_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_OFFICE = "application/vnd.openxmlformats-officedocument."
_CONTENT_TYPES = (
    ("/word/document.xml", _WML + "document.main+xml"),
    ("/word/styles.xml", _WML + "styles+xml"),
    ("/word/numbering.xml", _WML + "numbering+xml"),
    ("/word/settings.xml", _WML + "settings+xml"),
    ("/word/fontTable.xml", _WML + "fontTable+xml"),
    ("/word/header1.xml", _WML + "header+xml"),
    ("/word/footer1.xml", _WML + "footer+xml"),
    ("/" + wordml.CUSTOM_XML_PROPS_PART, _OFFICE + "customXmlProperties+xml"),
    ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ("/docProps/app.xml", _OFFICE + "extended-properties+xml"),
    ("/docProps/custom.xml", _OFFICE + "custom-properties+xml"),
)
_PACKAGE_RELS = (
    ("rId1", _OFFICE_REL + "officeDocument", "word/document.xml"),
    ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties", "docProps/core.xml"),
    ("rId3", _OFFICE_REL + "extended-properties", "docProps/app.xml"),
    ("rId4", _OFFICE_REL + "custom-properties", "docProps/custom.xml"),
)  # fmt: skip
_DOCUMENT_RELS = (
    ("rId1", _OFFICE_REL + "styles", "styles.xml"),
    ("rId2", _OFFICE_REL + "numbering", "numbering.xml"),
    ("rId3", _OFFICE_REL + "settings", "settings.xml"),
    ("rId4", _OFFICE_REL + "fontTable", "fontTable.xml"),
    (HEADER_REL_ID, _OFFICE_REL + "header", "header1.xml"),
    (FOOTER_REL_ID, _OFFICE_REL + "footer", "footer1.xml"),
    ("rId7", _OFFICE_REL + "customXml", "../" + wordml.CUSTOM_XML_PART),
)
_CUSTOM_ITEM_RELS = (("rId1", _OFFICE_REL + "customXmlProps", "itemProps1.xml"),)


@dataclass(frozen=True, slots=True)
class BasePackage:
    """Every part of the package in zip order; ``None`` marks a per-document part."""

    parts: Mapping[str, bytes | None]

    def to_zip(self, document_parts: Mapping[str, bytes]) -> bytes:
        """The .docx bytes, with ``document_parts`` filling the per-document slots.

        Raises:
            ValueError: ``document_parts`` does not fill exactly the per-document slots.
        """
        slots = [name for name, data in self.parts.items() if data is None]
        if sorted(slots) != sorted(document_parts):
            raise ValueError(f"per-document parts must be {slots}, got {sorted(document_parts)}")
        return wordml.deterministic_zip(
            (name, document_parts[name] if data is None else data)
            for name, data in self.parts.items()
        )


@functools.cache
def base_package() -> BasePackage:
    """The shared parts, built on first use and kept for the life of the process."""
    to_xml = wordml.to_xml
    parts: dict[str, bytes | None] = {
        "[Content_Types].xml": wordml.content_types_part(_CONTENT_TYPES),
        "_rels/.rels": wordml.relationships_part(_PACKAGE_RELS),
        "docProps/core.xml": None,
        "docProps/app.xml": _app_part(),
        "docProps/custom.xml": None,
        "word/document.xml": None,
        "word/_rels/document.xml.rels": wordml.relationships_part(_DOCUMENT_RELS),
        "word/styles.xml": to_xml(styles_part()),
        "word/numbering.xml": to_xml(numbering_part()),
        "word/settings.xml": to_xml(_settings_part()),
        "word/fontTable.xml": to_xml(_font_table_part()),
        "word/header1.xml": None,
        "word/footer1.xml": to_xml(_footer_part()),
        wordml.CUSTOM_XML_PART: None,
        wordml.CUSTOM_XML_PROPS_PART: None,
        "customXml/_rels/item1.xml.rels": wordml.relationships_part(_CUSTOM_ITEM_RELS),
    }
    return BasePackage(parts=parts)
