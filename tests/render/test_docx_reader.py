"""Reading the embedded data back, from friendly and hostile uploads."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable, Iterable

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.document import Document, EmbeddedData
from app.errors import DocumentReadError
from app.render import docx_reader
from app.render.docx_reader import read_embedded

ITEM = "customXml/item1.xml"
NS = 'xmlns:cw="urn:clausewright:draft:1"'
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE cw:draft [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + str(n - 1 if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + f"]>\n<cw:draft {NS}><cw:request>&lol9;</cw:request></cw:draft>"
).encode()
EXTERNAL_ENTITY = (
    f'<!DOCTYPE cw:draft [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    f"<cw:draft {NS}><cw:request>&secret;</cw:request></cw:draft>"
).encode()

# The same DOCTYPE spelt in UTF-7, which a byte scan for "<!DOCTYPE" does not see.
UTF7_DOCTYPE = b'<?xml version="1.0" encoding="UTF-7"?>' + (
    f'<!DOCTYPE cw:draft [<!ENTITY x "y">]><cw:draft {NS}>&x;</cw:draft>'.encode("utf-7").replace(
        b"<", b"+ADw-"
    )
)


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _replace(data: bytes, name: str, content: bytes) -> bytes:
    """``data`` with the member ``name`` holding ``content`` instead."""
    return _zip((n, content if n == name else d) for n, d in _members(data))


def _draft(body: str) -> bytes:
    return f"<cw:draft {NS}>{body}</cw:draft>".encode()


def _with_encrypted_flag(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' bit of ``name``'s central directory entry."""
    patched = bytearray(data)
    offset = patched.find(b"PK\x01\x02")
    while offset != -1:
        if patched[offset + 46 : offset + 46 + len(name)] == name.encode():
            patched[offset + 8] |= 0x1
            return bytes(patched)
        offset = patched.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(f"{name} not in the central directory")


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """One member that unpacks to 100 MiB of zeros, written in 1 MiB chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(ITEM)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = bytes(2**20)
            for _ in range(100):
                member.write(chunk)
    return buffer.getvalue()


def test_reads_back_what_the_writer_embedded(agreement: Document, agreement_docx: bytes) -> None:
    assert read_embedded(agreement_docx) == agreement.embedded


def test_survives_a_resave_and_reads_only_its_own_part(
    agreement: Document, agreement_docx: bytes
) -> None:
    resaved = io.BytesIO()
    docx.Document(io.BytesIO(agreement_docx)).save(resaved)
    assert read_embedded(resaved.getvalue()) == agreement.embedded
    broken_body = _replace(agreement_docx, "word/document.xml", b"<not xml")
    assert read_embedded(broken_body) == agreement.embedded


def test_finds_its_part_among_other_custom_xml_parts(
    agreement: Document, agreement_docx: bytes
) -> None:
    members = _members(agreement_docx)
    ours = dict(members)[ITEM]
    foreign = b'<b:Sources xmlns:b="urn:example:bibliography"/>'
    moved = [(n, foreign if n == ITEM else d) for n, d in members] + [("customXml/item7.xml", ours)]
    assert read_embedded(_zip(moved)) == agreement.embedded


def _python_docx_default() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda doc: b"", "empty"),
        (lambda doc: random.Random(7).randbytes(4096), "not a zip archive"),
        (lambda doc: doc[: len(doc) // 2], "not a zip archive"),
        (lambda doc: _python_docx_default(), "not made by Clausewright"),
        (lambda doc: _replace(doc, ITEM, b"<other/>"), "not made by Clausewright"),
        (lambda doc: _zip((f"part{n}.xml", b"<a/>") for n in range(201)), "201 parts"),
        (lambda doc: _replace(doc, ITEM, BILLION_LAUGHS), "DOCTYPE"),
        (lambda doc: _replace(doc, ITEM, EXTERNAL_ENTITY), "DOCTYPE"),
        (lambda doc: _replace(doc, ITEM, UTF7_DOCTYPE), "DOCTYPE"),
        (lambda doc: _replace(doc, ITEM, b"<cw:draft"), "not well-formed"),
        (lambda doc: _replace(doc, ITEM, b"\xff\xfe\x00<"), "not well-formed"),
        (lambda doc: _replace(doc, ITEM, _draft("<cw:clauses/>")), "no request"),
        (lambda doc: _replace(doc, ITEM, _draft("<cw:request>{}</cw:request>")), "no clause"),
        (
            lambda doc: _replace(doc, ITEM, _draft('<cw:clauses><cw:clause id="x"/></cw:clauses>')),
            "no id or version",
        ),  # fmt: skip
        (
            lambda doc: _replace(doc, ITEM, _draft("<cw:clauses/><cw:request>{x</cw:request>")),
            "not valid JSON",
        ),  # fmt: skip
        (
            lambda doc: _replace(doc, ITEM, _draft("<cw:clauses/><cw:request>[1]</cw:request>")),
            "not a JSON object",
        ),  # fmt: skip
        (
            lambda doc: _replace(doc, ITEM, _draft("<cw:clauses/><cw:request>{}</cw:request>")),
            "no libraryVersion",
        ),  # fmt: skip
        (lambda doc: _with_encrypted_flag(doc, ITEM), "encrypted"),
    ],
    ids=[
        "empty",
        "random bytes",
        "truncated",
        "python-docx default",
        "foreign custom part",
        "too many members",
        "billion laughs",
        "external entity",
        "doctype in utf-7",
        "malformed",
        "bad encoding",
        "no request",
        "no clauses",
        "clause without version",
        "request not json",
        "request not an object",
        "no library version",
        "encrypted",
    ],  # fmt: skip
)
def test_hostile_or_foreign_uploads_are_refused(
    agreement_docx: bytes, make: Callable[[bytes], bytes], message: str
) -> None:
    with pytest.raises(DocumentReadError, match=message):
        read_embedded(make(agreement_docx))


def test_refuses_uploads_over_the_size_limit(agreement_docx: bytes) -> None:
    with pytest.raises(DocumentReadError, match="the limit is 1,000 bytes"):
        read_embedded(agreement_docx, max_bytes=1000)


def test_refuses_a_zip_bomb(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 2**20
    with pytest.raises(DocumentReadError, match="zip bomb"):
        read_embedded(zip_bomb)


def test_refuses_archives_that_unpack_too_large(
    agreement_docx: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(DocumentReadError, match="unpack to more than"):
        read_embedded(agreement_docx)


def test_refuses_a_data_part_over_the_limit(
    agreement_docx: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docx_reader, "MAX_PART_BYTES", 100)
    with pytest.raises(DocumentReadError, match="larger than"):
        read_embedded(agreement_docx)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=8)
)
def test_damaged_files_give_a_read_error_or_the_data(
    agreement_docx: bytes, flips: list[tuple[int, int]]
) -> None:
    damaged = bytearray(agreement_docx)
    for position, mask in flips:
        damaged[position % len(damaged)] ^= mask
    try:
        result = read_embedded(bytes(damaged))
    except DocumentReadError:
        return
    assert isinstance(result, EmbeddedData)
