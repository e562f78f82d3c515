"""Configuration, read once at start-up from ``STORI_*`` environment variables (and a ``.env`` file).

Nothing else in the package reads the environment: edges build a ``Settings`` and pass it down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(user_data_dir("maestro-mcp", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STORI_", env_file=".env", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 10001
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    access_token_secret: str | None = None
    llm_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("STORI_LLM_API_KEY", "STORI_OPENROUTER_API_KEY", "OPENROUTER_API_KEY"),
    )
    llm_base_url: str = "https://openrouter.ai/api/v1"
    llm_model: str = "anthropic/claude-sonnet-4.6"
    orpheus_url: str | None = None
    qdrant_url: str | None = None
    daw_timeout_seconds: float = 30.0
    daw_mode: Literal["auto", "daw", "headless"] = "auto"
    tool_profile: Literal["full", "compact"] = "full"
    default_budget_cents: int = 500
    cors_origins: str = ""
    max_concurrent_compositions: int = 2

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "maestro.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with CLI flags (non-None values) taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
