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
from dataclasses import dataclass, field

from lxml import etree

from app.domain.document import ParagraphKind
from app.render import package_zip, wordml
from app.render.wordml import WORD_NSMAP, ListDefinition, ListLevel, W, w_sub

BODY_FONT = "Times New Roman"
CJK_FONT = "SimSun"  # so Chinese names get a CJK face; Latin text keeps the body font
BODY_SIZE = 22  # half-points: 11 pt

# A4 portrait with 2.54 cm margins, in twips.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN, HEADER_DISTANCE = 11906, 16838, 1440, 720
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

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
    num_id=1,
    levels=(
        ListLevel("decimal", "%1", _S[ParagraphKind.CLAUSE], 720, 720),
        ListLevel("decimal", "%1.%2", _S[ParagraphKind.SUBCLAUSE], 720, 720),
        ListLevel("lowerLetter", "(%3)", _S[ParagraphKind.ITEM], 1440, 720),
        ListLevel("lowerRoman", "(%4)", _S[ParagraphKind.SUBITEM], 2160, 720),
    ),
)
SCHEDULE_LIST = ListDefinition(
    name="Clausewright schedules",
    num_id=2,
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
    root: etree._Element, kind: str, style_id: str, name: str, *, default: bool = False
) -> etree._Element:
    """A ``w:style`` with its name; Word's default styles are also hidden from the gallery."""
    extra = {"default": "1"} if default else {}
    style = w_sub(root, "style", type=kind, styleId=style_id, **extra)
    w_sub(style, "name", val=name)
    if default and kind != "paragraph":
        w_sub(style, "semiHidden")
        w_sub(style, "unhideWhenUsed")
    return style


def _cell_margins(table_properties: etree._Element, *, vertical: str, horizontal: str) -> None:
    margins = w_sub(table_properties, "tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        width = vertical if edge in ("top", "bottom") else horizontal
        w_sub(margins, edge, w=width, type="dxa")


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
    _cell_margins(tbl_pr, vertical="57", horizontal="85")


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
    normal = _style_head(root, "paragraph", "Normal", "Normal", default=True)
    w_sub(normal, "qFormat")
    _fonts(w_sub(normal, "rPr"))
    _style_head(root, "character", "DefaultParagraphFont", "Default Paragraph Font", default=True)
    table = _style_head(root, "table", "TableNormal", "Normal Table", default=True)
    _cell_margins(w_sub(table, "tblPr"), vertical="0", horizontal="108")
    _style_head(root, "numbering", "NoList", "No List", default=True)
    for spec in _PARAGRAPH_STYLES:
        _add_paragraph_style(root, spec)
    _add_table_style(root, TABLE_STYLE_IDS["grid"], "CW Grid",
                     "top left bottom right insideH insideV")  # fmt: skip
    _add_table_style(root, TABLE_STYLE_IDS["key_terms"], "CW Key Terms", "top bottom insideH")
    return root


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
    for name, alternative, charset, family in (
        (BODY_FONT, None, "00", "roman"),
        (CJK_FONT, "宋体", "86", "auto"),  # SimSun's Chinese name
    ):
        font = w_sub(root, "font", name=name)
        if alternative:
            w_sub(font, "altName", val=alternative)
        w_sub(font, "charset", val=charset)
        w_sub(font, "family", val=family)
        w_sub(font, "pitch", val="variable")
    return root


@functools.lru_cache(maxsize=64)
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
# Every part in zip order, with its content type (None: typed by its .rels/.xml extension).
_PARTS: tuple[tuple[str, str | None], ...] = (
    ("[Content_Types].xml", None),
    ("_rels/.rels", None),
    ("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ("docProps/app.xml", _OFFICE + "extended-properties+xml"),
    ("docProps/custom.xml", _OFFICE + "custom-properties+xml"),
    ("word/document.xml", _WML + "document.main+xml"),
    ("word/_rels/document.xml.rels", None),
    ("word/styles.xml", _WML + "styles+xml"),
    ("word/numbering.xml", _WML + "numbering+xml"),
    ("word/settings.xml", _WML + "settings+xml"),
    ("word/fontTable.xml", _WML + "fontTable+xml"),
    ("word/header1.xml", _WML + "header+xml"),
    ("word/footer1.xml", _WML + "footer+xml"),
    (wordml.CUSTOM_XML_PART, None),
    (wordml.CUSTOM_XML_PROPS_PART, _OFFICE + "customXmlProperties+xml"),
    ("customXml/_rels/item1.xml.rels", None),
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
    """Every part of the package in zip order; ``None`` marks a per-document part.

    ``compressed`` holds the static parts already deflated, so that only the parts
    of each document are compressed per document.
    """

    parts: Mapping[str, bytes | None]
    compressed: Mapping[str, package_zip.Member] = field(default_factory=dict)

    def to_zip(self, document_parts: Mapping[str, bytes]) -> bytes:
        """The .docx bytes, with ``document_parts`` filling the per-document slots.

        Raises:
            ValueError: ``document_parts`` does not fill exactly the per-document slots.
        """
        slots = [name for name, data in self.parts.items() if data is None]
        if sorted(slots) != sorted(document_parts):
            raise ValueError(f"per-document parts must be {slots}, got {sorted(document_parts)}")
        return package_zip.write(
            self.compressed.get(name)
            or package_zip.compress(name, document_parts[name] if data is None else data)
            for name, data in self.parts.items()
        )


@functools.cache
def base_package() -> BasePackage:
    """The shared parts, built on first use and kept for the life of the process."""
    overrides = [("/" + name, content_type) for name, content_type in _PARTS if content_type]
    static = {
        "[Content_Types].xml": wordml.content_types_part(overrides),
        "_rels/.rels": wordml.relationships_part(_PACKAGE_RELS),
        "docProps/app.xml": _app_part(),
        "word/_rels/document.xml.rels": wordml.relationships_part(_DOCUMENT_RELS),
        "word/styles.xml": wordml.to_xml(styles_part()),
        "word/numbering.xml": wordml.to_xml(wordml.numbering_part((CLAUSE_LIST, SCHEDULE_LIST))),
        "word/settings.xml": wordml.to_xml(_settings_part()),
        "word/fontTable.xml": wordml.to_xml(_font_table_part()),
        "word/footer1.xml": wordml.to_xml(_footer_part()),
        "customXml/_rels/item1.xml.rels": wordml.relationships_part(_CUSTOM_ITEM_RELS),
    }
    return BasePackage(
        parts={name: static.get(name) for name, _ in _PARTS},
        compressed={name: package_zip.compress(name, data) for name, data in static.items()},
    )
