"""The OpenAPI document and ``/docs``, served without the internet.

FastAPI's default docs page loads Swagger UI from a CDN; here its files come from
the ``swagger-ui-py`` package (Swagger UI 5, which reads OpenAPI 3.1) and are served
under ``/static/docs``. The OpenAPI document gets the problem+json schema every
error response refers to and, when an API key is configured, the two ways to
present it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from app.config import Settings
from app.web.problems import PROBLEM_JSON, problem, request_id_of
from app.web.schemas import FieldProblem, Problem
from app.web.security import API_KEY_HEADER, PROTECTED_PREFIX

DOCS_STATIC_PATH = "/static/docs"
DOCS_START_SCRIPT = "/static/docs.js"  # app/web/static/docs.js: starts Swagger UI
SWAGGER_PACKAGE = "swagger_ui"

API_DESCRIPTION = """\
Drafts rare-earth supply agreements (licensing risk, force majeure, safety stock) as
Word documents, with an HTML preview and a JSON report explaining every clause.

**Requests.** One JSON model for every drafting route; only `element`, `volume` and
`term` are required, the rest becomes highlighted placeholders. Unknown fields are
refused, so a typo never goes unnoticed. Send `Content-Type: application/json`
(anything else gets 415).

**Errors** are `application/problem+json` (RFC 9457). A 422 lists every offending
field in `errors`, each with a `path` (`volume.quantity`, `[3].term.months` in a
batch) and a sentence. Bodies over the configured limit (1 MiB by default; uploads
10 MiB) get 413.

**Caching.** Drafting routes send a strong `ETag` derived from the request's input
hash, the clause-library version and the service version; send it back in
`If-None-Match` and an unchanged draft is answered `304 Not Modified` without being
drafted again. (The drafting routes are POSTs whose result depends on the body
alone, so they answer 304 where RFC 9110 would ask for 412 on a POST.)

**Batch.** `POST /api/v1/contracts/batch` takes a list of requests and answers a zip:
one .docx per request, numbered in request order, and `manifest.json` (file name,
input hash, key figures and warnings of each). Every item is validated before any is
drafted: if one is invalid the whole batch is refused with 422 naming each bad item
by its index, so a contract system never receives a partial batch.

**Access control** is off unless the deployment sets `CLAUSEWRIGHT_API_KEY`; then
`/api/` needs `Authorization: Bearer <key>` or `X-API-Key: <key>`.

Every response carries an `X-Request-ID` (yours, when it is 1-128 letters, digits,
`.`, `_`, `:` or `-`); quote it when reporting a problem.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "contracts", "description": "Draft agreements: .docx, HTML preview, report, batch."},
    {"name": "documents", "description": "Read back what a drafted .docx carries."},
    {"name": "reference", "description": "The elements and the clause library."},
    {"name": "operations", "description": "Liveness and readiness, for load balancers."},
]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json errors with these statuses."""
    return {status: _problem_response(status) for status in statuses}


_PROBLEM_DESCRIPTIONS = {
    400: "The request is malformed (a bad Content-Length or multipart body).",
    401: "The deployment requires an API key and none, or a wrong one, was sent.",
    404: "No such element or clause.",
    413: "The body is larger than the configured limit.",
    415: "The body is not sent with the media type this route reads.",
    422: "The request cannot be used; `errors` lists every offending field.",
    503: "Not ready, or the answer did not start within the configured time limit.",
}


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _PROBLEM_DESCRIPTIONS.get(status, "An error."),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def swagger_static_dir() -> Path | None:
    """The folder with Swagger UI's files, or ``None`` when the package is missing."""
    try:
        folder = resources.files(SWAGGER_PACKAGE) / "static"
    except ModuleNotFoundError:
        return None
    path = Path(str(folder))
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def install_docs(app: FastAPI, *, settings: Settings) -> None:
    """Serve ``/docs`` (Swagger UI from local files) and a customised OpenAPI document.

    Call before any other mount under ``/static`` so that ``/static/docs`` is found.
    """
    static_dir = swagger_static_dir()
    if static_dir is not None:
        app.mount(DOCS_STATIC_PATH, StaticFiles(directory=static_dir), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> Response:
        if static_dir is None:
            return problem(
                503,
                "Documentation unavailable",
                "The Swagger UI files (package swagger-ui-py) are not installed; the "
                "OpenAPI document is at /openapi.json.",
                request_id=request_id_of(request.scope),
            )
        root = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(
            swagger_page(
                title=f"{app.title} API",
                openapi_url=f"{root}{app.openapi_url}",
                root=root,
            )
        )

    app.openapi = _openapi_builder(app, settings=settings)  # type: ignore[method-assign]


def swagger_page(*, title: str, openapi_url: str, root: str) -> str:
    """The ``/docs`` page: Swagger UI's files and its start-up script, all files of
    this service, nothing inline (the service's default Content-Security-Policy
    applies). The start-up script reads the OpenAPI address from
    ``data-openapi-url``."""
    assets = f"{root}{DOCS_STATIC_PATH}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{escape(assets)}/swagger-ui.css">
<link rel="icon" href="{escape(assets)}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{escape(assets)}/swagger-ui-bundle.js"></script>
<script src="{escape(root + DOCS_START_SCRIPT)}"></script>
</body>
</html>
"""


def _openapi_builder(app: FastAPI, *, settings: Settings) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldProblem, Problem):
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        _validation_errors_are_problems(schema)
        _describe_batch_limit(schema, limit=settings.batch_limit)
        if settings.api_key:
            _add_security(schema)
        app.openapi_schema = schema
        return schema

    return build


def _validation_errors_are_problems(schema: dict[str, Any]) -> None:
    """FastAPI documents its own 422 body; this service answers every 422 as a problem."""
    default_422 = "#/components/schemas/HTTPValidationError"
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422", {})
            media = response.get("content", {}).get("application/json", {})
            if media.get("schema", {}).get("$ref") == default_422:
                operation["responses"]["422"] = _problem_response(422)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)


def _describe_batch_limit(schema: dict[str, Any], *, limit: int) -> None:
    operation = schema.get("paths", {}).get("/api/v1/contracts/batch", {}).get("post")
    if operation is None:
        return
    body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    body_schema["minItems"] = 1
    body_schema["maxItems"] = limit
    operation["description"] = (
        operation.get("description", "") + f"\n\nThis deployment drafts at most {limit} "
        "requests in one batch."
    )


def _add_security(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "The API key."},
        "apiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(PROTECTED_PREFIX):
            continue
        for operation in operations.values():
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            operation.setdefault("responses", {})["401"] = _problem_response(401)
