"""A real word processor opens the .docx: LibreOffice converts it to PDF and shows
the list numbers, the cross-reference numbers and the page footer we expect."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from office import convert_to_pdf, pdf_lines

from app.domain.document import CrossRef, Document, Paragraph
from app.domain.numbering import display_number
from app.render.docx_writer import plain_text, render_docx

pytestmark = pytest.mark.libreoffice

SAMPLES = Path(__file__).resolve().parents[1] / "render" / "conftest.py"


def _samples() -> ModuleType:
    """The renderer tests' sample documents (their conftest, loaded by path)."""
    spec = importlib.util.spec_from_file_location("clausewright_render_samples", SAMPLES)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, list[str]]:
    """The sample agreement, and the lines of the PDF LibreOffice made of it."""
    folder = tmp_path_factory.mktemp("libreoffice")
    document: Document = _samples().build_agreement()
    source = folder / "agreement.docx"
    source.write_bytes(render_docx(document))
    (pdf,) = convert_to_pdf([source], folder)
    return document, pdf_lines(pdf)


def test_list_numbers_are_shown_in_order(converted: tuple[Document, list[str]]) -> None:
    document, lines = converted
    numbers = {key: anchor.number for key, anchor in document.anchors.items()}
    position = next(i for i, line in enumerate(lines) if line.startswith("Page 1 of"))
    shown = 0
    for paragraph in document.paragraphs():
        if paragraph.number is None:
            continue
        expected = f"{display_number(paragraph)} {plain_text(paragraph.runs, numbers=numbers)[:20]}"
        matches = (i for i in range(position + 1, len(lines)) if lines[i].startswith(expected))
        found = next(matches, None)
        assert found is not None, f"{expected!r} not shown after line {position}"
        position, shown = found, shown + 1
    assert shown > 30


def test_cross_references_show_the_target_numbers(converted: tuple[Document, list[str]]) -> None:
    document, lines = converted
    numbers = {key: anchor.number for key, anchor in document.anchors.items()}
    text = " ".join(lines)
    referring = [
        block
        for block in document.blocks
        if isinstance(block, Paragraph) and any(isinstance(run, CrossRef) for run in block.runs)
    ]
    assert referring
    for paragraph in referring:
        assert " ".join(plain_text(paragraph.runs, numbers=numbers).split()) in text
    assert "A reference to 1.1(b)(i) includes a reference to 1.1(b)." in text
    assert "As set out in Schedule 1" in text


def test_footer_page_numbers_and_placeholders(converted: tuple[Document, list[str]]) -> None:
    _, lines = converted
    footers = [line for line in lines if line.startswith("Page ") and " of " in line]
    assert footers[0].startswith("Page 1 of ")
    assert footers[1].startswith("Page 2 of ")
    assert any("[Seller's address]" in line for line in lines)
