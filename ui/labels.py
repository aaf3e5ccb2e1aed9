"""Words for people: stored names (``active_directory``, ``weak_options``, ``sessions_shown``) as labels, counts
with the right plural, ratings and timestamps as a desk reads them, gap evidence as sentences instead of JSON.

Every page shows a column, type, severity, status or domain through ``human``; nothing here queries anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from core.names import DASH, human, lower

__all__ = ["DASH", "columns", "evidence", "human", "lower", "minute", "plural", "rating", "rows"]


def plural(count: int | float, noun: str, plural_noun: str | None = None) -> str:
    """ "1 session", "2 sessions", "1,204 sessions" (``plural_noun`` for irregular words)."""
    many = plural_noun or f"{noun}s"
    shown = f"{count:,}" if isinstance(count, int) else f"{count:,g}"
    return f"{shown} {noun if count == 1 else many}"


def rating(value: object) -> str:
    """A session's rating (1–5) as a number, or a dash when the engineer gave none."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return DASH
    return f"{value:g}" if isinstance(value, float) else str(value)


def minute(value: object) -> str:
    """A timestamp (datetime or ISO text) to the minute, in UTC: "2026-11-18 09:41 UTC"; a dash when missing."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every column named for people (the CSV download keeps the same names)."""
    return frame.rename(columns={c: human(c) for c in frame.columns})


def rows(records: Iterable[Mapping[str, Any]], *, named: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Records with their keys named for people, for tables built from dicts; the values of the ``named`` keys
    (a domain, a tier, a severity) are stored names too, and are shown through ``human`` as well."""
    named = set(named)
    return [{human(k): human(v) if k in named else v for k, v in record.items()} for record in records]


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _example(item: Any) -> str:
    if not isinstance(item, Mapping):
        return _value(item)
    text = item.get("summary") or item.get("text") or ""
    extra = []
    if "count" in item:
        extra.append(plural(int(item["count"]), "answer"))
    if "sessions" in item:
        extra.append(plural(int(item["sessions"]), "session"))
    if item.get("resolution"):
        extra.append(f"fixed by: {item['resolution']}")
    rest = [f"{human(k)}: {_value(v)}" for k, v in item.items() if k not in _EXAMPLE_KEYS]
    return "; ".join(p for p in [f"“{text}”" if text else "", *extra, *rest] if p)


# Keys of an example that _example shows in words, or leaves out: the session id sits in the drill-down table.
_EXAMPLE_KEYS = {"summary", "text", "count", "sessions", "resolution", "session_id"}
# Evidence keys not shown as text: ids are behind "Show the sessions", the signature is an internal grouping key.
_HIDDEN_EVIDENCE = {"session_ids", "signature"}


def evidence(body: Mapping[str, Any]) -> str:
    """A gap's evidence as Markdown bullets: "* Free text rate: 42.0", lists as indented lines, ids left out."""
    lines = []
    for key, value in body.items():
        if key in _HIDDEN_EVIDENCE or value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            lines.append(f"* {human(key)}:")
            lines.extend(f"    * {_example(item)}" for item in value)
        elif isinstance(value, Mapping):
            lines.append(f"* {human(key)}: " + "; ".join(f"{human(k)} {_value(v)}" for k, v in value.items()))
        else:
            unit = " %" if key.endswith("_rate") else ""
            lines.append(f"* {human(key)}: {_value(value)}{unit}")
    return "\n".join(lines)
