"""The app's settings: environment variables, overlaid by ``FLOWPILOT_*`` keys of ``.streamlit/secrets.toml``.

Only the app reads secrets; the worker and the tests read the environment alone (``core.config``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import streamlit as st

from core.config import Settings

PREFIX = "FLOWPILOT_"


def secret_overrides() -> dict[str, Any]:
    """Settings fields named in secrets.toml as top-level ``FLOWPILOT_<FIELD>`` keys."""
    try:
        secrets = {str(k): v for k, v in st.secrets.to_dict().items()}
    except FileNotFoundError:
        # No secrets.toml anywhere: the environment alone decides.
        return {}
    overrides: dict[str, Any] = {}
    for f in fields(Settings):
        value = secrets.get(PREFIX + f.name.upper())
        if value is None or value == "":
            continue
        overrides[f.name] = value
    return overrides


def app_settings() -> Settings:
    return Settings.from_env(secret_overrides())
