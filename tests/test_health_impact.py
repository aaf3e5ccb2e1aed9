"""Impact of each publish: before/after windows of a flow's sessions (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import session_scope
from core.insights.impact import MIN_SESSIONS, WindowFigures, change_interval, flow_impact, recent_impact
from core.models import TreeVersion
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_session, make_tree
from tests.health_data import TO_S2, walk


def version(db, flow, number, days_ago):
    db.add(
        TreeVersion(
            tree_id=flow.id,
            account_id=flow.account_id,
            version=number,
            name=flow.name,
            tree_structure=OUTLOOK_TREE,
            created_at=NOW - timedelta(days=days_ago),
        )
    )


@pytest.fixture
def history(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account, version=2)
        other = make_tree(db, account, name="Another flow")
        version(db, flow, 1, 100)
        version(db, flow, 2, 20)
        # Version 2, before [NOW-50d, NOW-20d): 5 resolved (10..50 minutes), 4 escalated, 1 abandoned.
        for i, minutes in enumerate((10, 20, 30, 40, 50)):
            walk(db, account, flow, TO_S2, 21 + i, "resolved", duration_minutes=minutes)
        for i in range(4):
            walk(db, account, flow, TO_S2, 30 + i, "escalated")
        walk(db, account, flow, TO_S2, 49.9, "abandoned")
        walk(db, account, flow, TO_S2, 60, "resolved")  # before the before-window of version 2
        # Version 2, after [NOW-20d, NOW): 10 resolved (10..100 minutes, the first at the very publish), 2 escalated.
        for i in range(10):
            walk(db, account, flow, TO_S2, 20 if i == 0 else 19 - i, "resolved", duration_minutes=10 * (i + 1))
        walk(db, account, flow, TO_S2, 5, "escalated")
        walk(db, account, flow, TO_S2, 6, "escalated")
        walk(db, account, flow, TO_S2, 1, "active")  # not closed: no outcome
        # Version 1 (the new flow), before [NOW-130d, NOW-100d): unmatched sessions of its domain.
        for days, status in ((101, "resolved"), (110, "resolved"), (120, "escalated")):
            walk(db, account, None, [], days, status)
        walk(db, account, None, [], 105, "escalated", problem_domain="network")  # another domain
        walk(db, account, other, TO_S2, 105, "escalated")  # matched another flow
        # Version 1, after [NOW-100d, NOW-70d): two sessions of the flow.
        walk(db, account, flow, TO_S2, 90, "resolved", duration_minutes=15)
        walk(db, account, flow, TO_S2, 80, "resolved", duration_minutes=25)
        make_session(db, make_account(db), created_at=NOW - timedelta(days=10), matched_flow_id=None)
        ids = account.id, flow.id
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
