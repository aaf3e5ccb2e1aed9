"""Exploring the dashboard: MTTR median and p90, a domain filter and a custom date range, on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core.insights.analytics import InvalidPeriod, dashboard, percentile, range_bounds
from core.insights.rollups import refresh_rollups
from core.models import PSAConnection
from tests.factories import make_account, make_session
from tests.test_analytics import _push

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


@pytest.fixture(params=["raw", "rollups"])
def workspace(request, db):
    """Account A: five resolved vpn sessions of 10, 20, 30, 40 and 100 min, two printers sessions (one resolved in
    3 days, one escalated) and one abandoned unclassified session, all in the last 7 days; B's never count."""
    a, b = make_account(db, "A"), make_account(db, "B")
    db.add(PSAConnection(account_id=a.id, provider="connectwise"))
    for i, minutes in enumerate((40, 10, 100, 30, 20)):
        make_session(db, a, problem_domain="vpn", created_at=NOW - (i + 1) * DAY, duration_minutes=minutes)
    slow = make_session(db, a, problem_domain="printers", created_at=NOW - 6 * DAY, duration_minutes=3 * 24 * 60)
    make_session(db, a, problem_domain="printers", status="escalated", created_at=NOW - 2 * DAY)
    make_session(db, a, problem_domain=None, status="abandoned", created_at=NOW - 3 * DAY, duration_minutes=5)
    # previous 7 days: one vpn session of 60 min
    make_session(db, a, problem_domain="vpn", created_at=NOW - 10 * DAY, duration_minutes=60)
    for minutes in (1, 1, 1):
        make_session(db, b, problem_domain="vpn", created_at=NOW - DAY, duration_minutes=minutes)
    # one push that failed first and then succeeded, one that succeeded at once, one that never did
    for status, attempts, first_ok in (("succeeded", 2, False), ("succeeded", 1, True), ("failed", 3, False)):
        _push(db, a, slow, status=status, attempts=attempts, first_ok=first_ok, hours=1.0)
    db.flush()
    if request.param == "rollups":
        refresh_rollups(db, a.id, NOW)
    return a


def test_mttr_median_and_p90_beside_the_mean(db, workspace):
    kpis = dashboard(db, workspace.id, 7, NOW)["kpis"]
    # resolved: 10, 20, 30, 40, 100 and 4320 minutes
    assert kpis["mttr_minutes"] == 753.33
    assert kpis["mttr_median_minutes"] == 35.0
    assert kpis["mttr_p90_minutes"] == 2210.0  # position 4.5: halfway between 100 and 4320


def test_a_domain_narrows_every_figure(db, workspace):
    data = dashboard(db, workspace.id, 7, NOW, domain="vpn")
    kpis = data["kpis"]
    assert kpis["total_sessions"] == 5
    assert (kpis["mttr_minutes"], kpis["mttr_median_minutes"], kpis["mttr_p90_minutes"]) == (40.0, 30.0, 76.0)
    assert data["previous_kpis"]["mttr_median_minutes"] is None  # current period only
    assert [d["domain"] for d in data["sessions_by_domain"]] == ["vpn"]
    assert [(p["day"], p["mttr_minutes"]) for p in data["mttr_trend"]] == [
        ("2026-11-15", 20.0),
        ("2026-11-16", 30.0),
        ("2026-11-17", 100.0),
        ("2026-11-18", 10.0),
        ("2026-11-19", 40.0),
    ]
    unclassified = dashboard(db, workspace.id, 7, NOW, domain="unclassified")["kpis"]
    assert (unclassified["total_sessions"], unclassified["abandoned_sessions"]) == (1, 1)
    assert unclassified["mttr_median_minutes"] is None


def test_counts_averages_and_eventual_push_success(db, workspace):
    data = dashboard(db, workspace.id, 7, NOW)
    kpis = data["kpis"]
    assert (kpis["escalated_sessions"], kpis["abandoned_sessions"]) == (1, 1)
    assert kpis["avg_session_duration_minutes"] == round((10 + 20 + 30 + 40 + 100 + 4320 + 20 + 5) / 8, 2)
    psa = data["psa_metrics"]
    assert (psa["auto_push_success_rate"], psa["auto_push_eventual_success_rate"]) == (33.33, 66.67)


def test_a_custom_range_and_its_previous_period(db, workspace):
    data = dashboard(db, workspace.id, None, NOW, days=(date(2026, 11, 16), date(2026, 11, 18)))
    assert data["period_days"] == 3
    assert (data["start"], data["end"]) == ("2026-11-16T00:00:00+00:00", "2026-11-19T00:00:00+00:00")
    assert data["previous_start"] == "2026-11-13T00:00:00+00:00"
    kpis = data["kpis"]
    # vpn of 30, 100 and 10 min, the escalated printers session and the abandoned one
    assert (kpis["total_sessions"], kpis["resolved_sessions"]) == (5, 3)
    assert kpis["mttr_median_minutes"] == 30.0
    assert data["previous_kpis"]["total_sessions"] == 2  # the vpn of 20 min and the slow printers session


def test_a_range_reaching_today_ends_now():
    assert range_bounds(date(2026, 11, 20), date(2026, 11, 20), NOW)[2] == NOW


@pytest.mark.parametrize(
    "first, last, message",
    [
        (date(2026, 11, 18), date(2026, 11, 10), "The start date 2026-11-18 is after the end date 2026-11-10."),
        (date(2025, 1, 1), date(2026, 11, 1), "A date range may span at most 366 days, not 670."),
        (date(2026, 12, 1), date(2026, 12, 2), "The range starts on 2026-12-01, after today: it holds no session yet."),
    ],
)
def test_a_bad_range_is_refused_with_its_reason(first, last, message):
    with pytest.raises(InvalidPeriod) as error:
        range_bounds(first, last, NOW)
    assert str(error.value) == message


def test_percentile_of_one_and_of_none():
    assert percentile([{"position": 0, "total": 1, "minutes": 12.5}], 90) == 12.5
    assert percentile([], 50) is None


def test_a_percentile_on_an_exact_rank_reads_only_that_rank():
    # 381 sessions: 380 x 0.9 is rank 342 exactly, so the query returns that rank and not the one above it.
    ranks = [{"position": 190, "total": 381, "minutes": 30.0}, {"position": 342, "total": 381, "minutes": 75.0}]
    assert (percentile(ranks, 50), percentile(ranks, 90)) == (30.0, 75.0)


def test_median_and_p90_of_many_sessions_on_the_database(db):
    account = make_account(db, "Many")
    for i in range(381):  # 1, 2, ... 381 minutes
        make_session(db, account, created_at=NOW - DAY, duration_minutes=i + 1)
    kpis = dashboard(db, account.id, 7, NOW)["kpis"]
    assert (kpis["mttr_median_minutes"], kpis["mttr_p90_minutes"]) == (191.0, 343.0)
