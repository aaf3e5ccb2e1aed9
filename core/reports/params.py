"""Report parameters: the types a report header may declare, their defaults, and widget values made typed.

``date`` defaults may be relative (``today``, ``today-30``); dates are bound as midnight UTC of that day, so a
``created_at >= :since`` comparison includes the whole day on both dialects.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.reports.execute import ReportError

PARAM_TYPES = ("int", "float", "text", "bool", "date")

_DATE_DEFAULT = re.compile(r"^today\s*(?:(?P<sign>[+-])\s*(?P<days>\d+))?$", re.IGNORECASE)
# A whole number is bound as a 64-bit integer (bigint on PostgreSQL, INTEGER on SQLite); a relative date moves at
# most a century from today, far inside the calendar's years 1..9999.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MAX_RELATIVE_DAYS = 36_525
_SHOWN_CHARS = 40


class ReportParamError(ReportError):
    """A parameter value given to a report is not valid for its type."""


@dataclass(frozen=True)
class ReportParam:
    name: str
    type: str
    default: str | None  # as written in the header; None means no default (null)
    label: str
    line: int

    def default_value(self, today: date | None = None) -> Any:
        """The default as a Python value (dates relative to ``today``, UTC)."""
        return parse_value(self.type, self.default, today or datetime.now(UTC).date())


def parse_value(kind: str, raw: Any, today: date) -> Any:
    """Header or widget text as a value of ``kind``; ``null`` (and an empty non-text value) is None.
    Raises ValueError when the text is not a valid ``kind``."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raw = str(raw)
    text_value = raw.strip()
    if text_value.lower() == "null" or (text_value == "" and kind != "text"):
        return None
    if kind == "int":
        return _whole(int(text_value))
    if kind == "float":
        return _finite(float(text_value))
    if kind == "bool":
        if text_value.lower() in {"true", "yes", "1", "on"}:
            return True
        if text_value.lower() in {"false", "no", "0", "off"}:
            return False
        raise ValueError(f"'{raw}' is not true or false")
    if kind == "date":
        match = _DATE_DEFAULT.match(text_value)
        if match:
            days = int(match.group("days") or 0)
            if days > MAX_RELATIVE_DAYS:
                raise ValueError(f"moves more than {MAX_RELATIVE_DAYS:,} days from today")
            return today + timedelta(days=-days if match.group("sign") == "-" else days)
        return date.fromisoformat(text_value)
    if len(text_value) >= 2 and text_value[0] == text_value[-1] == "'":
        return text_value[1:-1].replace("''", "'")
    return text_value


def _whole(number: int) -> int:
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError("is outside the 64-bit range")
    return number


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


def coerce_values(params: tuple[ReportParam, ...], values: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """Widget values (or text) to typed parameter values; missing ones take the default. Raises
    :class:`ReportParamError` naming the parameter."""
    today = today or datetime.now(UTC).date()
    out: dict[str, Any] = {}
    for param in params:
        if param.name not in values:
            out[param.name] = param.default_value(today)
            continue
        raw = values[param.name]
        try:
            out[param.name] = _coerce(param.type, raw, today)
        except (ValueError, TypeError, OverflowError):
            shown = str(raw)
            shown = shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"
            raise ReportParamError(f"{param.label}: '{shown}' is not a valid {param.type}.") from None
    return out


def _coerce(kind: str, raw: Any, today: date) -> Any:
    if raw is None:
        return None
    if kind == "int" and isinstance(raw, int | float) and not isinstance(raw, bool):
        if isinstance(raw, float) and (not math.isfinite(raw) or not raw.is_integer()):
            raise ValueError("not a whole number")
        return _whole(int(raw))
    if kind == "float" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return _finite(float(raw))
    if kind == "bool" and isinstance(raw, bool):
        return raw
    if kind == "date" and isinstance(raw, datetime):
        return raw.date()
    if kind == "date" and isinstance(raw, date):
        return raw
    if kind == "text":
        return str(raw) if str(raw).strip() != "" else None
    return parse_value(kind, str(raw), today)


def bind_values(params: tuple[ReportParam, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Typed values as bound: dates become midnight UTC datetimes (the start of that day)."""
    bound: dict[str, Any] = {}
    for param in params:
        value = values.get(param.name)
        if param.type == "date" and isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        bound[param.name] = value
    return bound
