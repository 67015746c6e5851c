"""Errors -> application/problem+json (RFC 9457), mapped once for the whole app."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.request import ContractRequest
from app.errors import (
    ClausewrightError,
    DocumentReadError,
    InvalidRequestError,
    NotFoundError,
)
from app.validation import translate

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("clausewright.web")


def problem(
    status: int, title: str, detail: str, *, extra: dict[str, Any] | None = None
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def invalid_request(error: InvalidRequestError) -> JSONResponse:
    """422 listing every offending field."""
    return problem(
        422,
        "The request cannot be drafted",
        f"{len(error.errors)} field(s) need attention: "
        + "; ".join(f"{field.path}: {field.message}" for field in error.errors),
        extra={
            "errors": [
                {"path": field.path, "loc": list(field.location), "message": field.message}
                for field in error.errors
            ]
        },
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the one mapping from errors to HTTP responses."""

    async def on_invalid(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, InvalidRequestError)
        return invalid_request(error)

    async def on_validation(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        fields = translate(error.errors(), model=ContractRequest, drop_first=frozenset({"body"}))
        return invalid_request(InvalidRequestError(fields))

    async def on_not_found(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, NotFoundError)
        return problem(404, f"Unknown {error.kind}", str(error))

    async def on_read_error(_: Request, error: Exception) -> JSONResponse:
        return problem(422, "The file cannot be read back", str(error))

    async def on_defect(_: Request, error: Exception) -> JSONResponse:
        logger.error("drafting defect: %s", type(error).__name__)
        return problem(
            500,
            "Drafting failed",
            "The clause library could not produce this draft. The error has been logged; "
            "no document was produced.",
        )

    async def on_http(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return problem(error.status_code, _reason(error.status_code), str(error.detail))

    app.add_exception_handler(InvalidRequestError, on_invalid)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(DocumentReadError, on_read_error)
    app.add_exception_handler(ClausewrightError, on_defect)
    app.add_exception_handler(StarletteHTTPException, on_http)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
