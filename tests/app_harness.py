"""AppTest over the real entry point (app.py) in local demo sign-in mode on a test database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def app_for(engine: Engine, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    """An AppTest of app.py on ``engine``'s database in local demo sign-in mode (``env`` adds FLOWPILOT_* vars)."""
    monkeypatch.setenv("FLOWPILOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FLOWPILOT_AUTH", "local")
    monkeypatch.setenv("FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES", "true")
    for name, value in env.items():
        monkeypatch.setenv(f"FLOWPILOT_{name.upper()}", value)
    return AppTest.from_file(str(APP), default_timeout=30)
