"""Text from users is never evaluated as a template or parsed as markup, in any output:
the .docx (document.xml), the HTML preview and the JSON report show it verbatim (the
HTML escaped), and "69993" (7777*9), bold runs or HTML elements never appear from it."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from request_strategies import FULL, MARKUP, TEMPLATE_SYNTAX, encode, property_settings, put

JSON = {"content-type": "application/json"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EVALUATED = "69993"  # what {{7777*9}} would become
# Free-text fields and whether the report repeats them (names and addresses it does not).
FIELDS: dict[tuple[str | int, ...], bool] = {
    ("seller", "name"): False,
    ("buyer", "name"): False,
    ("delivery", "place"): True,
    ("disputes", "seat"): True,
    ("price", "index_name"): True,
    ("force_majeure", "additional_events", 0): True,
}
PAYLOADS = [payload for payload in TEMPLATE_SYNTAX + MARKUP if "\\" not in payload]


@st.composite
def marked_names(draw: st.DrawFn) -> str:
    """A name around template syntax or markup: ``Acme {{7777*9}} Ltd``."""
    before = draw(st.sampled_from(["Acme", "赣州稀土", "Ölwerk & Söhne", "O'Brien"]))
    payload = draw(st.sampled_from(PAYLOADS))
    after = draw(st.sampled_from(["Ltd", "GmbH", "", "**", "}}", "%}"]))
    return " ".join(part for part in (before, payload, after) if part)


def paragraph_texts(docx: bytes) -> list[str]:
    """The text of every paragraph of the document body, runs joined."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        root = lxml.etree.fromstring(archive.read("word/document.xml"))
    return ["".join(paragraph.itertext(f"{W}t")) for paragraph in root.iter(f"{W}p")]


def bold_texts(docx: bytes) -> Iterator[str]:
    """The text of every bold run."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        root = lxml.etree.fromstring(archive.read("word/document.xml"))
    for run in root.iter(f"{W}r"):
        if run.find(f"{W}rPr/{W}b") is not None:
            yield "".join(run.itertext(f"{W}t"))


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@property_settings(max_examples=30)
@given(
    names=st.lists(marked_names(), min_size=len(FIELDS), max_size=len(FIELDS)),
)
def test_user_text_is_never_evaluated_or_parsed(api: Any, names: list[str]) -> None:
    request = copy.deepcopy(FULL)
    for path, name in zip(FIELDS, names, strict=True):
        put(request, path, name)
    body = encode(request)

    docx = api.post("/api/v1/contracts/docx", content=body, headers=JSON)
    assert docx.status_code == 200, docx.text[:300]
    paragraphs = paragraph_texts(docx.content)
    document_text = "\n".join(paragraphs)
    for name in names:
        assert any(name in paragraph for paragraph in paragraphs), name
    assert EVALUATED not in document_text
    assert "zq" not in set(bold_texts(docx.content))

    html = api.post("/api/v1/contracts/html", content=body, headers=JSON)
    assert html.status_code == 200
    page = lxml.html.fromstring(html.text)
    page_text = page.text_content()
    for name in names:
        assert name in page_text, name
        assert str(escape(name)) in html.text or name == str(escape(name)), name
    assert EVALUATED not in page_text
    assert not page.xpath("//b[.='zq'] | //strong[.='zq'] | //em[.='zq'] | //script | //img")

    report = api.post("/api/v1/contracts/report", content=body, headers=JSON)
    assert report.status_code == 200
    texts = list(strings_in(report.json()))
    for (_, repeated), name in zip(FIELDS.items(), names, strict=True):
        if repeated:
            assert any(name in text for text in texts), name
    assert EVALUATED not in json.dumps(report.json(), ensure_ascii=False)
