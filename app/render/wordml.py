"""Raw WordprocessingML and OPC helpers on lxml, for what python-docx does not do.

Numbering definitions, complex fields, the custom XML part that carries the request,
core and custom document properties. Nothing here knows about the document tree;
:mod:`app.render.docx_writer` walks the tree and writes the document part (bookmarks,
fields and all) as text through :mod:`app.render.xml_text`, and
:mod:`app.render.package_zip` zips the package.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from lxml import etree

from app.domain.document import DocumentProperties, EmbeddedData

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAFT_NS = "urn:clausewright:draft:1"
"""Namespace of the custom XML part this service writes (and reads back)."""

CUSTOM_XML_PART = "customXml/item1.xml"
CUSTOM_XML_PROPS_PART = "customXml/itemProps1.xml"

W = "{" + W_NS + "}"
W_VAL = W + "val"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
WORD_NSMAP = {"w": W_NS, "r": R_NS}

_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
_CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_DCTERMS_NS = "http://purl.org/dc/terms/"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_PROPS_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one Word uses
_WORD_TEXT_PROPERTY_LIMIT = 255


def w_sub(parent: etree._Element, tag: str, /, **attrs: str) -> etree._Element:
    """Append a ``w:`` child to ``parent`` and return it (attributes as ``w:`` names)."""
    return etree.SubElement(parent, W + tag, {W + key: value for key, value in attrs.items()})


def to_xml(root: etree._Element) -> bytes:
    """Serialise a part: UTF-8 with a standalone XML declaration, as Word writes it."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def default_ns_root(namespace: str, tag: str, **prefixes: str) -> etree._Element:
    """A root element with ``namespace`` as the default one, as package parts are written."""
    nsmap = cast("dict[str, str]", {None: namespace, **prefixes})  # stubs reject a None key
    return etree.Element("{" + namespace + "}" + tag, nsmap=nsmap)


def content_types_part(overrides: Sequence[tuple[str, str]]) -> bytes:
    """``[Content_Types].xml``: defaults for .rels and .xml, then per-part overrides."""
    root = default_ns_root(_CT_NS, "Types")
    for extension, content_type in (
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
        ("xml", "application/xml"),
    ):
        etree.SubElement(root, "{" + _CT_NS + "}Default", Extension=extension,
                         ContentType=content_type)  # fmt: skip
    for part_name, content_type in overrides:
        etree.SubElement(root, "{" + _CT_NS + "}Override", PartName=part_name,
                         ContentType=content_type)  # fmt: skip
    return to_xml(root)


def relationships_part(relationships: Sequence[tuple[str, str, str]]) -> bytes:
    """A ``.rels`` part from (id, type, target) triples, in the order given."""
    root = default_ns_root(_REL_NS, "Relationships")
    for rel_id, rel_type, target in relationships:
        etree.SubElement(root, "{" + _REL_NS + "}Relationship", Id=rel_id, Type=rel_type,
                         Target=target)  # fmt: skip
    return to_xml(root)


# -- numbering --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListLevel:
    """One level of a multilevel list: format, text (``%1.%2``) and hanging indent."""

    num_format: str  # decimal | lowerLetter | lowerRoman ...
    text: str
    style_id: str  # paragraph style linked to the level (and carrying its numPr)
    indent_left: int  # twips
    hanging: int  # twips


@dataclass(frozen=True, slots=True)
class ListDefinition:
    """An abstract list and its one instance; ``num_id`` is what styles point at."""

    name: str
    num_id: int
    levels: tuple[ListLevel, ...]


def numbering_part(lists: Sequence[ListDefinition]) -> etree._Element:
    """``w:numbering`` with one ``w:abstractNum`` and one ``w:num`` per list.

    Each level names its paragraph style (``w:pStyle``); the style in turn carries the
    ``w:numPr``, so a paragraph in that style is numbered by Word and LibreOffice.
    """
    root = etree.Element(W + "numbering", nsmap=WORD_NSMAP)
    for abstract_id, definition in enumerate(lists):
        abstract = w_sub(root, "abstractNum", abstractNumId=str(abstract_id))
        w_sub(abstract, "nsid", val=f"{zlib.crc32(definition.name.encode()):08X}")
        kind = "multilevel" if len(definition.levels) > 1 else "singleLevel"
        w_sub(abstract, "multiLevelType", val=kind)
        w_sub(abstract, "name", val=definition.name)
        for ilvl, level in enumerate(definition.levels):
            lvl = w_sub(abstract, "lvl", ilvl=str(ilvl))
            w_sub(lvl, "start", val="1")
            w_sub(lvl, "numFmt", val=level.num_format)
            w_sub(lvl, "pStyle", val=level.style_id)
            w_sub(lvl, "suff", val="tab")
            w_sub(lvl, "lvlText", val=level.text)
            w_sub(lvl, "lvlJc", val="left")
            ppr = w_sub(lvl, "pPr")
            tabs = w_sub(ppr, "tabs")
            w_sub(tabs, "tab", val="num", pos=str(level.indent_left))
            w_sub(ppr, "ind", left=str(level.indent_left), hanging=str(level.hanging))
    for abstract_id, definition in enumerate(lists):
        num = w_sub(root, "num", numId=str(definition.num_id))
        w_sub(num, "abstractNumId", val=str(abstract_id))
    return root


# -- fields (the static header and footer; the document part is written as text) ----


_R, _T, _FLD_CHAR, _INSTR_TEXT = W + "r", W + "t", W + "fldChar", W + "instrText"
_FLD_CHAR_TYPE = W + "fldCharType"
_PRESERVE = {XML_SPACE: "preserve"}


def _field_char(parent: etree._Element, char_type: str) -> None:
    etree.SubElement(etree.SubElement(parent, _R), _FLD_CHAR, {_FLD_CHAR_TYPE: char_type})


def field_begin(parent: etree._Element, instruction: str) -> None:
    """Append the runs that open a complex field, up to its ``separate`` mark."""
    _field_char(parent, "begin")
    etree.SubElement(etree.SubElement(parent, _R), _INSTR_TEXT, _PRESERVE).text = instruction
    _field_char(parent, "separate")


def field_end(parent: etree._Element) -> None:
    """Append the run that closes a complex field."""
    _field_char(parent, "end")


def text_run(parent: etree._Element, text: str) -> etree._Element:
    """Append a plain ``w:r`` holding ``text`` and return the run."""
    run = etree.SubElement(parent, _R)
    etree.SubElement(run, _T, _PRESERVE).text = text
    return run


def complex_field(parent: etree._Element, instruction: str, cached_text: str) -> None:
    """Append a whole complex field whose result shows ``cached_text`` until updated."""
    field_begin(parent, instruction)
    text_run(parent, cached_text)
    field_end(parent)


# -- package parts carrying data ----------------------------------------------------


def custom_xml_item_id(input_hash: str) -> str:
    """The datastore item GUID, derived from the input hash (no randomness)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, DRAFT_NS + "#" + input_hash)).upper() + "}"


def custom_xml_item(embedded: EmbeddedData) -> bytes:
    """``customXml/item1.xml``: library version, input hash, clause stamps, request."""
    draft = "{" + DRAFT_NS + "}"
    root = etree.Element(draft + "draft", nsmap={"cw": DRAFT_NS})
    etree.SubElement(root, draft + "libraryVersion").text = embedded.library_version
    etree.SubElement(root, draft + "inputHash").text = embedded.input_hash
    clauses = etree.SubElement(root, draft + "clauses")
    for stamp in embedded.clauses:
        etree.SubElement(clauses, draft + "clause", id=stamp.clause_id, version=stamp.version)
    etree.SubElement(root, draft + "request").text = embedded.request_json
    return to_xml(root)


def custom_xml_props(input_hash: str) -> bytes:
    """``customXml/itemProps1.xml``: the datastore item id and our schema reference."""
    ds = "{" + _DS_NS + "}"
    root = etree.Element(
        ds + "datastoreItem", {ds + "itemID": custom_xml_item_id(input_hash)}, nsmap={"ds": _DS_NS}
    )
    refs = etree.SubElement(root, ds + "schemaRefs")
    etree.SubElement(refs, ds + "schemaRef", {ds + "uri": DRAFT_NS})
    return to_xml(root)


def custom_properties(properties: Sequence[tuple[str, str]]) -> bytes:
    """``docProps/custom.xml`` with text properties, cut to Word's 255-character limit."""
    root = default_ns_root(_CUSTOM_PROPS_NS, "Properties", vt=_VT_NS)
    for pid, (name, value) in enumerate(properties, start=2):  # pids start at 2
        prop = etree.SubElement(
            root,
            "{" + _CUSTOM_PROPS_NS + "}property",
            fmtid=_CUSTOM_PROPS_FMTID,
            pid=str(pid),
            name=name,
        )
        etree.SubElement(prop, "{" + _VT_NS + "}lpwstr").text = value[:_WORD_TEXT_PROPERTY_LIMIT]
    return to_xml(root)


def _w3cdtf(moment: datetime) -> str:
    """A W3CDTF timestamp in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def core_properties(properties: DocumentProperties) -> bytes:
    """``docProps/core.xml``; created and modified both come from the request."""
    nsmap = {
        "cp": _CP_NS,
        "dc": _DC_NS,
        "dcterms": _DCTERMS_NS,
        "dcmitype": "http://purl.org/dc/dcmitype/",
        "xsi": _XSI_NS,
    }
    root = etree.Element("{" + _CP_NS + "}coreProperties", nsmap=nsmap)
    plain = (
        (_DC_NS, "title", properties.title),
        (_DC_NS, "subject", properties.subject),
        (_DC_NS, "creator", properties.author),
        (_CP_NS, "keywords", properties.keywords),
        (_CP_NS, "lastModifiedBy", properties.author),
        (_CP_NS, "revision", str(properties.revision)),
    )
    for namespace, name, value in plain:
        etree.SubElement(root, "{" + namespace + "}" + name).text = value
    stamp = _w3cdtf(properties.created)
    for name in ("created", "modified"):
        element = etree.SubElement(root, "{" + _DCTERMS_NS + "}" + name)
        element.set("{" + _XSI_NS + "}type", "dcterms:W3CDTF")
        element.text = stamp
    return to_xml(root)
