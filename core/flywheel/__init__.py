"""The Knowledge Flywheel: classify closed sessions, propose or reinforce flows (see ``engine``)."""

from __future__ import annotations

from typing import Any

__all__ = ["Outcome", "Providers", "analyze_session", "build_providers"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``core.providers`` can import the builders without importing the engine first.
    if name in __all__:
        from core.flywheel import engine

        return getattr(engine, name)
    raise AttributeError(name)
