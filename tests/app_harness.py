"""AppTest over the real entry point (app.py), set up the way the served app runs.

Streamlit decides per process whether an app uses the legacy ``pages/`` folder mode; ``st.navigation`` switches
that off for good on the first run of a served app. AppTest resets the flag before every run, so from the second
run on it would run the page file alone, skipping app.py (no sign-in, no sidebar). ``served_entry_point`` runs
app.py on every run, as the server does, so tests see the sidebar and the demo switcher after any interaction.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def _run_entry_point(main_script_path: str) -> None:
    runpy.run_path(str(main_script_path), run_name="__main__")


def app_for(engine: Engine, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    """An AppTest of app.py on ``engine``'s database in local demo sign-in mode (``env`` adds FLOWPILOT_* vars)."""
    monkeypatch.setenv("FLOWPILOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FLOWPILOT_AUTH", "local")
    monkeypatch.setenv("FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES", "true")
    for name, value in env.items():
        monkeypatch.setenv(f"FLOWPILOT_{name.upper()}", value)
    monkeypatch.setattr(script_runner, "_mpa_v1", _run_entry_point)
    return AppTest.from_file(str(APP), default_timeout=30)
