"""Rollup maintenance: what an hourly refresh picks up, and that a window reads whole days from the rollups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from core.db import session_scope
from core.insights.analytics import dashboard
from core.insights.rollups import RECENT_DAYS, refresh_rollups, split_window
from core.models import AnalyticsDailyQuestions, AnalyticsRollupState
from tests.factories import make_account, make_session

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def test_window_split_between_raw_edges_and_rollup_days(db):
    account = make_account(db)
    db.commit()
    start, end = NOW - 7 * DAY, NOW
    assert split_window(db, account.id, start, end).days is None  # no rollups yet: all raw
    refresh_rollups(db, account.id, NOW)
    db.commit()
    window = split_window(db, account.id, start, end)
    midnight = datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert window.a == (start, datetime(2026, 11, 14, tzinfo=timezone.utc))
    assert window.b == (midnight, end)
    assert window.days == (datetime(2026, 11, 14).date(), midnight.date())
    assert db.get(AnalyticsRollupState, account.id).rolled_through == midnight


def test_hourly_refresh_rebuilds_recent_days_only(db):
    account = make_account(db)
    recent = make_session(db, account, status="active", created_at=NOW - 2 * DAY)
    old = make_session(db, account, status="active", created_at=NOW - 10 * DAY)
    db.commit()
    refresh_rollups(db, account.id, NOW)
    db.commit()
    for session in (recent, old):
        session.status, session.ended_at, session.resolved_at = "resolved", NOW, NOW
    db.commit()

    later = NOW + timedelta(hours=1)
    assert refresh_rollups(db, account.id, later) == RECENT_DAYS
    db.commit()
    kpis = dashboard(db, account.id, 30, later)["kpis"]
    # the session closed within the recent days is counted as resolved; the ten-day-old one keeps its rolled-up
    # status until a full rebuild
    assert (kpis["total_sessions"], kpis["resolved_sessions"]) == (2, 1)
    refresh_rollups(db, account.id, later, full=True)
    db.commit()
    assert dashboard(db, account.id, 30, later)["kpis"]["resolved_sessions"] == 2


def test_refresh_is_idempotent(db):
    account = make_account(db)
    for days in (1, 3, 5):
        make_session(db, account, created_at=NOW - days * DAY, duration_minutes=days * 10)
    db.commit()
    refresh_rollups(db, account.id, NOW)
    db.commit()
    first = dashboard(db, account.id, 7, NOW)
    refresh_rollups(db, account.id, NOW)
    refresh_rollups(db, account.id, NOW, full=True)
    db.commit()
    assert dashboard(db, account.id, 7, NOW) == first
    assert first["kpis"]["mttr_minutes"] == 30.0


def test_question_rollup_counts_each_question_once_per_day_whatever_its_spacing_and_case(db):
    account = make_account(db)
    first, second = NOW - 2 * DAY, NOW - DAY

    def question(text, option=None, free=None):
        return {
            "step_type": "question",
            "content": {"question": text},
            "selected_option": option,
            "was_free_text": free is not None,
            "free_text_input": free,
        }

    make_session(
        db,
        account,
        problem_domain="vpn",
        created_at=first,
        steps=[
            question("  Is the VPN up? ", option="Yes"),
            question("is the vpn up?", free="no idea"),
            question("Which error?"),  # asked, never answered
            question("   ", option="Yes"),  # no question text
            {"step_type": "action", "content": {"instructions": "Restart the client"}},
        ],
    )
    make_session(
        db,
        account,
        problem_domain=None,
        created_at=first + timedelta(hours=3),
        steps=[
            question("Is the VPN up?", option="No"),
            question("WHICH ERROR?", free="809"),
        ],
    )
    make_session(db, account, problem_domain="exchange", created_at=second, steps=[question("Is the VPN up?", "Yes")])
    db.commit()
    refresh_rollups(db, account.id, NOW)
    db.commit()
    rows = db.execute(
        select(
            AnalyticsDailyQuestions.day,
            AnalyticsDailyQuestions.question_key,
            AnalyticsDailyQuestions.question,
            AnalyticsDailyQuestions.domain,
            AnalyticsDailyQuestions.answers,
            AnalyticsDailyQuestions.free_text_answers,
        )
        .where(AnalyticsDailyQuestions.account_id == account.id)
        .order_by(AnalyticsDailyQuestions.day, AnalyticsDailyQuestions.question_key)
    ).all()
    # Both test databases order text by code point, so of two spellings the upper-case one is the smaller.
    assert [tuple(row) for row in rows] == [
        (first.date(), "is the vpn up?", "Is the VPN up?", "unclassified", 3, 1),
        (first.date(), "which error?", "WHICH ERROR?", "unclassified", 1, 1),
        (second.date(), "is the vpn up?", "Is the VPN up?", "exchange", 1, 0),
    ]


def test_a_refresh_leaves_the_callers_planner_settings_as_they_were(pg_engine):
    with session_scope(pg_engine) as db:
        account = make_account(db)
        make_session(db, account, created_at=NOW - DAY)
    with session_scope(pg_engine) as db:
        db.execute(text("SET LOCAL work_mem = '5MB'"))
        before = db.scalar(text("SELECT current_setting('random_page_cost')"))
        assert refresh_rollups(db, account.id, NOW, full=True) == 1
        assert refresh_rollups(db, account.id, NOW) == RECENT_DAYS
        settings = db.execute(text("SELECT current_setting('work_mem'), current_setting('random_page_cost')")).one()
        assert tuple(settings) == ("5MB", before)
