"""The portable SQL functions give the same values on SQLite and PostgreSQL, on the app's connections and on the
read-only connection reports run on, and PostgreSQL inlines them (so an index on the bare column still serves)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from core import sqlfunctions
from core.reports.execute import run_readonly
from core.sqlfiles import bind_value, json_safe
from tests.factories import make_account, make_session

MIDNIGHT = datetime(2026, 12, 1, tzinfo=timezone.utc)  # a Tuesday
TICK = timedelta(microseconds=1)
LIMITS = {"timeout_ms": 5000, "row_cap": 100}


def scalar(engine, sql: str, **params):
    """One value, as a result row would show it (dates as 'YYYY-MM-DD' on both databases)."""
    bound = {k: bind_value(v, engine.dialect.name) for k, v in params.items()}
    with engine.connect() as conn:
        return json_safe(conn.execute(text(sql), bound).scalar())


def test_minutes_between_is_exact_signed_and_null_safe(engine):
    start = datetime(2026, 11, 30, 9, 0, 0, tzinfo=timezone.utc)
    sql = "SELECT minutes_between(:a, :b)"
    assert scalar(engine, sql, a=start, b=start + timedelta(seconds=90)) == 1.5
    assert scalar(engine, sql, a=start + timedelta(seconds=90), b=start) == -1.5
    assert scalar(engine, sql, a=start, b=start + timedelta(days=2, microseconds=600)) == 2880.00001
    assert scalar(engine, sql, a=start, b=None) is None
    assert scalar(engine, sql, a=None, b=start) is None


def test_utc_day_splits_at_midnight_utc(engine):
    sql = "SELECT utc_day(:ts)"
    assert scalar(engine, sql, ts=MIDNIGHT - TICK) == "2026-11-30"
    assert scalar(engine, sql, ts=MIDNIGHT) == "2026-12-01"
    # 00:30 in Berlin is still 23:30 UTC the day before.
    berlin = timezone(timedelta(hours=1))
    assert scalar(engine, sql, ts=datetime(2026, 12, 1, 0, 30, tzinfo=berlin)) == "2026-11-30"
    assert scalar(engine, sql, ts=None) is None


def test_utc_day_of_text_with_an_offset_and_compared_with_a_date(engine):
    # A literal with an offset means the same instant on both databases: 23:30 at -02:00 is 01:30 UTC next day.
    assert scalar(engine, "SELECT utc_day('2026-11-30 23:30:00-02:00')") == "2026-12-01"
    assert scalar(engine, "SELECT utc_week('2026-11-30 23:30:00-02:00')") == "2026-11-30"
    same = "SELECT CASE WHEN utc_day(:ts) = :day THEN 'same' ELSE 'other' END"
    assert scalar(engine, same, ts=MIDNIGHT - TICK, day=(MIDNIGHT - TICK).date()) == "same"
    assert scalar(engine, same, ts=MIDNIGHT, day=(MIDNIGHT - TICK).date()) == "other"


def test_utc_day_ignores_the_postgresql_session_time_zone(pg_engine):
    with pg_engine.connect() as conn:
        conn.execute(text("SET TIME ZONE 'Pacific/Auckland'"))  # 13 hours ahead of UTC on 30 November
        day = conn.execute(text("SELECT utc_day(:ts)"), {"ts": MIDNIGHT - timedelta(hours=1)}).scalar()
        assert day.isoformat() == "2026-11-30"
        conn.rollback()


def test_utc_week_starts_on_monday_utc(engine):
    sql = "SELECT utc_week(:ts)"
    sunday_night = datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert scalar(engine, sql, ts=sunday_night) == "2026-11-23"
    assert scalar(engine, sql, ts=sunday_night + TICK) == "2026-11-30"
    assert scalar(engine, sql, ts=MIDNIGHT) == "2026-11-30"
    assert scalar(engine, sql, ts=None) is None


def test_grouping_stored_sessions_by_utc_day(engine, db):
    account = make_account(db)
    for created in (MIDNIGHT - timedelta(seconds=1), MIDNIGHT, MIDNIGHT + timedelta(hours=23, minutes=59)):
        make_session(db, account, created_at=created, duration_minutes=1.5)
    db.commit()
    sql = text(
        "SELECT utc_day(created_at) AS day, COUNT(*) AS sessions, SUM(minutes_between(created_at, resolved_at)) AS m "
        "FROM ai_sessions WHERE account_id = :account GROUP BY utc_day(created_at) ORDER BY utc_day(created_at)"
    )
    rows = db.execute(sql, {"account": bind_value(account.id, engine.dialect.name)}).all()
    assert [tuple(json_safe(v) for v in row) for row in rows] == [("2026-11-30", 1, 1.5), ("2026-12-01", 2, 3.0)]


def test_report_connections_see_the_functions(engine, db):
    # SQLite runs reports on its own read-only connection; PostgreSQL runs ad-hoc SQL as flowpilot_reader.
    account = make_account(db)
    make_session(db, account, created_at=MIDNIGHT, duration_minutes=1.5)
    db.commit()
    sql = (
        "SELECT utc_day(created_at) AS day, utc_week(created_at) AS week, "
        "minutes_between(created_at, resolved_at) AS minutes FROM ai_sessions WHERE account_id = :account_id"
    )
    expected = [{"day": "2026-12-01", "week": "2026-11-30", "minutes": 1.5}]
    assert run_readonly(engine, sql, {"account_id": account.id}, **LIMITS).rows == expected
    if engine.dialect.name == "postgresql":
        confined = run_readonly(engine, sql, {"account_id": account.id}, tenant_account_id=account.id, **LIMITS)
        assert confined.rows == expected
        other = run_readonly(engine, sql, {"account_id": account.id}, tenant_account_id=uuid.uuid4(), **LIMITS)
        assert other.rows == []


def test_postgresql_inlines_the_functions_and_keeps_the_index(pg_engine):
    query = (
        "SELECT utc_day(s.created_at) AS day, SUM(minutes_between(s.created_at, s.resolved_at)) AS minutes "
        "FROM ai_sessions AS s WHERE s.account_id = :account AND s.created_at >= :start AND s.created_at < :end "
        "GROUP BY utc_day(s.created_at)"
    )
    params = {"account": uuid.uuid4(), "start": MIDNIGHT - timedelta(days=7), "end": MIDNIGHT}
    with pg_engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # the tables are tiny; ask what an index path looks like
        plan = "\n".join(conn.execute(text("EXPLAIN (VERBOSE, COSTS OFF) " + query), params).scalars())
        conn.rollback()
    assert "utc_day" not in plan and "minutes_between" not in plan  # inlined into their bodies
    assert "AT TIME ZONE 'UTC'" in plan and "EXTRACT(epoch FROM" in plan
    # Any index led by account_id: which one depends on the statistics an earlier test's import left (ANALYZE).
    assert "using ix_ai_sessions_account_id" in plan or "on ix_ai_sessions_account_id" in plan


def test_postgresql_functions_are_immutable_and_parallel_safe(pg_engine):
    with pg_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.proname, p.provolatile, p.proparallel, l.lanname, p.proisstrict FROM pg_proc AS p "
                "JOIN pg_language AS l ON l.oid = p.prolang "
                "WHERE p.proname IN ('utc_day', 'utc_week', 'minutes_between') ORDER BY p.proname"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("minutes_between", "i", "s", "sql", False),
        ("utc_day", "i", "s", "sql", False),
        ("utc_week", "i", "s", "sql", False),
    ]


def test_sqlite_too_old_for_the_shared_sql_is_refused(monkeypatch):
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.37.2")
    connection = sqlite3.connect(":memory:")
    try:
        with pytest.raises(RuntimeError, match=r"needs SQLite 3\.38\.0 or newer .* this Python has SQLite 3\.37\.2"):
            sqlfunctions.register(connection)
    finally:
        connection.close()


def test_unreadable_text_gives_null_like_sqlite_date():
    assert sqlfunctions.utc_day("not a time") is None
    assert sqlfunctions.minutes_between("2026-12-01 00:00:00", 7) is None
    assert sqlfunctions.utc_day("2026-11-30T23:30:00Z") == "2026-11-30"
