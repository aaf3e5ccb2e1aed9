"""The portable SQL functions: the same name and meaning on SQLite and PostgreSQL, so one SQL file serves both.

* ``utc_day(ts)``: the UTC calendar day of a timestamp. PostgreSQL returns a ``date``, SQLite the text
  ``'YYYY-MM-DD'`` (which is how SQLite stores a date), so the value compares with a bound date, groups, sorts and
  inserts into a ``Date`` column the same way on both, and a result row shows ``'YYYY-MM-DD'`` on both.
* ``utc_week(ts)``: the Monday that starts the ISO week of ``ts`` in UTC, typed like ``utc_day``.
* ``minutes_between(a, b)``: ``b - a`` in minutes as a float (negative when ``b`` is earlier), exact to the
  microsecond; NULL when either is NULL.

JSON needs no function: ``doc ->> 'key'`` is the text of a top-level key on both (SQLite 3.38 and later).

PostgreSQL gets them from migration ``0005_sql_functions`` as plain ``LANGUAGE sql IMMUTABLE`` functions, which the
planner inlines (they cost nothing, and an index on the bare column still serves a query that calls them).
SQLite gets the Python versions below on every connection (:func:`register`). SQLite stores timestamps as naive
UTC text; text it cannot read as a timestamp gives NULL, like SQLite's own ``date()``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

# SQLite 3.38 added the ->> operator the shared SQL uses for JSON text.
MIN_SQLITE = (3, 38, 0)


_parse = datetime.fromisoformat
_MINUTE = timedelta(minutes=1)


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = _parse(value)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _is_stored_shape(value: Any) -> bool:
    # 'YYYY-MM-DD HH:MM:SS.ffffff', naive UTC: how SQLAlchemy stores every timestamp (and bind_value binds one).
    return isinstance(value, str) and len(value) == 26 and value[10] == " " and value[4] == "-" and value[7] == "-"


def utc_day(ts: Any) -> str | None:
    """The UTC day of ``ts`` as ``'YYYY-MM-DD'``; None for NULL or unreadable text."""
    if _is_stored_shape(ts):
        return ts[:10]  # the rollups call this once per session: skip parsing what is already UTC
    moment = _utc(ts)
    return None if moment is None else moment.date().isoformat()


def utc_week(ts: Any) -> str | None:
    """The Monday starting the ISO week of ``ts`` (UTC) as ``'YYYY-MM-DD'``; None for NULL or unreadable text."""
    moment = _utc(ts)
    if moment is None:
        return None
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def minutes_between(start: Any, end: Any) -> float | None:
    """``end - start`` in minutes; None when either is NULL or unreadable."""
    try:  # both stored timestamps: the common case, and the cheapest
        return (_parse(end) - _parse(start)) / _MINUTE
    except (TypeError, ValueError):  # NULL, unreadable, or one naive and one with an offset
        first, second = _utc(start), _utc(end)
    if first is None or second is None:
        return None
    return (second - first) / _MINUTE


def register(connection: sqlite3.Connection) -> None:
    """Make the portable functions callable on a SQLite connection (deterministic, so SQLite may use them in
    indexes and fold repeated calls). Raises RuntimeError when the SQLite library is too old for the shared SQL."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise RuntimeError(
            f"FlowPilot needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (for the ->> JSON operator); "
            f"this Python has SQLite {sqlite3.sqlite_version}."
        )
    connection.create_function("utc_day", 1, utc_day, deterministic=True)
    connection.create_function("utc_week", 1, utc_week, deterministic=True)
    connection.create_function("minutes_between", 2, minutes_between, deterministic=True)
