"""The .docx writer: reopen the output with python-docx and lxml and check it."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from lxml import etree

from app.domain.document import (
    CrossRef,
    DefinedTerm,
    Document,
    Inline,
    Paragraph,
    ParagraphKind,
    Placeholder,
    Table,
    TableOfContents,
    Text,
)
from app.domain.numbering import display_number
from app.errors import DocumentAssemblyError
from app.render import base, wordml
from app.render.docx_reader import read_embedded
from app.render.docx_writer import TOC_INSTRUCTION, render_docx
from app.render.wordml import W_NS, custom_xml_item_id

W = "{" + W_NS + "}"
K = ParagraphKind
CONFTEST = Path(__file__).with_name("conftest.py")
REPO = Path(__file__).resolve().parents[2]


def _parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist()}


def _find(element: etree._Element, path: str) -> etree._Element:
    found = element.find(path)
    assert found is not None, f"no {path}"
    return found


def _val(element: etree._Element, path: str = ".", attribute: str = "val") -> str:
    """The ``w:<attribute>`` of ``element`` or of its descendant at ``path``."""
    value = _find(element, path).get(W + attribute)
    assert value is not None, f"no w:{attribute} on {path}"
    return value


def _body(data: bytes) -> etree._Element:
    return _find(_parts(data)["word/document.xml"], W + "body")


def _text(element: etree._Element) -> str:
    out: list[str] = []
    for node in element.iter(W + "t", W + "tab", W + "instrText"):
        if node.tag == W + "tab":
            out.append("\t")
        elif node.tag == W + "t":
            out.append(node.text or "")
    return "".join(out)


def _inlines(document: Document) -> Iterator[Inline]:
    for block in document.blocks:
        if isinstance(block, Paragraph):
            yield from block.runs
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    yield from cell


def _plain(runs: tuple[Inline, ...]) -> str:
    return "".join(run.text for run in runs if isinstance(run, Text))


# -- a small model of Word's list numbering, read from the package -----------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "lowerLetter": lambda n: _LETTERS[n - 1],
    "lowerRoman": lambda n: _ROMAN[n - 1],
}


def _list_levels(parts: dict[str, etree._Element]) -> dict[str, list[tuple[str, str]]]:
    """numId -> [(numFmt, lvlText)] per level, through w:num -> w:abstractNum."""
    numbering = parts["word/numbering.xml"]
    abstracts = {
        _val(a, attribute="abstractNumId"): [
            (_val(lvl, W + "numFmt"), _val(lvl, W + "lvlText")) for lvl in a.iterfind(W + "lvl")
        ]
        for a in numbering.iterfind(W + "abstractNum")
    }
    return {
        _val(num, attribute="numId"): abstracts[_val(num, W + "abstractNumId")]
        for num in numbering.iterfind(W + "num")
    }


def _style_num_pr(parts: dict[str, etree._Element]) -> dict[str, tuple[str, int]]:
    """styleId -> (numId, ilvl) for styles that carry w:numPr."""
    out = {}
    for style in parts["word/styles.xml"].iterfind(W + "style"):
        num_pr = style.find(f"{W}pPr/{W}numPr")
        if num_pr is not None:
            out[_val(style, attribute="styleId")] = (
                _val(num_pr, W + "numId"),
                int(_val(num_pr, W + "ilvl")),
            )
    return out


def _lowest_placeholder(level_text: str) -> int:
    """The highest level a w:lvlText shows: "%1.%2" -> 1, "(%3)" -> 3."""
    return min(int(level_text[i + 1]) for i, char in enumerate(level_text) if char == "%")


def _word_numbers(data: bytes) -> list[tuple[etree._Element, str, str]]:
    """(paragraph, number shown, full-context number) as Word computes them."""
    parts = _parts(data)
    levels, style_num_pr = _list_levels(parts), _style_num_pr(parts)
    counters: dict[str, list[int]] = {}
    out = []
    for paragraph in parts["word/document.xml"].iter(W + "p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is None or _val(style) not in style_num_pr:
            continue
        num_id, ilvl = style_num_pr[_val(style)]
        count = counters.setdefault(num_id, [0] * 9)
        count[ilvl] += 1
        count[ilvl + 1 :] = [0] * (8 - ilvl)

        def shown(level: int, num_id: str = num_id, count: list[int] = count) -> str:
            text = levels[num_id][level][1]
            for k in range(level + 1):
                text = text.replace(f"%{k + 1}", _FORMATS[levels[num_id][k][0]](count[k]))
            return text

        # Word's \w: prefix the parent levels a level's text does not already show.
        full, level = shown(ilvl), ilvl
        while (top := _lowest_placeholder(levels[num_id][level][1])) > 1:
            level = top - 2
            full = shown(level) + full
        out.append((paragraph, shown(ilvl), full))
    return out


def _fields(data: bytes) -> list[tuple[str, str]]:
    """(instruction, cached result) of every complex field in the document part."""
    fields: list[tuple[str, str]] = []
    state, instruction, result = "", "", ""
    for run in _parts(data)["word/document.xml"].iter(W + "r"):
        char = run.find(W + "fldChar")
        if char is not None:
            kind = char.get(W + "fldCharType")
            if kind == "begin":
                state, instruction, result = "instr", "", ""
            elif kind == "separate":
                state = "result"
            else:
                fields.append((instruction, result))
                state = ""
        elif state == "instr":
            instruction += "".join(t.text or "" for t in run.iter(W + "instrText"))
        elif state == "result":
            result += _text(run)
    return fields


# -- tests ----------------------------------------------------------------------------


def test_each_paragraph_kind_has_its_own_style(agreement: Document, agreement_docx: bytes) -> None:
    ids = base.PARAGRAPH_STYLE_IDS
    expected = [
        ids[block.kind] if isinstance(block, Paragraph) else ids[K.HEADING]
        for block in agreement.blocks
        if isinstance(block, Paragraph | TableOfContents)
    ]
    styles = [_val(style) for style in _body(agreement_docx).iterfind(f"{W}p/{W}pPr/{W}pStyle")]
    assert [style for style in styles if style in ids.values()] == expected
    assert not _body(agreement_docx).findall(f".//{W}numPr")  # numbered through styles only
    names = {
        style.style_id: style.name for style in docx.Document(io.BytesIO(agreement_docx)).styles
    }
    assert len(set(ids.values())) == len(ParagraphKind)
    assert {names[ids[kind]] for kind in ParagraphKind} >= {"CW Clause", "CW Schedule", "CW Item"}


@pytest.mark.parametrize(
    ("kind", "num_id", "ilvl", "num_format", "level_text"),
    [
        (K.CLAUSE, "1", 0, "decimal", "%1"),
        (K.SUBCLAUSE, "1", 1, "decimal", "%1.%2"),
        (K.ITEM, "1", 2, "lowerLetter", "(%3)"),
        (K.SUBITEM, "1", 3, "lowerRoman", "(%4)"),
        (K.SCHEDULE, "2", 0, "decimal", "Schedule %1"),
    ],
)
def test_numbered_styles_link_to_list_levels(
    agreement_docx: bytes,
    kind: ParagraphKind,
    num_id: str,
    ilvl: int,
    num_format: str,
    level_text: str,
) -> None:
    parts = _parts(agreement_docx)
    style_id = base.PARAGRAPH_STYLE_IDS[kind]
    assert _style_num_pr(parts)[style_id] == (num_id, ilvl)
    assert _list_levels(parts)[num_id][ilvl] == (num_format, level_text)
    numbering = parts["word/numbering.xml"]
    abstract_id = _val(numbering, f"{W}num[@{W}numId='{num_id}']/{W}abstractNumId")
    level = _find(
        numbering, f"{W}abstractNum[@{W}abstractNumId='{abstract_id}']/{W}lvl[@{W}ilvl='{ilvl}']"
    )
    assert _val(level, W + "pStyle") == style_id
    assert _val(level, W + "suff") == "tab"
    assert int(_val(level, f"{W}pPr/{W}ind", "hanging")) > 0


@pytest.mark.parametrize("kind", [K.CLAUSE, K.SCHEDULE])
def test_headings_are_bold_kept_with_next_and_at_outline_level_0(
    agreement_docx: bytes, kind: ParagraphKind
) -> None:
    styles = _parts(agreement_docx)["word/styles.xml"]
    style = _find(styles, f"{W}style[@{W}styleId='{base.PARAGRAPH_STYLE_IDS[kind]}']")
    assert style.find(f"{W}rPr/{W}b") is not None
    assert style.find(f"{W}pPr/{W}keepNext") is not None
    assert _val(style, f"{W}pPr/{W}outlineLvl") == "0"


def test_shown_numbers_equal_resolved_numbers(agreement: Document, agreement_docx: bytes) -> None:
    shown = [number for _, number, _ in _word_numbers(agreement_docx)]
    expected = [display_number(p) for p in agreement.paragraphs() if p.number is not None]
    assert shown == expected
    assert {"1", "1.1", "(a)", "(i)", "Schedule 2"} <= set(shown)


def test_every_ref_has_its_bookmark_and_shows_its_number(
    agreement: Document, agreement_docx: bytes
) -> None:
    full_number = {}
    for paragraph, _, full in _word_numbers(agreement_docx):
        for mark in paragraph.iterfind(W + "bookmarkStart"):
            full_number[_val(mark, attribute="name")] = full
    refs = [(i.split(), r) for i, r in _fields(agreement_docx) if i.split()[0] == "REF"]
    cross_refs = [run for run in _inlines(agreement) if isinstance(run, CrossRef)]
    assert len(refs) == len(cross_refs) > 10
    for (words, cached), reference in zip(refs, cross_refs, strict=True):
        anchor = agreement.anchors[reference.target]
        assert words == ["REF", anchor.bookmark, "\\w", "\\h"]
        assert cached == full_number[anchor.bookmark] == anchor.number


def test_every_anchor_is_a_bookmark_with_a_unique_id(
    agreement: Document, agreement_docx: bytes
) -> None:
    body = _body(agreement_docx)
    starts = body.findall(f".//{W}bookmarkStart")
    ids = [_val(mark, attribute="id") for mark in starts]
    assert len(set(ids)) == len(ids)
    assert sorted(_val(mark, attribute="name") for mark in starts) == sorted(
        anchor.bookmark for anchor in agreement.anchors.values()
    )
    ends = [_val(mark, attribute="id") for mark in body.iter(W + "bookmarkEnd")]
    assert sorted(ids) == sorted(ends)


def test_placeholders_are_highlighted_with_their_brackets(
    agreement: Document, agreement_docx: bytes
) -> None:
    bracketed = [run for run in _body(agreement_docx).iter(W + "r") if "[" in _text(run)]
    expected = [f"[{run.label}]" for run in _inlines(agreement) if isinstance(run, Placeholder)]
    assert [_text(run) for run in bracketed] == expected
    for run in bracketed:
        assert _val(run, f"{W}rPr/{W}highlight") == "yellow"


def test_defined_terms_are_bold_in_curly_quotes(agreement: Document, agreement_docx: bytes) -> None:
    bold = [
        _text(r) for r in _body(agreement_docx).iter(W + "r") if r.find(f"{W}rPr/{W}b") is not None
    ]
    terms = [
        f"\u201c{run.term}\u201d" for run in _inlines(agreement) if isinstance(run, DefinedTerm)
    ]
    assert terms
    assert all(term in bold for term in terms)


def test_cjk_names_get_an_east_asian_font_and_names_survive_verbatim(agreement_docx: bytes) -> None:
    styles = _parts(agreement_docx)["word/styles.xml"]
    for path in (f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts",
                 f"{W}style[@{W}styleId='Normal']/{W}rPr/{W}rFonts"):  # fmt: skip
        assert _val(styles, path, "eastAsia") == "SimSun"
        assert _val(styles, path, "ascii") == "Times New Roman"
    reopened = docx.Document(io.BytesIO(agreement_docx))
    text = "\n".join(p.text for p in reopened.paragraphs)
    cells = [cell.text for table in reopened.tables for row in table.rows for cell in row.cells]
    seller, buyer = "赣州稀土 Example Rare Earth Co., Ltd.", "Smith & Sons <Ltd>"
    assert f"between {seller} and {buyer}" in text
    assert {seller, buyer} <= set(cells)


def test_table_of_contents_caches_every_clause_and_schedule_heading(
    agreement: Document, agreement_docx: bytes
) -> None:
    reopened = docx.Document(io.BytesIO(agreement_docx))
    entries = [p.text for p in reopened.paragraphs if p.style and p.style.name == "toc 1"]
    headings = [p for p in agreement.paragraphs() if p.kind in (K.CLAUSE, K.SCHEDULE)]
    assert entries == [f"{p.number}\t{_plain(p.runs)}" for p in headings]
    assert (TOC_INSTRUCTION, "\n".join(entries).replace("\n", "")) in _fields(agreement_docx)
    assert '\\o "1-1"' in TOC_INSTRUCTION
    assert "\\n" in TOC_INSTRUCTION
    assert _parts(agreement_docx)["word/settings.xml"].find(W + "updateFields") is None


def test_tables_repeat_their_header_and_fill_the_text_width(agreement_docx: bytes) -> None:
    body = _body(agreement_docx)
    key_terms, schedule = body.findall(W + "tbl")
    assert _val(key_terms, f"{W}tblPr/{W}tblStyle") == "CWKeyTerms"
    assert _val(schedule, f"{W}tblPr/{W}tblStyle") == "CWGrid"
    rows = schedule.findall(W + "tr")
    assert len(rows) == 61
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert rows[1].find(f"{W}trPr/{W}tblHeader") is None
    widths = [int(_val(col, attribute="w")) for col in schedule.iter(W + "gridCol")]
    assert sum(widths) == base.TEXT_WIDTH
    assert [round(w / widths[0], 2) for w in widths] == [1, 1.5, 1.5, 3]
    first_row = docx.Document(io.BytesIO(agreement_docx)).tables[1].rows[1]
    assert [cell.text for cell in first_row.cells] == ["Lot 1", "250", "Month 1", "[place]"]


def test_header_footer_and_page(agreement_docx: bytes) -> None:
    parts = _parts(agreement_docx)
    assert _text(parts["word/header1.xml"]) == "DRAFT 1 - for discussion"
    footer = parts["word/footer1.xml"]
    assert _text(footer) == "Page 1 of 1"
    instructions = [(node.text or "").strip() for node in footer.iter(W + "instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    page = f"{W}sectPr/{W}pgSz"
    body = _body(agreement_docx)
    assert (_val(body, page, "w"), _val(body, page, "h")) == ("11906", "16838")


def test_core_and_custom_properties(agreement: Document, agreement_docx: bytes) -> None:
    core = docx.Document(io.BytesIO(agreement_docx)).core_properties
    moment = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)
    assert (core.title, core.subject, core.author, core.keywords, core.last_modified_by) == (
        "Rare Earth Supply Agreement", "Dysprosium oxide supply", "Clausewright",
        "rare earth; dysprosium; supply", "Clausewright",
    )  # fmt: skip
    assert (core.created, core.modified, core.revision) == (moment, moment, 3)
    custom = _parts(agreement_docx)["docProps/custom.xml"]
    values = {prop.get("name"): prop[0].text for prop in custom}
    assert values == {
        "ClausewrightInputHash": agreement.embedded.input_hash,
        "ClausewrightLibraryVersion": agreement.embedded.library_version,
    }


@pytest.mark.parametrize(
    ("created", "stamp"),
    [
        (datetime(2027, 1, 1, 9, 30), "2027-01-01T09:30:00Z"),  # naive: taken as UTC
        (datetime(2027, 1, 1, 17, 30, tzinfo=timezone(timedelta(hours=8))), "2027-01-01T09:30:00Z"),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), "2026-12-31T23:59:59Z"),
    ],
)
def test_core_dates_are_utc(agreement: Document, created: datetime, stamp: str) -> None:
    properties = dataclasses.replace(agreement.properties, created=created)
    core = etree.fromstring(wordml.core_properties(properties))
    dates = [element.text for element in core if element.tag.endswith(("created", "modified"))]
    assert dates == [stamp, stamp]


def test_custom_properties_fit_words_text_limit() -> None:
    custom = etree.fromstring(wordml.custom_properties([("Long", "x" * 300), ("Short", "y")]))
    assert [len(prop[0].text or "") for prop in custom] == [255, 1]


def test_embedded_data_round_trips(agreement: Document, agreement_docx: bytes) -> None:
    assert read_embedded(agreement_docx) == agreement.embedded
    parts = _parts(agreement_docx)
    item_id = parts["customXml/itemProps1.xml"].get(
        "{http://schemas.openxmlformats.org/officeDocument/2006/customXml}itemID"
    )
    assert item_id == custom_xml_item_id(agreement.embedded.input_hash)
    assert item_id != custom_xml_item_id("0" * 64)
    targets = [rel.get("Target") for rel in parts["word/_rels/document.xml.rels"]]
    assert "../customXml/item1.xml" in targets


def test_package_is_consistent(agreement_docx: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(agreement_docx)) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        stamps = {(info.date_time, info.create_system) for info in archive.infolist()}
        assert stamps == {((1980, 1, 1, 0, 0, 0), 0)}  # nothing from the clock or the OS
    parts = _parts(agreement_docx)
    overrides = {o.get("PartName") for o in parts["[Content_Types].xml"] if o.get("PartName")}
    plain_xml = {"[Content_Types].xml", "customXml/item1.xml"}  # typed by extension
    assert overrides == {"/" + n for n in names if not n.endswith(".rels") and n not in plain_xml}
    for rels_name in [n for n in names if n.endswith(".rels")]:
        folder = rels_name.rsplit("_rels/", 1)[0]
        for rel in parts[rels_name]:
            target = os.path.normpath(folder + str(rel.get("Target")))
            assert target in names, (rels_name, target)


def test_same_document_gives_the_same_bytes_in_another_process(
    agreement_docx: bytes, agreement_builder: Callable[[], Document]
) -> None:
    assert render_docx(agreement_builder()) == agreement_docx
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('samples', {str(CONFTEST)!r})\n"
        "samples = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(samples)\n"
        "from app.render.docx_writer import render_docx\n"
        "sys.stdout.buffer.write(render_docx(samples.build_agreement()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati"}
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=REPO, env=env,
        timeout=120,
    )  # fmt: skip
    assert child.stdout == agreement_docx


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (Paragraph(K.PLAIN, (CrossRef("nowhere"),)), "'nowhere', which has no anchor"),
        (Paragraph(K.CLAUSE, (Text("Price"),)), "run numbering.resolve"),
        (Paragraph(K.CLAUSE, (Text("Price"),), anchor="price", number="1"), "'price' was not"),
        (Paragraph(K.PLAIN, (Text("bell \x07"),)), "Word cannot store"),
        (Table(header=((Text("a"),),), rows=(), column_widths=(1, 2)), "1 positive widths"),
        (Table(header=((Text("a"),),), rows=(), style="fancy"), "'fancy'"),
        (Table(header=((Text("a"),),), rows=(((Text("x"),), (Text("y"),)),)), "2 cells for 1"),
        (Table(header=(), rows=()), "no columns"),
    ],
)
def test_inconsistent_documents_are_refused(
    agreement: Document, block: Paragraph | Table, message: str
) -> None:
    agreement.blocks, agreement.anchors = [block], {}
    with pytest.raises(DocumentAssemblyError, match=message):
        render_docx(agreement)
