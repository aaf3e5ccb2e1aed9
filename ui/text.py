"""Text helpers for pages: recorded text shown literally, timestamps in one format."""

from __future__ import annotations

import re
from datetime import datetime

# Markdown's special characters, plus $ (Streamlit renders $…$ as LaTeX, and PowerShell text is full of $variables)
# and : (Streamlit's :colour[…] and :emoji: directives).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:])")


def literal(text: object) -> str:
    """``text`` for st.markdown with every special character escaped, so it shows exactly as recorded."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def when(value: datetime | None) -> str:
    """A UTC timestamp as pages show it; a dash when there is none."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"
