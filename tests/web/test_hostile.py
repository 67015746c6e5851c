"""Malformed and hostile requests, endpoint by endpoint: never a 5xx, always a problem+json
with a reason a person can read (and, for a 422, the path of each offending field)."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import docx
import httpx
import pytest
from fastapi import FastAPI

from app import service
from app.errors import DocumentAssemblyError

SPEC: dict[str, Any] = {
    "element": "Dy",
    "form": "oxide",
    "volume": {"quantity": 12, "unit": "t", "per": "year"},
    "term": {"start_date": "2027-01-01", "months": 36},
    "seller": {"name": "Ganzhou Example Rare Earth Co., Ltd.", "country": "CN"},
    "buyer": {"name": "Example Magnetics GmbH", "country": "DE"},
    "posture": "balanced",
}
JSON = {"content-type": "application/json"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFTING_ROUTES = ["/api/v1/contracts/docx", "/api/v1/contracts/html", "/api/v1/contracts/report"]
Problem = Callable[[httpx.Response, int], dict[str, Any]]


def changed(path: str, value: Any) -> bytes:
    """SPEC with the field at dotted ``path`` set to ``value``, as JSON (ASCII, so lone
    surrogates travel as escapes)."""
    request = copy.deepcopy(SPEC)
    *parents, last = path.split(".")
    target = request
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
    return json.dumps(request).encode()


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"x": value}
    return value


# (body, expected path of the first error, a fragment of its message)
BAD_BODIES = [
    # wrong types
    pytest.param(changed("element", 12), "element", "text", id="element-number"),
    pytest.param(changed("element", None), "element", "", id="element-null"),
    pytest.param(changed("element", ["Dy"]), "element", "text", id="element-list"),
    pytest.param(changed("volume", []), "volume", "", id="volume-list"),
    pytest.param(changed("volume.quantity", "twelve"), "volume.quantity", "number", id="qty-word"),
    pytest.param(changed("volume.quantity", True), "volume.quantity", "number", id="qty-bool"),
    pytest.param(changed("term.months", "ten"), "term.months", "whole number", id="months-word"),
    pytest.param(changed("term.months", 12.5), "term.months", "whole number", id="months-float"),
    pytest.param(changed("posture", "aggressive"), "posture", "one of", id="posture-unknown"),
    pytest.param(changed("seller", "ACME"), "seller", "object", id="seller-text"),
    # out of range
    pytest.param(changed("volume.quantity", 0), "volume.quantity", "more than 0", id="qty-zero"),
    pytest.param(changed("volume.quantity", -5), "volume.quantity", "more than 0", id="qty-neg"),
    pytest.param(changed("volume.quantity", 1e12), "volume.quantity", "", id="qty-huge"),
    pytest.param(changed("volume.quantity", 1e-9), "volume.quantity", "decimal", id="qty-tiny"),
    pytest.param(changed("volume.quantity", "1e5000"), "volume.quantity", "", id="qty-exp"),
    pytest.param(changed("term.months", 0), "term.months", "at least 1", id="months-zero"),
    pytest.param(changed("term.months", 361), "term.months", "at most 360", id="months-361"),
    pytest.param(
        changed("safety_stock.service_level", 1.5), "safety_stock.service_level", "", id="sl"
    ),
    pytest.param(changed("price.payment_days", -1), "price.payment_days", "", id="pay-neg"),
    # impossible dates
    pytest.param(changed("term.start_date", "2027-02-30"), "term.start_date", "date", id="feb30"),
    pytest.param(changed("term.start_date", "2027-13-01"), "term.start_date", "date", id="m13"),
    pytest.param(changed("term.start_date", "0000-00-00"), "term.start_date", "date", id="zero"),
    pytest.param(changed("term.start_date", "1999-12-31"), "term.start_date", "2000", id="y1999"),
    pytest.param(changed("term.start_date", "99999-01-01"), "term.start_date", "", id="y99999"),
    pytest.param(changed("term.start_date", "tomorrow"), "term.start_date", "date", id="word"),
    pytest.param(
        changed("agreement_date", "2028-01-01"), "(request)", "after the start", id="signed-late"
    ),
    # deep nesting
    pytest.param(b"[" * 100_000, "(request)", "nested too deeply", id="bracket-bomb"),
    pytest.param(
        b'{"element": ' + b'{"x": ' * 5000 + b"1" + b"}" * 5001,
        "(request)",
        "nested too deeply",
        id="object-bomb",
    ),
    pytest.param(changed("extra", nested(500)), "extra", "not a field", id="deep-unknown"),
    pytest.param(changed("seller.name", nested(500)), "seller.name", "text", id="deep-name"),
    # control characters and broken text
    pytest.param(changed("seller.name", "a\x00b"), "seller.name", "control", id="nul"),
    pytest.param(changed("seller.name", "\x1b[31mred"), "seller.name", "control", id="escape"),
    pytest.param(changed("seller.name", "x\ufffe"), "seller.name", "control", id="nonchar"),
    pytest.param(changed("seller.name", "\ud800"), "seller.name", "", id="surrogate-name"),
    pytest.param(changed("element", "\udfff"), "element", "", id="surrogate-element"),
    pytest.param(b'{"element": "\xff\xfe"}', "(request)", "UTF-8", id="not-utf8"),
    pytest.param(b"\xef\xbb\xbf" + json.dumps(SPEC).encode(), "(request)", "BOM", id="bom"),
    # numbers JSON does not have, or a contract does not need
    pytest.param(b'{"element": NaN}', "(request)", "NaN", id="nan"),
    pytest.param(b'{"volume": {"quantity": Infinity}}', "(request)", "Infinity", id="inf"),
    pytest.param(b'{"term": {"months": -Infinity}}', "(request)", "Infinity", id="neg-inf"),
    pytest.param(b'{"term": {"months": 1e400}}', "(request)", "too large", id="1e400"),
    pytest.param(b'{"term": {"months": ' + b"9" * 5000 + b"}}", "(request)", "digits", id="big"),
    # not a request at all
    pytest.param(b"", "(request)", "required", id="empty"),
    pytest.param(b"{", "(request)", "not valid JSON", id="truncated"),
    pytest.param(b"null", "(request)", "object", id="null"),
    pytest.param(b"[]", "(request)", "object", id="list"),
    pytest.param(b'"Dy"', "(request)", "object", id="string"),
    pytest.param(b"{'element': 'Dy'}", "(request)", "not valid JSON", id="single-quotes"),
    # unknown fields are typos
    pytest.param(changed("elemnt", "Dy"), "elemnt", 'did you mean "element"', id="typo"),
    pytest.param(changed("volume.qty", 1), "volume.qty", "not a field", id="nested-typo"),
    # paths and unknown names inside the body
    pytest.param(changed("element", "../../etc/passwd"), "element", "rare-earth", id="path"),
    pytest.param(changed("element", "Pm"), "element", "radioactive", id="promethium"),
]


@pytest.mark.parametrize("route", DRAFTING_ROUTES)
@pytest.mark.parametrize(("body", "path", "fragment"), BAD_BODIES)
def test_bad_bodies_get_422_naming_the_field(
    client: Any, expect_problem: Problem, route: str, body: bytes, path: str, fragment: str
) -> None:
    problem = expect_problem(client.post(route, content=body, headers=JSON), 422)
    first = problem["errors"][0]
    assert first["path"] == path
    assert fragment in first["message"]
    assert f"{path}: {first['message']}" in problem["detail"]


def test_every_offending_field_is_listed(client: Any, expect_problem: Problem) -> None:
    request = {"element": "Xx", "volume": {"quantity": -1, "unit": "lb"}, "term": {"months": 0}}
    problem = expect_problem(client.post(DRAFTING_ROUTES[0], json=request), 422)
    assert [error["path"] for error in problem["errors"]] == [
        "element",
        "volume.quantity",
        "volume.unit",
        "term.months",
    ]
    assert problem["detail"].startswith("4 field(s) need attention")


@pytest.mark.parametrize("route", DRAFTING_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/json"],
)
def test_wrong_content_type_is_415(
    client: Any, expect_problem: Problem, route: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(route, content=json.dumps(SPEC).encode(), headers=headers)
    assert "application/json" in expect_problem(response, 415)["detail"]


def _big_body() -> bytes:
    return changed("seller.address", "x" * (2 * 2**20))


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 65536):
        yield data[start : start + 65536]


@pytest.mark.parametrize("route", [*DRAFTING_ROUTES, "/api/v1/contracts/batch"])
def test_oversized_bodies_get_413(client: Any, expect_problem: Problem, route: str) -> None:
    body = _big_body()
    declared = client.post(route, content=body, headers=JSON)
    assert "1,048,576 bytes" in expect_problem(declared, 413)["detail"]


def test_oversized_body_without_or_with_a_lying_length_is_counted(
    api_app: FastAPI, expect_problem: Problem
) -> None:
    body = _big_body()

    async def stream() -> Any:
        for chunk in _chunks(body):
            yield chunk

    async def send(headers: dict[str, str], content: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=api_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(DRAFTING_ROUTES[2], content=content, headers=headers)

    chunked = anyio.run(send, JSON, stream())
    expect_problem(chunked, 413)
    lying = anyio.run(send, {**JSON, "content-length": "100"}, body)
    expect_problem(lying, 413)


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1, 2", b"1e3", b"\xb2", b""])
def test_malformed_content_length_is_400(
    client: Any, expect_problem: Problem, length: bytes
) -> None:
    response = client.post(
        DRAFTING_ROUTES[0], content=b"{}", headers={**JSON, "content-length": length}
    )
    expect_problem(response, 400)


TEMPLATE_AND_MARKUP = [
    "{{ 7*7 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    '<w:p><w:r><w:t>injected</w:t></w:r></w:p>]]>&amp;"',
    "<script>alert(1)</script>",
    "**bold** _em_ [link](javascript:alert(1)) # heading",
    "\u202eevil\u202c RTL override",
]


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("name", TEMPLATE_AND_MARKUP)
def test_template_syntax_and_markup_in_names_are_plain_text(client: Any, name: str) -> None:
    body = changed("buyer.name", name)
    drafted = client.post(DRAFTING_ROUTES[0], content=body, headers=JSON)
    assert drafted.status_code == 200
    assert name in _docx_text(drafted.content)  # verbatim: not evaluated, not parsed
    with zipfile.ZipFile(io.BytesIO(drafted.content)) as archive:
        assert "<w:t>injected" not in archive.read("word/document.xml").decode()
    html = client.post(DRAFTING_ROUTES[1], content=body, headers=JSON).text
    assert "<script>alert" not in html
    assert "<w:p>" not in html
    report = client.post(DRAFTING_ROUTES[2], content=body, headers=JSON)
    assert report.json()["input_hash"] == service.input_hash(service.parse_request_json(body))


PATH_TRICKS = [
    "..",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2F..%2Fetc%2Fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%252e%252e%252fetc",
    "....%2F%2F....%2F%2Fetc",
    "%00",
    "dy%00.yaml",
    "%ff%fe",
    "%7B%7B7*7%7D%7D",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "dy%0d%0aSet-Cookie:%20a=b",
    "x" * 5000,
    "elements.yaml",
    "%F0%9F%92%A5",
]


@pytest.mark.parametrize("prefix", ["/api/v1/elements/", "/api/v1/clauses/"])
@pytest.mark.parametrize("trick", PATH_TRICKS)
def test_path_tricks_in_ids_are_404(
    client: Any, expect_problem: Problem, prefix: str, trick: str
) -> None:
    response = client.get(prefix + trick)
    problem = expect_problem(response, 404)
    assert "set-cookie" not in response.headers
    assert "root:" not in response.text
    assert "49" not in problem["detail"]
    assert len(problem["detail"]) < 300


def _good_docx(client: Any) -> bytes:
    response = client.post(DRAFTING_ROUTES[0], content=json.dumps(SPEC).encode(), headers=JSON)
    assert response.status_code == 200
    content: bytes = response.content
    return content


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = replace.get(info.filename, source.read(info))
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(new, content)
    return out.getvalue()


def _data_part(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [
            name for name in archive.namelist() if re.fullmatch(r"customXml/item\d+\.xml", name)
        ]
        return names[0]


def _with_request(data: bytes, request_json: str) -> bytes:
    part = _data_part(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode()
    xml = re.sub(r"(<[^>]*request>)[^<]*(</)", lambda m: m[1] + request_json + m[2], xml, count=1)
    return _rezip(data, {part: xml.encode()})


def _mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the "encrypted" flag of ``name`` in the central directory, as a tool that
    password-protects one part would."""
    patched = bytearray(data)
    start = patched.find(b"PK\x01\x02")
    while start != -1:
        name_length = int.from_bytes(patched[start + 28 : start + 30], "little")
        if patched[start + 46 : start + 46 + name_length] == name.encode():
            patched[start + 8] |= 0x1
        start = patched.find(b"PK\x01\x02", start + 4)
    return bytes(patched)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _foreign_docx() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("A contract someone else wrote.")
    document.save(out)
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b"<draft>&lol2;</draft>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
)

UPLOADS: list[Any] = [
    pytest.param(lambda good: bytes(range(256)) * 64, "not a zip", id="random-bytes"),
    pytest.param(lambda good: b"", "empty", id="empty"),
    pytest.param(lambda good: good[: len(good) // 2], "", id="truncated-docx"),
    pytest.param(lambda good: _foreign_docx(), "not made by Clausewright", id="foreign-docx"),
    pytest.param(lambda good: _zip({"hello.txt": b"hi"}), "not made by", id="plain-zip"),
    pytest.param(
        lambda good: _zip({"customXml/item1.xml": b"\0" * (20 * 2**20)}), "bomb", id="zip-bomb"
    ),
    pytest.param(
        lambda good: _zip({f"f{n}.txt": b"" for n in range(300)}), "parts", id="many-members"
    ),
    pytest.param(
        lambda good: _rezip(good, {_data_part(good): BILLION_LAUGHS}), "DOCTYPE", id="laughs"
    ),
    pytest.param(
        lambda good: _rezip(good, {_data_part(good): EXTERNAL_ENTITY}), "DOCTYPE", id="xxe"
    ),
    pytest.param(
        lambda good: _rezip(good, {_data_part(good): EXTERNAL_ENTITY.decode().encode("utf-16")}),
        "DOCTYPE",
        id="xxe-utf16",
    ),
    pytest.param(
        lambda good: _mark_encrypted(good, _data_part(good)),
        "encrypted",
        id="encrypted",
    ),
    pytest.param(lambda good: _rezip(good, {_data_part(good): b"<d"}), "damaged", id="bad-xml"),
    pytest.param(
        lambda good: _with_request(good, '{"element": NaN}'), "not valid JSON", id="nan-request"
    ),
    pytest.param(
        lambda good: _with_request(good, '{"element": "Dy"}'), "not one this", id="bad-request"
    ),
]


@pytest.mark.parametrize(("make", "fragment"), UPLOADS)
def test_bad_uploads_get_a_clear_4xx(
    client: Any, expect_problem: Problem, make: Callable[[bytes], bytes], fragment: str
) -> None:
    upload = make(_good_docx(client))
    response = client.post("/api/v1/documents/parameters", files={"file": ("x.docx", upload)})
    problem = expect_problem(response, 422)
    assert problem["title"] == "The file cannot be read back"
    assert fragment in problem["detail"]


@pytest.mark.parametrize("size", [70 * 1024, 300 * 1024])
def test_oversized_upload_is_413(
    app_with: Callable[..., FastAPI],
    client_for: Callable[[FastAPI], Any],
    expect_problem: Problem,
    size: int,
) -> None:
    client = client_for(app_with(max_upload_bytes=64 * 1024))
    response = client.post("/api/v1/documents/parameters", files={"file": ("x.docx", b"P" * size)})
    assert "65,536 bytes" in expect_problem(response, 413)["detail"]


def test_upload_needs_multipart_with_a_file(client: Any, expect_problem: Problem) -> None:
    url = "/api/v1/documents/parameters"
    assert "multipart" in expect_problem(client.post(url, json={"file": "x"}), 415)["detail"]
    raw = client.post(url, content=b"PK", headers={"content-type": DOCX_TYPE})
    expect_problem(raw, 415)
    missing = client.post(url, files={"document": ("x.docx", b"PK")})
    assert expect_problem(missing, 422)["errors"][0]["path"] == "file"
    no_boundary = client.post(
        url, content=b"--x\r\n", headers={"content-type": "multipart/form-data"}
    )
    expect_problem(no_boundary, 400)


BAD_BATCHES = [
    pytest.param(b"{}", "(request)", "JSON list", id="object"),
    pytest.param(b"[]", "(request)", "empty", id="empty"),
    pytest.param(json.dumps([{}] * 201).encode(), "(request)", "at most 200", id="too-many"),
    pytest.param(b"[null]", "[0]", "object", id="null-item"),
    pytest.param(b"[[]]", "[0]", "object", id="list-item"),
    pytest.param(
        json.dumps([SPEC, {**SPEC, "volume": {"quantity": 0, "unit": "t"}}]).encode(),
        "[1].volume.quantity",
        "more than 0",
        id="second-invalid",
    ),
    pytest.param(b"[" * 100_000, "(request)", "nested too deeply", id="bomb"),
    pytest.param(b'[{"element": NaN}]', "(request)", "NaN", id="nan"),
]


@pytest.mark.parametrize(("body", "path", "fragment"), BAD_BATCHES)
def test_bad_batches_get_422(
    client: Any, expect_problem: Problem, body: bytes, path: str, fragment: str
) -> None:
    response = client.post("/api/v1/contracts/batch", content=body, headers=JSON)
    first = expect_problem(response, 422)["errors"][0]
    assert first["path"] == path
    assert fragment in first["message"]


def test_batch_needs_json(client: Any, expect_problem: Problem) -> None:
    response = client.post(
        "/api/v1/contracts/batch", content=b"[]", headers={"content-type": "text/csv"}
    )
    expect_problem(response, 415)


def test_a_library_defect_is_a_logged_500_problem_not_a_crash(
    client: Any, expect_problem: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> Any:
        raise DocumentAssemblyError("dangling cross-reference")

    monkeypatch.setattr(service, "draft", broken)
    body = expect_problem(client.post(DRAFTING_ROUTES[0], json=SPEC), 500)
    assert body["title"] == "Drafting failed"
    assert "dangling" not in body["detail"]


def test_a_flood_of_errors_is_summarised(client: Any, expect_problem: Problem) -> None:
    body = json.dumps({f"field{number}": 0 for number in range(20_000)}).encode()
    problem = expect_problem(client.post(DRAFTING_ROUTES[2], content=body, headers=JSON), 422)
    assert len(problem["errors"]) == 50
    # element, volume and term are missing, and 20,000 fields are unknown
    assert problem["detail"].startswith("20003 field(s) need attention (the first 50 are listed)")
