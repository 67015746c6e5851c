"""The JSON API for contract systems (``/api/v1``). Thin: parse, call the service, shape.

The drafting routes draft on the worker's event loop, one draft at a time (see the
note above ``contract_docx``); a batch takes turns with them, one document at a time.
JSON bodies are decoded strictly (:class:`StrictJSONRoute`); every error leaves through
:mod:`app.web.problems`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import anyio
import anyio.lowlevel
from fastapi import APIRouter, Body, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

from app import __version__, batch, json_input, reporting, service
from app.config import Settings
from app.domain.reference import reference_data
from app.domain.request import ContractRequest
from app.errors import NotFoundError
from app.library.loader import ClauseMeta
from app.render.docx_writer import render_docx
from app.render.html import render_html
from app.web.middleware import past_deadline, too_large_detail
from app.web.openapi_docs import problem_responses
from app.web.schemas import (
    CLAUSE_EXAMPLE,
    EXAMPLE_REQUEST,
    REQUEST_EXAMPLES,
    SHORTHAND_REQUEST,
    ClauseList,
    DocumentParameters,
    ElementList,
    ElementOut,
    Report,
)
from app.web.security import NO_STORE, PREVIEW_CONTENT_SECURITY_POLICY

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MEDIA_TYPE = "application/zip"
PARAMETERS_PATH = "/api/v1/documents/parameters"


class StrictJSONRequest(Request):
    """A request whose JSON body is decoded by :func:`app.json_input.strict_json_loads`
    (no NaN, no 5,000-digit numbers, a readable reason for nesting bombs)."""

    _strict_json: Any

    async def json(self) -> Any:
        if not hasattr(self, "_strict_json"):
            try:
                self._strict_json = json_input.strict_json_loads(await self.body())
            except ValueError as error:
                # FastAPI turns this into a 422 "json_invalid" error with our reason.
                raise json.JSONDecodeError(str(error), "", 0) from None
        return self._strict_json


class StrictJSONRoute(APIRoute):
    """A route that hands its endpoint a :class:`StrictJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler


router = APIRouter(prefix="/api/v1", route_class=StrictJSONRoute)


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def require_json(request: Request) -> None:
    """Refuse a body that is not sent as JSON (415)."""
    media_type = _media_type(request)
    if media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return
    raise HTTPException(
        415,
        detail=f"This route reads JSON; send the body with 'Content-Type: application/json' "
        f"(got {media_type[:60] or 'no Content-Type'!r}).",
    )


async def require_multipart(request: Request) -> None:
    """Refuse an upload that is not multipart/form-data (415)."""
    if _media_type(request) != "multipart/form-data":
        raise HTTPException(
            415,
            detail="Upload the .docx as multipart/form-data in a field named 'file' "
            "(for example: curl -F file=@agreement.docx ...).",
        )


RequestBody = Annotated[ContractRequest, Body(openapi_examples=REQUEST_EXAMPLES)]
BatchBody = Annotated[
    list[ContractRequest],
    Body(
        openapi_examples={
            "two": {
                "summary": "Two agreements",
                "value": [EXAMPLE_REQUEST, SHORTHAND_REQUEST],
            }
        }
    ),
]
DRAFT_ERRORS = problem_responses(413, 415, 422)


def entity_tag(input_hash: str, *, kind: str, day: date | None = None) -> str:
    """A strong ETag for one representation of the draft of a request whose input hash
    is ``input_hash``: it changes with that hash, the clause-library version, the
    service version and the reference data (and, for the report whose warnings depend
    on it, the day)."""
    parts = [
        kind,
        input_hash,
        service.get_library().version,
        __version__,
        reference_data().reviewed.isoformat(),
        day.isoformat() if day else "",
    ]
    return '"' + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32] + '"'


def names_tag(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (weak comparison, as RFC 9110
    asks)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(
    request: Request, body: ContractRequest, *, kind: str, day: date | None = None
) -> Response | None:
    """A 304 when the request's ``If-None-Match`` names the current tag, else None.

    The tag is only worked out here for requests that send the header; the others get
    theirs from the input hash that drafting computes anyway.
    """
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    etag = entity_tag(service.input_hash(body), kind=kind, day=day)
    if not names_tag(header, etag):
        return None
    return Response(status_code=304, headers=_etag_headers(etag))


def without_drafting(
    request: Request, body: ContractRequest, *, kind: str, day: date | None = None
) -> Response | None:
    """The answer when no draft is needed, else None: 304 when ``If-None-Match`` names
    the current tag (:func:`not_modified`); a bare 503 when the request's time limit
    passed while it waited its turn (the timeout middleware sends the client its 503
    problem in place of this) - a draft no one will receive is not made."""
    if (unchanged := not_modified(request, body, kind=kind, day=day)) is not None:
        return unchanged
    return Response(status_code=503) if past_deadline(request.scope) else None


def _etag_headers(etag: str) -> dict[str, str]:
    # Drafts are confidential: no cache may store them (a client that keeps its own
    # copy revalidates it with the ETag).
    return {"ETag": etag, "Cache-Control": NO_STORE}


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII ``filename`` and an RFC 8187 ``filename*``."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


_ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "Strong entity tag; send in If-None-Match.",
        "schema": {"type": "string"},
    }
}
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "The draft is unchanged (If-None-Match matched)."}
}


# Drafting one agreement is CPU-bound (about 13 ms for the SPEC example) and holds
# the GIL, so these routes draft on the worker's event loop itself, one draft at a
# time: throughput comes from worker processes, one per core. Handing the draft to a
# worker thread would add nothing but GIL hand-offs between the loop and the thread
# (about a millisecond a request on the benchmark machine, see README "Performance").
# While a worker drafts, its loop reads nothing else, so a health check on the same
# worker waits for at most the draft in progress; a request that waited past its time
# limit gets its 503 (RequestTimeoutMiddleware) and is not drafted (without_drafting).
# The web form drafts the same way, and a batch one document per turn (taking_turns);
# the .docx read-back stays in a thread.
@router.post(
    "/contracts/docx",
    tags=["contracts"],
    response_class=Response,
    dependencies=[Depends(require_json)],
    responses={
        200: {
            "content": {DOCX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The agreement as a Word document, as an attachment named after "
            "the parties, the element and the date.",
            "headers": _ETAG_HEADER,
        },
        **_NOT_MODIFIED,
        **DRAFT_ERRORS,
    },
    summary="Draft the agreement as a Word document",
)
async def contract_docx(body: RequestBody, request: Request) -> Response:
    if (answer := without_drafting(request, body, kind="docx")) is not None:
        return answer
    drafted = service.draft(request=body)
    data = render_docx(drafted.assembly.document)
    return Response(
        data,
        media_type=DOCX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(service.docx_filename(drafted)),
            **_etag_headers(entity_tag(drafted.input_hash, kind="docx")),
        },
    )


@router.post(
    "/contracts/html",
    tags=["contracts"],
    response_class=HTMLResponse,
    dependencies=[Depends(require_json)],
    responses={
        200: {
            "content": {"text/html": {"example": "<!DOCTYPE html><html>...</html>"}},
            "description": "A preview of the same document, with placeholders highlighted.",
            "headers": _ETAG_HEADER,
        },
        **_NOT_MODIFIED,
        **DRAFT_ERRORS,
    },
    summary="Preview the agreement as HTML",
)
async def contract_html(body: RequestBody, request: Request) -> Response:
    if (answer := without_drafting(request, body, kind="html")) is not None:
        return answer
    drafted = service.draft(request=body)
    return HTMLResponse(
        render_html(drafted.assembly.document),
        headers={
            **_etag_headers(entity_tag(drafted.input_hash, kind="html")),
            "Content-Security-Policy": PREVIEW_CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/contracts/report",
    tags=["contracts"],
    dependencies=[Depends(require_json)],
    responses={
        200: {"model": Report, "description": "The report.", "headers": _ETAG_HEADER},
        **_NOT_MODIFIED,
        **DRAFT_ERRORS,
    },
    summary="Explain every clause chosen or left out",
)
async def contract_report(body: RequestBody, request: Request) -> Response:
    today = date.today()
    if (answer := without_drafting(request, body, kind="report", day=today)) is not None:
        return answer
    drafted = service.draft(request=body, today=today)
    etag = entity_tag(drafted.input_hash, kind="report", day=today)
    return JSONResponse(reporting.report(drafted), headers=_etag_headers(etag))


async def taking_turns(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The batch's zip drafted on the event loop one document per step (each step of
    ``chunks`` drafts one), with a checkpoint after each: the worker's other requests
    take their turn between the documents, as they do between single drafts, and a
    client that disconnects stops the batch at the next document."""
    for chunk in chunks:
        yield chunk
        await anyio.lowlevel.checkpoint()


async def check_batch_size(request: Request, settings: SettingsDep) -> None:
    """Refuse an empty or oversized batch before its items are validated."""
    if not await request.body():
        return  # validation reports the missing body
    batch.check_batch_shape(await request.json(), limit=settings.batch_limit)


@router.post(
    "/contracts/batch",
    tags=["contracts"],
    response_class=StreamingResponse,
    dependencies=[Depends(require_json), Depends(check_batch_size)],
    responses={
        200: {
            "content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "A zip: one .docx per request (NNN_<name>.docx, in request order) "
            "and manifest.json with each file's name, input hash, key figures and warnings.",
        },
        **DRAFT_ERRORS,
    },
    summary="Draft many agreements into one zip",
    description="Every item is validated first; if any is invalid the whole batch is refused "
    "with 422 and each error's path starts with the item's index (`[3].volume.quantity`). "
    "An empty batch, or one over the limit, is refused with 422 too.",
)
async def contract_batch(body: BatchBody) -> StreamingResponse:
    return StreamingResponse(
        taking_turns(batch.iter_batch_zip(body)),
        media_type=ZIP_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(batch.archive_name(body))},
    )


@router.post(
    "/documents/parameters",
    tags=["documents"],
    dependencies=[Depends(require_multipart)],
    responses={
        200: {"model": DocumentParameters, "description": "What the document carries."},
        **problem_responses(400, 413, 415, 422),
    },
    summary="Read the request back from a .docx this service made",
)
def document_parameters(
    file: Annotated[
        UploadFile, File(description="A .docx drafted by this service (multipart field 'file').")
    ],
    settings: SettingsDep,
) -> JSONResponse:
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(413, detail=too_large_detail(settings.max_upload_bytes))
    return JSONResponse(
        service.parameters_from_docx(data=data, max_bytes=settings.max_upload_bytes)
    )


@router.get(
    "/elements",
    tags=["reference"],
    responses={200: {"model": ElementList, "description": "The 17 rare earths."}},
    summary="The rare-earth elements with their export-control status",
)
async def list_elements() -> JSONResponse:
    data = reference_data()
    return JSONResponse(
        {
            "reviewed": data.reviewed.isoformat(),
            "elements": [reporting.element_summary(element.symbol) for element in data.elements],
        }
    )


@router.get(
    "/elements/{symbol_or_name}",
    tags=["reference"],
    responses={200: {"model": ElementOut, "description": "The element."}, **problem_responses(404)},
    summary="One element, by symbol or English name (any case)",
)
async def get_element(symbol_or_name: str) -> JSONResponse:
    if len(symbol_or_name) > 40:
        raise NotFoundError("element", symbol_or_name[:40] + "...")
    symbol = reference_data().element(symbol_or_name).symbol
    return JSONResponse(reporting.element_summary(symbol))


@router.get(
    "/clauses",
    tags=["reference"],
    responses={200: {"model": ClauseList, "description": "Every clause's metadata."}},
    summary="The clause library",
)
async def list_clauses() -> JSONResponse:
    library = service.get_library()
    return JSONResponse(
        {
            "library_version": library.version,
            "clauses": [clause.meta.model_dump() for clause in library.clauses],
        }
    )


@router.get(
    "/clauses/{clause_id}",
    tags=["reference"],
    responses={
        200: {
            "model": ClauseMeta,
            "description": "The clause's metadata.",
            "content": {"application/json": {"example": CLAUSE_EXAMPLE}},
        },
        **problem_responses(404),
    },
    summary="One clause's metadata",
)
async def get_clause(clause_id: str) -> JSONResponse:
    clause = service.get_library().get(clause_id)
    if clause is None:
        raise NotFoundError("clause", clause_id[:60])
    return JSONResponse(clause.meta.model_dump())
