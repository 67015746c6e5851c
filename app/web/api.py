"""The JSON API for contract systems (``/api/v1``). Thin: parse, call the service, shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app import service
from app.domain.reference import reference_data
from app.domain.request import ContractRequest
from app.errors import NotFoundError
from app.render.docx_writer import render_docx
from app.render.html import render_html

router = APIRouter(prefix="/api/v1")

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXAMPLE_REQUEST: dict[str, Any] = {
    "element": "Dy",
    "form": "oxide",
    "volume": {"quantity": 12, "unit": "t", "per": "year"},
    "term": {"start_date": "2027-01-01", "months": 36},
    "seller": {
        "name": "Ganzhou Example Rare Earth Co., Ltd.",
        "country": "CN",
        "address": "1 Example Road, Ganzhou, Jiangxi",
    },
    "buyer": {
        "name": "Example Magnetics GmbH",
        "country": "DE",
        "address": "Beispielstrasse 1, 80331 Munich",
    },
    "posture": "balanced",
}

RequestBody = Annotated[
    ContractRequest,
    Body(openapi_examples={"spec": {"summary": "SPEC.md example", "value": EXAMPLE_REQUEST}}),
]


@router.post(
    "/contracts/docx",
    response_class=Response,
    responses={200: {"content": {DOCX_MEDIA_TYPE: {}}, "description": "The agreement (.docx)"}},
    summary="Draft the agreement as a Word document",
)
def contract_docx(body: RequestBody) -> Response:
    result = service.draft(request=body)
    filename = service.docx_filename(result)
    return Response(
        render_docx(result.assembly.document),
        media_type=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/contracts/html", response_class=HTMLResponse, summary="Preview the agreement")
def contract_html(body: RequestBody) -> HTMLResponse:
    result = service.draft(request=body)
    return HTMLResponse(render_html(result.assembly.document))


@router.post("/contracts/report", summary="Explain every clause chosen or left out")
def contract_report(body: RequestBody) -> JSONResponse:
    result = service.draft(request=body)
    return JSONResponse(service.report(result))


@router.get("/elements", summary="The 17 rare-earth elements with their control status")
async def list_elements() -> JSONResponse:
    data = reference_data()
    return JSONResponse(
        {
            "reviewed": data.reviewed.isoformat(),
            "elements": [service.element_summary(element.symbol) for element in data.elements],
        }
    )


@router.get("/elements/{symbol_or_name}", summary="One element, by symbol or name")
async def get_element(symbol_or_name: str) -> JSONResponse:
    symbol = reference_data().element(symbol_or_name).symbol
    return JSONResponse(service.element_summary(symbol))


@router.get("/clauses", summary="The clause library")
def list_clauses() -> JSONResponse:
    library = service.get_library()
    return JSONResponse(
        {
            "library_version": library.version,
            "clauses": [clause.meta.model_dump() for clause in library.clauses],
        }
    )


@router.get("/clauses/{clause_id}", summary="One clause's metadata")
def get_clause(clause_id: str) -> JSONResponse:
    clause = service.get_library().get(clause_id)
    if clause is None:
        raise NotFoundError("clause", clause_id[:60])
    return JSONResponse(clause.meta.model_dump())
