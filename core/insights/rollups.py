"""Daily rollups behind the dashboard and the gap report, and the split of a time window between them and raw rows.

``refresh_rollups`` aggregates whole UTC days of an account's sessions (created before today's midnight) into the
``analytics_daily_*`` tables and records the midnight it reached in ``analytics_rollup_state``. Each refresh rebuilds
the last ``RECENT_DAYS`` days as well, so sessions that close a little after they were opened are counted in their
final status; a session whose status changes later than that, or an import of old sessions, needs
``refresh_rollups(..., full=True)``.

One query per figure serves both sides: each named query (``analytics_session_cube``, ``analytics_mttr_trend``,
``gaps_question_answers``, ``gaps_free_text_inputs``) returns its sums per UTC day of ``created_at``; the refresh
stores the rows of whole days as they come, and a reader adds up the same rows for the partial days. A refresh
reads only the sessions created in its days (by ``account_id, created_at``) and their steps (by ``session_id``), so
its cost follows the window, not the size of the tables.

A query for ``[start, end)`` reads the whole days ``[ceil(start), min(rolled_through, floor(end)))`` from the rollups
and the (at most two) partial edges from the raw tables, so its answer equals the raw answer exactly. An account
without rollups is read entirely from the raw tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from core.models import (
    AnalyticsDailyFreeText,
    AnalyticsDailyQuestions,
    AnalyticsDailyResolutions,
    AnalyticsDailySessions,
    AnalyticsRollupState,
    Base,
)
from core.sqlfiles import execute, run

RECENT_DAYS = 3
# rollup table -> (the per-day query whose rows it stores, its model)
_ROLLUPS: dict[str, tuple[str, type[Base]]] = {
    "sessions": ("analytics_session_cube", AnalyticsDailySessions),
    "resolutions": ("analytics_mttr_trend", AnalyticsDailyResolutions),
    "questions": ("gaps_question_answers", AnalyticsDailyQuestions),
    "free_text": ("gaps_free_text_inputs", AnalyticsDailyFreeText),
}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def midnight_floor(value: datetime) -> datetime:
    value = _utc(value)
    return datetime.combine(value.date(), time(), tzinfo=UTC)


def midnight_ceil(value: datetime) -> datetime:
    floor = midnight_floor(value)
    return floor if floor == _utc(value) else floor + timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """How ``[start, end)`` is read: raw rows in ``a`` and ``b`` (either may be empty), rollup days in ``days``."""

    a: tuple[datetime, datetime]
    b: tuple[datetime, datetime]
    days: tuple[date, date] | None

    def raw_params(self) -> dict[str, datetime]:
        return {"a_start": self.a[0], "a_end": self.a[1], "b_start": self.b[0], "b_end": self.b[1]}

    def day_params(self) -> dict[str, date]:
        assert self.days is not None
        return {"start_day": self.days[0], "end_day": self.days[1]}


def split_window(db: Session, account_id: uuid.UUID, start: datetime, end: datetime) -> Window:
    start, end = _utc(start), _utc(end)
    state = db.get(AnalyticsRollupState, account_id)
    if state is not None:
        first, last = midnight_ceil(start), min(_utc(state.rolled_through), midnight_floor(end))
        if first < last:
            return Window((start, first), (last, end), (first.date(), last.date()))
    return Window((start, end), (end, end), None)


def refresh_rollups(db: Session, account_id: uuid.UUID, now: datetime, *, full: bool = False) -> int:
    """Bring the account's rollups up to today's UTC midnight; returns how many days were rebuilt (caller commits)."""
    to = midnight_floor(now)
    state = db.get(AnalyticsRollupState, account_id)
    if full or state is None:
        first = run(db, "analytics_rollup_first_day", account_id=account_id)[0]["first_created_at"]
        if first is None:
            start = to
        else:
            start = midnight_floor(datetime.fromisoformat(first) if isinstance(first, str) else first)
    else:
        start = min(midnight_floor(state.rolled_through), to) - timedelta(days=RECENT_DAYS)
    if start < to:
        window = Window((start, to), (to, to), None)
        with _planned_for_window(db, window):
            for table, (query, model) in _ROLLUPS.items():
                execute(
                    db,
                    f"analytics_rollup_delete_{table}",
                    account_id=account_id,
                    from_day=start.date(),
                    to_day=to.date(),
                )
                rows = [_stored(r, account_id) for r in run(db, query, account_id=account_id, **window.raw_params())]
                if rows:
                    db.execute(insert(model.__table__), rows)
    if state is None:
        db.add(AnalyticsRollupState(account_id=account_id, rolled_through=to, refreshed_at=_utc(now)))
    else:
        state.rolled_through, state.refreshed_at = to, _utc(now)
    db.flush()
    return max(0, (to - start).days)


# PostgreSQL's planner settings for a refresh's statements (measured at 1M sessions). In memory, the answer counts
# group by hashing instead of sorting to disk, whatever the window (the question query of 3 days: 0.15 s -> 0.11 s;
# the full build of a year: 37 s -> 28 s with the rest of this change). A window of a few days is read by index from
# pages a working database keeps in memory; priced for that (the default random_page_cost assumes a disk seek per
# page), the planner probes the window's PSA pushes by session instead of scanning every push of the account (the
# session figures of 3 days: 0.18 s -> 0.14 s). Not for longer windows: probing a month of sessions one by one cost
# more than the scans (0.8 s -> 1.2 s).
_REFRESH_SETTINGS = {"work_mem": "32MB"}
_SHORT_WINDOW_SETTINGS = {"random_page_cost": "1.1"}
SHORT_WINDOW = timedelta(days=7)


@contextmanager
def _planned_for_window(db: Session, window: Window) -> Iterator[None]:
    """PostgreSQL's planner settings for the refresh of ``window`` (:data:`_REFRESH_SETTINGS`, and for a window of
    at most :data:`SHORT_WINDOW` :data:`_SHORT_WINDOW_SETTINGS`), the caller's restored afterwards; nothing on
    SQLite."""
    if db.get_bind().dialect.name != "postgresql":
        yield
        return
    settings = dict(_REFRESH_SETTINGS)
    if window.a[1] - window.a[0] <= SHORT_WINDOW:
        settings.update(_SHORT_WINDOW_SETTINGS)
    current = text("SELECT current_setting(:name)")
    change = text("SELECT set_config(:name, :value, true)")
    previous = {name: db.scalar(current, {"name": name}) for name in settings}
    for name, value in settings.items():
        db.execute(change, {"name": name, "value": value})
    yield
    for name, value in previous.items():
        db.execute(change, {"name": name, "value": value})


def _stored(row: dict[str, Any], account_id: uuid.UUID) -> dict[str, Any]:
    """A row of a per-day query as a rollup row: its account, and days and timestamps typed again (the query
    results come back as JSON-safe text)."""
    stored: dict[str, Any] = {**row, "account_id": account_id}
    for key in ("day", "resolved_day"):
        if key in stored:
            stored[key] = date.fromisoformat(stored[key])
    if "example_created_at" in stored:
        stored["example_created_at"] = datetime.fromisoformat(stored["example_created_at"])
    return stored


SESSION_SUMS = (
    "sessions",
    "resolve_count",
    "resolve_minutes_sum",
    "duration_count",
    "duration_minutes_sum",
    "rating_count",
    "rating_sum",
    "ticket_linked",
    "step_sessions",
    "step_sum",
)
PUSH_SUMS = ("pushes", "first_attempt_succeeded", "failed_first", "retry_succeeded", "time_entries", "hours_logged")


def session_cube(
    db: Session, account_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Session sums per (domain, tier, status) for sessions created in ``[start, end)``, and their PSA push sums."""
    window = split_window(db, account_id, start, end)
    rows = run(db, "analytics_session_cube", account_id=account_id, **window.raw_params())
    if window.days is not None:
        rows += run(db, "analytics_rollup_cube", account_id=account_id, **window.day_params())
    cube: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["domain"], row["tier"], row["status"])
        into = cube.setdefault(
            key, {"domain": key[0], "tier": key[1], "status": key[2], **dict.fromkeys(SESSION_SUMS, 0)}
        )
        for k in SESSION_SUMS:
            into[k] += row[k] or 0
    pushes = {k: sum((r[k] or 0 for r in rows), 0.0) for k in PUSH_SUMS}
    return [cube[k] for k in sorted(cube)], pushes


def mttr_trend(db: Session, account_id: uuid.UUID, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Mean minutes to resolution per UTC day of ``resolved_at``, for sessions created in ``[start, end)``."""
    window = split_window(db, account_id, start, end)
    days: dict[str, list[float]] = {}
    rows = run(db, "analytics_mttr_trend", account_id=account_id, **window.raw_params())
    if window.days is not None:
        rows += run(db, "analytics_rollup_mttr_trend", account_id=account_id, **window.day_params())
    for row in rows:
        totals = days.setdefault(row["resolved_day"], [0, 0.0])
        totals[0] += int(row["sessions"])
        totals[1] += float(row["resolve_minutes_sum"])
    return [
        {"day": day, "sessions": n, "mttr_minutes": round(minutes / n, 2)}
        for day, (n, minutes) in sorted(days.items())
        if n
    ]
