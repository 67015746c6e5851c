"""XML written as text is byte for byte what lxml writes, and refuses what lxml refuses."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Document,
    DocumentProperties,
    EmbeddedData,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    Text,
)
from app.domain.numbering import resolve
from app.errors import DocumentAssemblyError
from app.render import base, docx_writer, wordml, xml_text
from app.render.docx_writer import render_docx

# Any character, weighted towards the ones escaping and checking are about.
CHARACTERS = st.one_of(
    st.sampled_from("&<>\"'\r\n\t\x00\x01\x0b\x1f\x7f\x85\ufffe\uffff\u2028é赣😀"),
    st.characters(),
)
TEXTS = st.text(alphabet=CHARACTERS, max_size=40)


def _lxml_text(value: str) -> bytes:
    element = etree.Element("t")
    element.text = value
    return etree.tostring(element, encoding="UTF-8")[len(b"<t>") : -len(b"</t>")]


def _lxml_accepts(value: str) -> bool:
    try:
        _lxml_text(value)
    except ValueError:
        return False
    return True


def _lxml_attribute(value: str) -> bytes:
    element = etree.Element("a", v=value)
    return etree.tostring(element, encoding="UTF-8")[len(b'<a v="') : -len(b'"/>')]


@settings(max_examples=400)
@given(TEXTS)
def test_text_escapes_as_lxml_and_fails_where_it_fails(value: str) -> None:
    try:
        expected = _lxml_text(value)
    except ValueError:
        with pytest.raises(ValueError):  # noqa: PT011 - lxml's own error type
            xml_text.encode(xml_text.text(value))
        return
    assert xml_text.encode(xml_text.text(value)) == expected


@settings(max_examples=400)
@given(TEXTS)
def test_attributes_escape_as_lxml_and_fail_where_it_fails(value: str) -> None:
    try:
        expected = _lxml_attribute(value)
    except ValueError:
        with pytest.raises(ValueError):  # noqa: PT011 - lxml's own error type
            xml_text.encode(xml_text.attribute(value))
        return
    assert xml_text.encode(xml_text.attribute(value)) == expected


@pytest.mark.parametrize(
    "character",
    ["\x00", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800"],
)
def test_characters_xml_cannot_carry_are_refused_like_lxml(character: str) -> None:
    assert not _lxml_accepts(f"a{character}b")
    with pytest.raises(ValueError):  # noqa: PT011 - lxml's own error type
        xml_text.encode(xml_text.text(f"a{character}b"))


@pytest.mark.parametrize(
    "character", ["\t", "\n", "\r", "\x7f", "\x85", "\u2028", "\ufdd0", "\U0001f600", "&"]
)
def test_characters_xml_can_carry_are_written_like_lxml(character: str) -> None:
    value = f"a{character}b"
    assert xml_text.encode(xml_text.text(value)) == _lxml_text(value)
    assert xml_text.encode(xml_text.attribute(value)) == _lxml_attribute(value)


def test_the_writers_fields_are_written_as_the_footers_lxml_fields() -> None:
    footer = base.base_package().parts["word/footer1.xml"]
    assert footer is not None
    assert docx_writer._complex_field(" PAGE ", "1").encode() in footer
    assert docx_writer._complex_field(" NUMPAGES ", "1").encode() in footer


def test_the_declaration_is_lxmls() -> None:
    root = etree.Element("r")
    serialised = wordml.to_xml(root)
    assert serialised == (xml_text.DECLARATION + "<r/>").encode()


def _document(texts: list[str]) -> Document:
    blocks: list[Paragraph | Table] = [
        Paragraph(ParagraphKind.CLAUSE, (Text(texts[0]),), anchor="c"),
        Paragraph(
            ParagraphKind.SUBCLAUSE,
            (Text(texts[1], bold=True), DefinedTerm(texts[2]), CrossRef("c")),
            anchor="c.a",
        ),
        Paragraph(ParagraphKind.BODY, (Placeholder("k", texts[3]), Text(texts[4], italic=True))),
        Table(header=((Text(texts[5]),), (CrossRef("c.a"),)), rows=(((Text(texts[6]),),),)),
    ]
    document = Document(
        properties=DocumentProperties("T", "S", "A", "K", datetime(2027, 1, 1)),
        embedded=EmbeddedData("{}", (), "1", "0" * 64),
        blocks=list(blocks),
        header_text="Draft",
    )
    resolve(document)
    return document


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=CHARACTERS, min_size=1, max_size=30), min_size=7, max_size=7))
def test_the_document_part_is_what_lxml_writes_for_its_own_tree(texts: list[str]) -> None:
    """Parsing the written part and serialising it again with lxml gives the same
    bytes: every escape, empty element and attribute is written as lxml would."""
    try:
        docx = render_docx(_document(texts))
    except DocumentAssemblyError:
        assert not all(_lxml_accepts(text) for text in texts)
        return
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        written = archive.read("word/document.xml")
    again = wordml.to_xml(etree.fromstring(written))
    assert again == written
