"""Errors -> application/problem+json (RFC 9457), mapped once for the whole app.

Every error response of the service is made here: by the exception handlers
installed with :func:`install_problem_handlers`, and by the ASGI middleware
(body limit, access control) through :func:`problem`. Each body carries
``type``, ``title``, ``status``, ``detail`` and the ``request_id`` of the
request; a 422 adds ``errors``, one entry per offending field.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from app.domain.request import ContractRequest
from app.errors import (
    ClausewrightError,
    DocumentReadError,
    InvalidRequestError,
    NotFoundError,
)
from app.validation import translate

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_KEY = "request_id"  # in the ASGI scope's "state", set by the request-id middleware
logger = logging.getLogger("clausewright.web")


class ProblemResponse(JSONResponse):
    """A problem+json response. Always encodable: a lone surrogate echoed from the
    client's input becomes "?" instead of failing the response."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def request_id_of(scope: Scope) -> str | None:
    """The request id the middleware gave this request, if any."""
    state = scope.get("state")
    value = state.get(REQUEST_ID_KEY) if isinstance(state, Mapping) else None
    return value if isinstance(value, str) else None


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> ProblemResponse:
    """A problem+json response with ``status``, a short ``title`` and a ``detail``
    sentence; ``extra`` members are added to the body."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    if request_id is not None:
        body["request_id"] = request_id
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


MAX_LISTED_ERRORS = 50  # a body of 75,000 unknown fields must not become a 12 MB answer


def invalid_request(
    error: InvalidRequestError, *, total: int | None = None, request_id: str | None = None
) -> JSONResponse:
    """422 listing every offending field (the first :data:`MAX_LISTED_ERRORS` of
    ``total``, when there are more)."""
    listed = error.errors[:MAX_LISTED_ERRORS]
    total = max(total or 0, len(error.errors))
    more = f" (the first {len(listed)} are listed)" if total > len(listed) else ""
    return problem(
        422,
        "The request cannot be drafted",
        f"{total} field(s) need attention{more}: "
        + "; ".join(f"{field.path}: {field.message}" for field in listed),
        extra={
            "errors": [
                {"path": field.path, "loc": list(field.location), "message": field.message}
                for field in listed
            ]
        },
        request_id=request_id,
    )


def _without_json_position(detail: Any) -> Any:
    # FastAPI locates a JSON syntax error at ("body", <offset>); the offset is already in
    # the message, and as a path it would read like a list index.
    if isinstance(detail, dict) and detail.get("type") == "json_invalid":
        return {**detail, "loc": ("body",)}
    return detail


def install_problem_handlers(app: FastAPI) -> None:
    """Register the one mapping from errors to HTTP responses."""

    async def on_invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, InvalidRequestError)
        return invalid_request(error, request_id=request_id_of(request.scope))

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        details = error.errors()
        listed = [_without_json_position(detail) for detail in details[:MAX_LISTED_ERRORS]]
        fields = translate(listed, model=ContractRequest, drop_first=frozenset({"body"}))
        return invalid_request(
            InvalidRequestError(fields),
            total=len(details),
            request_id=request_id_of(request.scope),
        )

    async def on_not_found(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, NotFoundError)
        return problem(
            404, f"Unknown {error.kind}", str(error), request_id=request_id_of(request.scope)
        )

    async def on_read_error(request: Request, error: Exception) -> JSONResponse:
        return problem(
            422,
            "The file cannot be read back",
            str(error),
            request_id=request_id_of(request.scope),
        )

    async def on_defect(request: Request, error: Exception) -> JSONResponse:
        logger.error(
            "drafting defect %s (request %s)", type(error).__name__, request_id_of(request.scope)
        )
        return problem(
            500,
            "Drafting failed",
            "The clause library could not produce this draft. The error has been logged; "
            "no document was produced.",
            request_id=request_id_of(request.scope),
        )

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return problem(
            error.status_code,
            reason_phrase(error.status_code),
            _http_detail(error),
            headers=error.headers,
            request_id=request_id_of(request.scope),
        )

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        # Reached only through a defect; the server logs the traceback.
        return problem(
            500,
            "Internal Server Error",
            "Something went wrong on our side; the error has been logged.",
            request_id=request_id_of(request.scope),
        )

    app.add_exception_handler(InvalidRequestError, on_invalid)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(DocumentReadError, on_read_error)
    app.add_exception_handler(ClausewrightError, on_defect)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


_DETAILS = {
    404: "There is nothing at this address; the API's paths are listed at /docs.",
    405: "This address does not accept that method; see /docs for the methods it accepts.",
}


def _http_detail(error: StarletteHTTPException) -> str:
    detail = str(error.detail)
    if detail == reason_phrase(error.status_code):
        return _DETAILS.get(error.status_code, detail)
    return detail


_RFC_9110_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def reason_phrase(status: int) -> str:
    """The standard reason phrase of ``status`` ("Not Found"; RFC 9110's names where
    they changed), or "Error"."""
    if status in _RFC_9110_PHRASES:
        return _RFC_9110_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
