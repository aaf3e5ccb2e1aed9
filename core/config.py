"""Configuration: environment variables with the ``FLOWPILOT_`` prefix.

The app may overlay values from its secrets file (see ``ui.settings``); the worker and the tests read
the environment only. Every setting has a default that works offline on a bare machine.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "flowpilot.db"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """All tunables of the app and the worker. Field name ``x`` is read from ``FLOWPILOT_X``."""

    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_SQLITE_PATH}")
    anthropic_api_key: str = ""
    anthropic_model: str = "claude-sonnet-4-5"
    anthropic_base_url: str = ""
    anthropic_max_retries: int = 3
    anthropic_timeout_seconds: int = 60
    voyage_api_key: str = ""
    voyage_model: str = "voyage-3.5-lite"
    voyage_base_url: str = ""
    # "auto" picks Voyage when a key is set, else the offline TF-IDF embedder ("tfidf"); "local" is the older
    # hashed n-gram embedder.
    embedder: str = "auto"
    daily_llm_budget: int = 50
    # When the budget is spent: defer (default) or fall back to the offline generator.
    budget_fallback_offline: bool = False
    worker_interval_seconds: int = 300
    worker_batch_size: int = 50
    worker_lease_seconds: int = 600
    worker_max_attempts: int = 4
    dismissed_resurface_support: int = 3
    # With a model configured, a proposal starts with the offline tree and the model writes it once for the whole
    # cluster: when it has this many supporting sessions, or when its first session is this many hours old.
    # 1 = a model call for every new proposal at its first session.
    model_at_support: int = 2
    model_after_hours: float = 24.0
    # "local" (demo sign-in), "header" (trusted reverse proxy), "oidc" (st.login)
    auth: str = "local"
    auth_header: str = "X-Forwarded-Email"
    allow_local_auth_on_postgres: bool = False
    demo_seed: int = 7
    statement_timeout_ms: int = 5000
    report_row_cap: int = 5000
    # Bytes of values a report or ad-hoc query may fetch before fetching stops (the page says so).
    report_byte_cap: int = 20_000_000
    # The folder of the report files (empty: sql/reports of the project).
    reports_dir: str = ""

    @classmethod
    def from_env(cls, overrides: dict[str, Any] | None = None) -> Settings:
        """Settings from ``FLOWPILOT_*`` variables, then ``overrides`` (text values are read like the variables)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"FLOWPILOT_{f.name.upper()}")
            if raw is None and f.name == "anthropic_api_key":
                raw = os.environ.get("ANTHROPIC_API_KEY")
            if raw is None and f.name == "voyage_api_key":
                raw = os.environ.get("VOYAGE_API_KEY")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.type, raw)
        settings = cls(**values)
        if overrides:
            types = {f.name: f.type for f in fields(cls)}
            coerced = {k: _coerce(types[k], v) if isinstance(v, str) else v for k, v in overrides.items()}
            settings = replace(settings, **coerced)
        return settings

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.anthropic_api_key)


def _coerce(type_name: Any, raw: str) -> Any:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "str")
    if name == "bool":
        return _bool(raw)
    if name == "int":
        return int(raw)
    if name == "float":
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {raw!r}")
        return value
    return raw


def get_settings() -> Settings:
    return Settings.from_env()
