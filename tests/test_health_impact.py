"""Impact of each publish: before/after windows of a flow's sessions (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import session_scope
from core.insights.impact import MIN_SESSIONS, WindowFigures, change_interval, flow_impact, recent_impact
from tests.factories import NOW, make_account
from tests.health_data import publish_history


@pytest.fixture
def history(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        ids = account.id, publish_history(db, account).id
    return ids


def test_each_version_is_judged_on_its_own_windows(engine, history):
    with session_scope(engine) as db:
        v2, v1 = flow_impact(db, *history, now=NOW)
    assert (v2.version, v2.after_days) == (2, 20.0)
    assert v2.before == WindowFigures(sessions=10, resolved=5, escalated=4, mttr_median_minutes=30.0)
    assert v2.after == WindowFigures(sessions=12, resolved=10, escalated=2, mttr_median_minutes=55.0)
    assert v2.change == 33.3
    assert v2.interval == (-4.2, 70.8)
    assert v2.verdict() == "+33.3 pp (95 % interval -4.2 to +70.8)"
    assert [r["resolution rate"] for r in v2.as_rows()] == [50.0, 83.3]
    assert [r["escalation rate"] for r in v2.as_rows()] == [40.0, 16.7]

    assert (v1.version, v1.after_days) == (1, 30.0)
    assert v1.before == WindowFigures(sessions=3, resolved=2, escalated=1, mttr_median_minutes=20.0)
    assert v1.after == WindowFigures(sessions=2, resolved=2, escalated=0, mttr_median_minutes=20.0)
    assert v1.interval is None
    assert v1.verdict() == f"too few sessions (needs {MIN_SESSIONS} on each side)"


def test_the_after_window_stops_at_now(engine, history):
    with session_scope(engine) as db:
        v2 = flow_impact(db, *history, now=NOW - timedelta(days=10))[0]
    assert v2.after_days == 10.0
    # The sessions of days 20..11 before NOW (10..90 minutes); the one created at the new "now" is not in yet.
    assert v2.after == WindowFigures(sessions=9, resolved=9, escalated=0, mttr_median_minutes=50.0)


def test_the_stats_strip_pools_the_publishes_of_the_last_30_days(engine, history):
    with session_scope(engine) as db:
        summary = recent_impact(db, history[0], now=NOW)
        nothing = recent_impact(db, history[0], now=NOW + timedelta(days=40))
    assert summary.publishes == 1
    assert summary.describe() == (
        "1 publish in 30 days: resolution 50.0% → 83.3% (+33.3 pp, 10 sessions before, 12 after)"
    )
    assert nothing.describe() == "No flow published in the last 30 days."


def test_a_flow_of_another_account_has_no_impact(engine, history):
    with session_scope(engine) as db:
        assert flow_impact(db, make_account(db).id, history[1], now=NOW) == []


def test_interval_of_equal_rates_is_symmetric():
    assert change_interval(50, 100, 50, 100) == (-13.9, 13.9)
