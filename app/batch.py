"""Batch drafting, shared by the API and the command line: a zip of .docx and a manifest.

Policy for invalid items: every item is validated before any is drafted, and one
invalid item refuses the whole batch, naming each bad item by its index
(``[3].volume.quantity``). A contract system therefore never receives a partial
batch. The zip is written as a stream: each document is drafted, zipped and handed
on before the next is drafted; ``manifest.json`` comes last. The same requests give
the same bytes (fixed timestamps and attributes, as in the .docx itself).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from app import __version__, reporting, service
from app.domain.request import ContractRequest
from app.errors import FieldError, InvalidRequestError
from app.render.docx_writer import render_docx

MANIFEST_NAME = "manifest.json"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o644 << 16


def check_batch_shape(items: object, *, limit: int) -> None:
    """Refuse a batch that is not a non-empty list of at most ``limit`` items, before
    any item is validated.

    Raises:
        InvalidRequestError: not a list, empty, or too long (one error at the batch).
    """
    if not isinstance(items, list):
        message = "the batch must be a JSON list of requests"
    elif not items:
        message = "the batch is empty; send a list of one or more requests"
    elif len(items) > limit:
        message = (
            f"the batch has {len(items)} requests; at most {limit} are drafted in one "
            "batch, so split it"
        )
    else:
        return
    raise InvalidRequestError([FieldError(location=(), message=message)])


def parse_batch(items: object, *, limit: int) -> list[ContractRequest]:
    """Validate every item of a decoded JSON batch.

    Raises:
        InvalidRequestError: the batch's shape is wrong (see :func:`check_batch_shape`),
            or items are invalid: every error of every item, located as
            ``[index].field``.
    """
    check_batch_shape(items, limit=limit)
    assert isinstance(items, list)
    requests: list[ContractRequest] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        try:
            requests.append(service.parse_request(item))
        except InvalidRequestError as error:
            errors += [
                FieldError(location=(index, *field.location), message=field.message)
                for field in error.errors
            ]
    if errors:
        raise InvalidRequestError(errors)
    return requests


def member_name(*, index: int, count: int, draft: service.Draft) -> str:
    """The zip member name of item ``index`` (0-based): its 1-based number, zero-padded
    so the files sort in request order, then the descriptive .docx name."""
    width = max(3, len(str(count)))
    return f"{index + 1:0{width}d}_{service.docx_filename(draft)}"


def manifest_entry(*, index: int, file: str, draft: service.Draft) -> dict[str, Any]:
    """One item of the manifest: where it is, what it was drafted from, its key
    figures and its warnings."""
    request = draft.request
    report = reporting.report(draft)
    return {
        "index": index,
        "file": file,
        "input_hash": draft.input_hash,
        "element": draft.facts.element.symbol,
        "form": request.form.value,
        "seller": request.seller.name,
        "buyer": request.buyer.name,
        "volume": {
            "quantity": str(request.volume.quantity),
            "unit": request.volume.unit.value,
            "per": request.volume.per.value,
        },
        "term": {
            "start_date": request.term.start_date.isoformat() if request.term.start_date else None,
            "months": request.term.months,
        },
        "posture": request.posture.value,
        "licensing_controlled": report["licensing"].get("controlled"),
        "safety_stock": {
            "quantity": report["safety_stock"]["quantity"],
            "unit": report["safety_stock"]["unit"],
        },
        "clauses": len(report["clauses"]),
        "placeholders": len(report["placeholders"]),
        "warnings": list(draft.warnings),
    }


def archive_name(requests: Sequence[ContractRequest]) -> str:
    """A file name for the batch's zip, the same for the same requests."""
    digest = hashlib.sha256(
        "\n".join(service.input_hash(request) for request in requests).encode()
    ).hexdigest()
    return f"clausewright-batch-{digest[:12]}.zip"


class _Chunks:
    """A write-only sink that zipfile streams into (no seek: data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush; zipfile calls it."""

    def close(self) -> None:
        """Nothing to close; the chunks are drained by the reader."""

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = _FILE_MODE
    return info


def iter_batch_zip(
    requests: Sequence[ContractRequest],
    *,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Draft ``requests`` in order and yield the zip's bytes as they are made: one
    .docx per request, then ``manifest.json``. ``progress`` is called with the
    number of documents done after each one.

    Raises:
        ClauseLibraryError, DocumentAssemblyError: a defect in the library. Raised
            mid-stream, the archive is then cut short and does not open, so a
            truncated batch is never mistaken for a complete one.
    """
    sink = _Chunks()
    entries: list[dict[str, Any]] = []
    library_version = service.get_library().version
    with zipfile.ZipFile(sink, "w") as archive:
        for index, request in enumerate(requests):
            draft = service.draft(request=request, today=today)
            name = member_name(index=index, count=len(requests), draft=draft)
            archive.writestr(_info(name), render_docx(draft.assembly.document), compresslevel=6)
            entries.append(manifest_entry(index=index, file=name, draft=draft))
            if progress is not None:
                progress(index + 1)
            yield sink.drain()
        manifest = {
            "service_version": __version__,
            "library_version": library_version,
            "count": len(entries),
            "items": entries,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        archive.writestr(_info(MANIFEST_NAME), text.encode(), compresslevel=6)
    yield sink.drain()
