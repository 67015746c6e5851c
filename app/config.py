"""Settings, from environment variables prefixed ``CLAUSEWRIGHT_`` (documented in README).

``get_settings()`` is cached; tests override it through FastAPI's dependency
overrides or by building the app with explicit settings.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "CLAUSEWRIGHT_"


class Settings(BaseSettings):
    """Every setting of the service, with its default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True)

    templates_dir: Path = Field(
        default=PROJECT_ROOT / "clause_templates", description="The clause library folder."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body accepted (bytes)."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest .docx accepted for read-back."
    )
    batch_limit: int = Field(default=200, ge=1, le=10000, description="Most requests in a batch.")
    api_key: str | None = Field(
        default=None,
        description="When set, API calls need 'Authorization: Bearer <key>' or 'X-API-Key'.",
    )
    review_max_age_days: int = Field(
        default=90, ge=1, description="Warn when the reference data is older than this."
    )
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A response that has not started within this many seconds becomes a 503.",
    )
    shutdown_grace_seconds: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="On SIGTERM, how long requests in flight may take to finish.",
    )
    cors_origins: list[str] = Field(default_factory=list, description="CORS is off when empty.")
    recycle_connection_every: int = Field(
        default=50,
        ge=0,
        le=1_000_000,
        description="Each worker closes the keep-alive connection of every n-th response "
        "(0: never), so that clients' connections spread over the workers.",
    )


@cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
