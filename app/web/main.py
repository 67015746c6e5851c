"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from app import __version__, service
from app.config import Settings, get_settings
from app.web import api
from app.web.problems import install_problem_handlers


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The clause library is loaded and checked here, so a broken
    template stops start-up with its file, line and reason."""
    settings = settings or get_settings()
    service.get_library()
    app = FastAPI(
        title="Clausewright",
        version=__version__,
        description="Drafts rare-earth supply agreements (licensing risk, force majeure, "
        "safety stock) as Word documents, with an HTML preview and a JSON report.",
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(api.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
