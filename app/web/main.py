"""The FastAPI application factory, with the operations endpoints (liveness, readiness)."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict

from app import __version__, service, warmup
from app.config import Settings, get_settings
from app.errors import ClausewrightError
from app.web import api, form
from app.web.middleware import (
    BodyLimitMiddleware,
    ConnectionRecyclingMiddleware,
    RequestContextMiddleware,
    RequestTimeoutMiddleware,
)
from app.web.openapi_docs import API_DESCRIPTION, TAGS, install_docs, problem_responses
from app.web.problems import install_problem_handlers, problem, request_id_of
from app.web.schemas import Health
from app.web.security import API_KEY_HEADER, ApiKeyMiddleware, SecurityHeadersMiddleware


class Ready(BaseModel):
    """What ``/readyz`` answers when the process can draft."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "status": "ready",
                "version": "0.1.0",
                "library_version": "2026.11.1",
                "clauses": 24,
                "reference_data_reviewed": "2026-11-20",
            }
        }
    )

    status: str
    version: str
    library_version: str
    clauses: int
    reference_data_reviewed: date


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from ``settings`` (default: the environment's).

    The clause library and the reference data are loaded and checked here, so a
    broken template or data file stops start-up with its file, line and reason.

    Raises:
        ClauseLibraryError: the clause library is broken.
        ReferenceDataError: a reference-data file is broken.
    """
    settings = settings or get_settings()
    service.check_startup()
    app = FastAPI(
        title="Clausewright",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    install_docs(app, settings=settings)  # before any other /static mount
    app.include_router(api.router)
    app.include_router(form.router)
    app.mount("/static", StaticFiles(directory=form.STATIC_DIR), name="static")
    _install_operations(app)
    _install_middleware(app, settings)
    return app


def create_served_app() -> FastAPI:
    """The app as ``clausewright serve`` runs it in each worker process: built by
    :func:`create_app`, then warmed up (one agreement drafted, the caches filled) and
    the start-up objects frozen out of the garbage collector's way
    (:func:`app.warmup.warm_up`), before the worker takes its first request.

    Raises:
        ClauseLibraryError: the clause library is broken.
        ReferenceDataError: a reference-data file is broken.
    """
    app = create_app()
    warmup.warm_up()
    return app


def _install_operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"], summary="Liveness", response_model=Health)
    async def healthz() -> dict[str, str]:
        """The process answers HTTP. Restart it when this fails."""
        return {"status": "ok", "version": __version__}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        response_model=Ready,
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> JSONResponse:
        """The clause library and the reference data are loaded and checked: send
        traffic. 503 when they are not."""
        try:
            loaded = service.check_startup()
        except ClausewrightError:
            return problem(
                503,
                "Not ready",
                "The clause library or the reference data is not loaded; see the service's log.",
                request_id=request_id_of(request.scope),
            )
        return JSONResponse(
            {
                "status": "ready",
                "version": __version__,
                "library_version": loaded.library_version,
                "clauses": loaded.clause_count,
                "reference_data_reviewed": loaded.reference_data_reviewed.isoformat(),
            }
        )


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    # The last added runs first: connection recycling -> security headers -> request id
    # -> CORS -> timeout -> API key -> body limit -> routes. Security headers and request
    # ids are (nearly) outermost so that every response has them, errors of the other
    # layers included; CORS wraps the timeout so a browser can read a 503.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        upload_limits={
            api.PARAMETERS_PATH: settings.max_upload_bytes,
            "/answers/load": settings.max_upload_bytes,  # the form's .docx/JSON upload
        },
    )
    if settings.api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=settings.api_key)
    app.add_middleware(RequestTimeoutMiddleware, timeout_seconds=settings.request_timeout_seconds)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", API_KEY_HEADER],
            expose_headers=["Content-Disposition", "ETag", "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.recycle_connection_every:
        app.add_middleware(ConnectionRecyclingMiddleware, every=settings.recycle_connection_every)
