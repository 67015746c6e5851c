"""Read back the data a Clausewright .docx carries, safely, from an untrusted upload.

Only the custom XML part is ever decompressed and parsed. Before that the archive is
checked as a whole: its size, its number of members, the sizes they declare and
their compression ratios (zip bombs), and the part is read in chunks under a hard
limit. The XML parser resolves no entities, loads no DTD, touches no network, and a
part that declares a DOCTYPE is refused outright.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib

from lxml import etree

from app.domain.document import ClauseStamp, EmbeddedData
from app.errors import DocumentReadError
from app.render.wordml import DRAFT_NS

MAX_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 2**20
MAX_COMPRESSION_RATIO = 100
RATIO_EXEMPT_BYTES = 2**20  # members this small cannot be a bomb, whatever their ratio
MAX_PART_BYTES = 2 * 2**20  # the data part: one request and some hundred clause stamps
_CHUNK_BYTES = 64 * 1024
_ENCRYPTED_FLAG = 0x1
_DRAFT = "{" + DRAFT_NS + "}"
_NOT_OURS = "This .docx was not made by Clausewright: it carries no Clausewright data."
# A DOCTYPE is refused before parsing (entity tricks never reach the parser), in every
# encoding an XML parser would accept without a declaration.
_DOCTYPE_MARKERS = tuple(
    "<!DOCTYPE".encode(encoding)
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# What zipfile and zlib raise on damaged or hostile archives.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def read_embedded(data: bytes, *, max_bytes: int = 10 * 2**20) -> EmbeddedData:
    """The request, clause stamps, library version and input hash a .docx carries.

    Raises:
        DocumentReadError: the upload is empty, larger than ``max_bytes``, not a zip,
            damaged, encrypted, a zip bomb (too many members, too large unpacked, or
            compressed too well), not made by Clausewright, or its data part is too
            large, not well-formed, declares a DOCTYPE or lacks a field.
    """
    if not data:
        raise DocumentReadError("The uploaded file is empty.")
    if len(data) > max_bytes:
        raise DocumentReadError(
            f"The uploaded file is {len(data):,} bytes; the limit is {max_bytes:,} bytes."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as error:
        raise DocumentReadError(
            "The uploaded file is not a Word document (.docx): it is not a zip archive."
        ) from error
    with archive:
        candidates = _data_part_candidates(archive)
        for info in candidates:
            embedded = _parse_data_part(_read_member(archive, info))
            if embedded is not None:
                return embedded
    raise DocumentReadError(_NOT_OURS)


def _data_part_candidates(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The ``customXml/itemN.xml`` members, after checking the archive is safe to open."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise DocumentReadError(
            f"The .docx has {len(members)} parts; a document this service made has far "
            f"fewer (the limit is {MAX_MEMBERS})."
        )
    for info in members:
        if info.file_size > RATIO_EXEMPT_BYTES and (
            info.file_size > MAX_COMPRESSION_RATIO * info.compress_size
        ):
            raise DocumentReadError(
                f"The .docx part {info.filename!r} is compressed more than "
                f"{MAX_COMPRESSION_RATIO} to 1, which only a zip bomb does."
            )
    if sum(info.file_size for info in members) > MAX_UNCOMPRESSED_BYTES:
        raise DocumentReadError(
            f"The .docx would unpack to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MiB."
        )
    candidates = [info for info in members if _is_custom_item(info.filename)]
    if not candidates:
        raise DocumentReadError(_NOT_OURS)
    return sorted(candidates, key=lambda info: info.filename)


def _is_custom_item(name: str) -> bool:
    """``customXml/item<N>.xml`` (part names compare case-insensitively)."""
    lowered = name.lower()
    prefix, suffix = "customxml/item", ".xml"
    if not (lowered.startswith(prefix) and lowered.endswith(suffix)):
        return False
    return lowered[len(prefix) : -len(suffix)].isdigit()


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, read in chunks and abandoned past :data:`MAX_PART_BYTES`."""
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise DocumentReadError("The .docx is encrypted; upload the unprotected document.")
    too_large = DocumentReadError(
        f"The Clausewright data part is larger than {MAX_PART_BYTES // 2**20} MiB."
    )
    if info.file_size > MAX_PART_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_PART_BYTES:
                    raise too_large
                chunks.append(chunk)
    except _ZIP_ERRORS as error:
        raise DocumentReadError(
            "The .docx is damaged: its data part cannot be unpacked."
        ) from error
    return b"".join(chunks)


def _parse_data_part(raw: bytes) -> EmbeddedData | None:
    """The data in a custom XML part, or ``None`` if the part is someone else's."""
    if any(marker in raw for marker in _DOCTYPE_MARKERS):
        raise _doctype_refused()
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as error:
        raise DocumentReadError(
            f"The Clausewright data in this .docx is damaged (not well-formed XML: {error})."
        ) from error
    if root.getroottree().docinfo.internalDTD is not None:  # any DOCTYPE the scan missed
        raise _doctype_refused()
    if root.tag != _DRAFT + "draft":
        return None
    clauses = root.find(_DRAFT + "clauses")
    if clauses is None:
        raise DocumentReadError("The Clausewright data in this .docx has no clause list.")
    stamps = []
    for element in clauses.iterfind(_DRAFT + "clause"):
        clause_id, version = element.get("id"), element.get("version")
        if not clause_id or not version:
            raise DocumentReadError("A clause in the Clausewright data has no id or version.")
        stamps.append(ClauseStamp(clause_id=clause_id, version=version))
    request_json = _required_text(root, "request")
    try:
        request = json.loads(request_json)
    except (ValueError, RecursionError) as error:
        raise DocumentReadError("The request embedded in this .docx is not valid JSON.") from error
    if not isinstance(request, dict):
        raise DocumentReadError("The request embedded in this .docx is not a JSON object.")
    return EmbeddedData(
        request_json=request_json,
        clauses=tuple(stamps),
        library_version=_required_text(root, "libraryVersion"),
        input_hash=_required_text(root, "inputHash"),
    )


def _doctype_refused() -> DocumentReadError:
    return DocumentReadError(
        "The .docx carries XML with a DOCTYPE declaration, which is refused as unsafe."
    )


def _required_text(root: etree._Element, name: str) -> str:
    element = root.find(_DRAFT + name)
    if element is None or not element.text or len(element):
        raise DocumentReadError(f"The Clausewright data in this .docx has no {name}.")
    return element.text
