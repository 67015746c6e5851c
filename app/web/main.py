"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app import __version__, service
from app.config import Settings, get_settings
from app.web import api, form
from app.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.web.openapi_docs import API_DESCRIPTION, TAGS, install_docs
from app.web.problems import install_problem_handlers
from app.web.schemas import Health
from app.web.security import API_KEY_HEADER, ApiKeyMiddleware


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from ``settings`` (default: the environment's).

    The clause library is loaded and checked here, so a broken template stops
    start-up with its file, line and reason.

    Raises:
        ClauseLibraryError: the clause library is broken.
    """
    settings = settings or get_settings()
    service.get_library()
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

    @app.get("/healthz", tags=["operations"], summary="Liveness", response_model=Health)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    _install_middleware(app, settings)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    # The last added runs first: request id -> CORS -> API key -> body limit -> routes.
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
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", API_KEY_HEADER],
            expose_headers=["Content-Disposition", "ETag", "X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware)
