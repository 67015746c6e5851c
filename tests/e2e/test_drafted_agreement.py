"""Real drafts, checked as a reader would get them: reopened with python-docx and lxml,
and converted by LibreOffice headless."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree
from office import convert_to_pdf, pdf_lines, pdf_pages

from app import service
from app.render.docx_reader import read_embedded
from app.render.docx_writer import render_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
ROOT = Path(__file__).resolve().parents[2]
NUMBERED_STYLES = {"CWClause", "CWSubclause", "CWItem", "CWSubitem", "CWSchedule"}


def _docx(data: dict[str, Any]) -> bytes:
    return render_docx(service.draft(request=service.parse_request(data)).assembly.document)


@pytest.fixture(scope="module")
def drafts() -> dict[str, bytes]:
    spec = json.loads((ROOT / "examples" / "spec.json").read_text())
    full = json.loads((ROOT / "examples" / "full.json").read_text())
    return {"spec": _docx(spec), "full": _docx(full)}


def _body(data: bytes) -> etree._Element:
    with zipfile.ZipFile(BytesIO(data)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def _text(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())


@pytest.mark.parametrize("name", ["spec", "full"])
def test_clause_paragraphs_carry_list_numbering_through_their_styles(
    drafts: dict[str, bytes], name: str
) -> None:
    document = docx.Document(BytesIO(drafts[name]))
    styles = {
        style.style_id: style
        for style in document.styles
        if style.type is not None and style.style_id in NUMBERED_STYLES
    }
    assert set(styles) == NUMBERED_STYLES
    for style in styles.values():
        assert style.element.find(f"{{{W}}}pPr/{{{W}}}numPr") is not None, style.style_id
    used = [paragraph.style.style_id for paragraph in document.paragraphs if paragraph.style]
    assert used.count("CWClause") >= 15
    assert used.count("CWSubclause") >= 60
    assert used.count("CWSchedule") >= 2


@pytest.mark.parametrize("name", ["spec", "full"])
def test_every_ref_field_has_its_bookmark_and_the_right_cached_number(
    drafts: dict[str, bytes], name: str
) -> None:
    body = _body(drafts[name])
    bookmarks = {mark.get(f"{{{W}}}name") for mark in body.iter(f"{{{W}}}bookmarkStart")}
    instructions = [_text(node) for node in body.iter(f"{{{W}}}instrText")]
    refs = [text.split()[1] for text in instructions if text.split()[:1] == ["REF"]]
    assert len(refs) > 20
    assert set(refs) <= bookmarks


@pytest.mark.parametrize("name", ["spec", "full"])
def test_no_template_tokens_or_none_in_the_document(drafts: dict[str, bytes], name: str) -> None:
    paragraphs = [_text(paragraph) for paragraph in _body(drafts[name]).iter(f"{{{W}}}p")]
    text = "\n".join(paragraphs)
    for token in ("{{", "{%", "}}", "%}", "](", "placeholder:", "anchor:"):
        assert token not in text
    assert not re.search(r"\bNone\b(?! of\b)", text)  # "None of the following" is English


def test_names_are_verbatim_including_chinese_and_ampersands(drafts: dict[str, bytes]) -> None:
    text = _text(_body(drafts["full"]))
    assert "赣州稀土 Example Rare Earth Co., Ltd." in text
    assert "Smith & Sons <Magnetics> GmbH" in text


def test_placeholders_are_highlighted_in_square_brackets(drafts: dict[str, bytes]) -> None:
    body = _body(drafts["spec"])
    highlighted = [
        _text(run)
        for run in body.iter(f"{{{W}}}r")
        if run.find(f"{{{W}}}rPr/{{{W}}}highlight") is not None
    ]
    assert "[date of this Agreement]" in highlighted
    assert all(text.startswith("[") and text.endswith("]") for text in highlighted)


def test_the_package_carries_the_request_and_reads_back(
    drafts: dict[str, bytes], full_request: dict[str, Any]
) -> None:
    request = service.parse_request(full_request)
    embedded = read_embedded(drafts["full"])
    assert embedded.request_json == service.normalised_json(request)
    assert embedded.input_hash == service.input_hash(request)
    assert embedded.library_version == service.get_library().version
    assert {stamp.clause_id for stamp in embedded.clauses} >= {"export_licensing", "force_majeure"}


def test_the_same_request_gives_the_same_bytes_in_another_process(
    drafts: dict[str, bytes], tmp_path: Path
) -> None:
    output = tmp_path / "again.docx"
    subprocess.run(
        [sys.executable, "-m", "app", "draft", str(ROOT / "examples" / "full.json"), "-o",
         str(output)],
        check=True, capture_output=True, timeout=120, env={"PYTHONHASHSEED": "99",
                                                           "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert output.read_bytes() == drafts["full"]


@pytest.mark.libreoffice
def test_libreoffice_converts_the_drafts(drafts: dict[str, bytes], tmp_path: Path) -> None:
    sources = []
    for name, data in drafts.items():
        source = tmp_path / f"{name}.docx"
        source.write_bytes(data)
        sources.append(source)
    for pdf in convert_to_pdf(sources, tmp_path):
        assert pdf_pages(pdf) >= 15
        lines = pdf_lines(pdf)
        assert any(line.startswith("Page 1 of") for line in lines)
        assert any(line.startswith("1.1 ") for line in lines)
        assert any(line.startswith("(a) ") for line in lines)
        assert any(line.startswith("Schedule 1") for line in lines)
