"""Dashboard metrics: exact values on a small hand-built dataset, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.insights.analytics import InvalidPeriod, dashboard, is_empty, trend
from core.insights.rollups import refresh_rollups
from core.models import FlowProposal, PSAConnection, PSAPush
from core.sqlfiles import check_all
from tests.factories import make_account, make_session, make_tree

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def _steps(n: int) -> list[dict]:
    return [{"step_type": "question", "content": {"question": f"Q{i}"}} for i in range(n)]


def _proposal(db, account, status, reviewed_at=None, created_at=NOW - DAY):
    db.add(
        FlowProposal(
            account_id=account.id,
            proposal_type="new_flow",
            status=status,
            title=f"{status} proposal",
            reviewed_at=reviewed_at,
            created_at=created_at,
        )
    )


def _push(db, account, session, *, status, attempts, first_ok, hours):
    db.add(
        PSAPush(
            account_id=account.id,
            session_id=session.id,
            ticket_id=session.psa_ticket_id or "T?",
            hours=hours,
            attempts=attempts,
            first_attempt_ok=first_ok,
            status=status,
        )
    )


@pytest.fixture(params=["raw", "rollups"])
def workspace(request, db):
    """Account A (with a PSA) holds the metric cases; B's sessions must never count; C has no PSA and no data."""
    a, b, c = make_account(db, "A"), make_account(db, "B"), make_account(db, "C")
    db.add(PSAConnection(account_id=a.id, provider="connectwise"))
    db.add(PSAConnection(account_id=b.id, provider="autotask"))
    # current period of 7 days: [NOW - 7d, NOW)
    s1 = make_session(
        db,
        a,
        created_at=datetime(2026, 11, 18, 23, 45, tzinfo=timezone.utc),  # resolved after midnight UTC: day 11-19
        duration_minutes=30,
        rating=5,
        psa_ticket_id="T1",
        steps=_steps(3),
    )
    s2 = make_session(
        db, a, created_at=NOW - 2 * DAY, duration_minutes=60, rating=3, confidence_tier="exploring", steps=_steps(5)
    )
    s3 = make_session(
        db,
        a,
        status="escalated",
        problem_domain="networking",
        created_at=NOW - 3 * DAY,
        duration_minutes=45,
        psa_ticket_id="T3",
        steps=_steps(2),
    )
    make_session(
        db,
        a,
        status="abandoned",
        problem_domain=None,
        confidence_tier="discovery",
        created_at=NOW - DAY,
        duration_minutes=10,
        steps=_steps(1),
    )
    s5 = make_session(
        db,
        a,
        problem_domain=None,
        confidence_tier="discovery",
        created_at=NOW - 2 * DAY,
        duration_minutes=90,
        rating=4,
        psa_ticket_id="T5",
    )
    make_session(db, a, status="active", problem_domain="networking", created_at=NOW - timedelta(hours=1))
    make_session(db, a, created_at=NOW - 7 * DAY, duration_minutes=20, steps=_steps(2))  # first instant: counts
    make_session(db, a, created_at=NOW, duration_minutes=5)  # the end is excluded
    # previous period [NOW - 14d, NOW - 7d)
    p1 = make_session(db, a, created_at=NOW - 8 * DAY, duration_minutes=40, rating=2, steps=_steps(4))
    make_session(db, a, status="escalated", created_at=NOW - 10 * DAY, duration_minutes=20)
    make_session(db, a, created_at=NOW - 20 * DAY, duration_minutes=500, rating=1)  # outside both periods
    # another account's sessions, flows and proposals, inside the period
    b1 = make_session(db, b, created_at=NOW - DAY, duration_minutes=1000, rating=1, psa_ticket_id="B1")
    _push(db, b, b1, status="failed", attempts=3, first_ok=False, hours=9)
    make_tree(db, b, origin="ai_generated")
    _proposal(db, b, "pending")

    make_tree(db, a, problem_domain="exchange")
    make_tree(db, a, problem_domain="exchange", origin="ai_generated")
    make_tree(db, a, problem_domain="vpn", origin="ai_enhanced")
    make_tree(db, a, problem_domain="printers", is_published=False)
    _proposal(db, a, "pending")
    _proposal(db, a, "pending", created_at=NOW - 60 * DAY)
    _proposal(db, a, "approved", reviewed_at=NOW - DAY)
    _proposal(db, a, "modified", reviewed_at=NOW - 2 * DAY)
    _proposal(db, a, "approved", reviewed_at=NOW - 10 * DAY)
    _proposal(db, a, "rejected", reviewed_at=NOW - 3 * DAY)
    _proposal(db, a, "dismissed", reviewed_at=NOW - DAY)
    _proposal(db, a, "auto_reinforced", reviewed_at=NOW - DAY)

    _push(db, a, s1, status="succeeded", attempts=1, first_ok=True, hours=0.5)
    _push(db, a, s3, status="succeeded", attempts=3, first_ok=False, hours=0.75)  # failed twice, then succeeded
    _push(db, a, s5, status="failed", attempts=4, first_ok=False, hours=1.0)
    _push(db, a, s2, status="pending", attempts=0, first_ok=True, hours=2.0)  # not attempted yet: not a push
    _push(db, a, p1, status="succeeded", attempts=1, first_ok=True, hours=1.0)
    db.commit()
    if request.param == "rollups":
        # whole days come from the daily rollups, the partial edge days from the raw rows: same answers
        for account in (a, b, c):
            refresh_rollups(db, account.id, NOW)
        db.commit()
    return a, b, c


def test_kpis_current_and_previous_period(db, workspace):
    a, _, _ = workspace
    data = dashboard(db, a.id, 7, NOW)
    assert data["kpis"] == {
        "total_sessions": 7,
        "resolved_sessions": 4,
        "escalated_sessions": 1,
        "abandoned_sessions": 1,
        "closed_sessions": 6,
        "resolution_rate": 66.67,
        "mttr_minutes": 50.0,
        "avg_steps_to_resolution": 2.5,
        "avg_session_duration_minutes": 42.5,
        "avg_rating": 4.0,
        "rated_sessions": 3,
        "ticket_linked_sessions": 3,
        "mttr_median_minutes": 45.0,  # resolved in 20, 30, 60 and 90 min
        "mttr_p90_minutes": 81.0,  # 60 + 0.7 x 30
    }
    assert data["previous_kpis"] == {
        "total_sessions": 2,
        "resolved_sessions": 1,
        "escalated_sessions": 1,
        "abandoned_sessions": 0,
        "closed_sessions": 2,
        "resolution_rate": 50.0,
        "mttr_minutes": 40.0,
        "avg_steps_to_resolution": 4.0,
        "avg_session_duration_minutes": 30.0,
        "avg_rating": 2.0,
        "rated_sessions": 1,
        "ticket_linked_sessions": 0,
        "mttr_median_minutes": None,  # current period only
        "mttr_p90_minutes": None,
    }
    assert (data["start"], data["end"], data["previous_start"]) == (
        "2026-11-13T12:00:00+00:00",
        "2026-11-20T12:00:00+00:00",
        "2026-11-06T12:00:00+00:00",
    )
    assert trend(data["kpis"]["resolution_rate"], data["previous_kpis"]["resolution_rate"]) == 16.67


def test_mttr_trend_per_utc_day_of_resolution(db, workspace):
    a, _, _ = workspace
    assert dashboard(db, a.id, 7, NOW)["mttr_trend"] == [
        {"day": "2026-11-13", "sessions": 1, "mttr_minutes": 20.0},
        {"day": "2026-11-18", "sessions": 2, "mttr_minutes": 75.0},
        {"day": "2026-11-19", "sessions": 1, "mttr_minutes": 30.0},
    ]


def test_domains_with_null_as_unclassified_and_tiers(db, workspace):
    a, _, _ = workspace
    data = dashboard(db, a.id, 7, NOW)
    assert data["sessions_by_domain"] == [
        {"domain": "exchange", "sessions": 3, "resolved": 3, "escalated": 0, "resolution_rate": 100.0},
        {"domain": "networking", "sessions": 2, "resolved": 0, "escalated": 1, "resolution_rate": 0.0},
        {"domain": "unclassified", "sessions": 2, "resolved": 1, "escalated": 0, "resolution_rate": 50.0},
    ]
    assert data["confidence_breakdown"] == [
        {"tier": "guided", "sessions": 4, "resolved": 2, "escalated": 1, "resolution_rate": 66.67},
        {"tier": "exploring", "sessions": 1, "resolved": 1, "escalated": 0, "resolution_rate": 100.0},
        {"tier": "discovery", "sessions": 2, "resolved": 1, "escalated": 0, "resolution_rate": 50.0},
    ]


def test_knowledge_coverage(db, workspace):
    a, _, _ = workspace
    assert dashboard(db, a.id, 7, NOW)["knowledge_coverage"] == {
        "published_flows": 3,
        "ai_flows": 2,
        "pending_proposals": 2,
        "approved_proposals": 2,
        "rejected_proposals": 1,
        "domains": [
            {"domain": "exchange", "flow_count": 2, "session_count": 3, "guided_rate": 66.67},
            {"domain": "networking", "flow_count": 0, "session_count": 2, "guided_rate": 100.0},
            {"domain": "unclassified", "flow_count": 0, "session_count": 2, "guided_rate": 0.0},
            {"domain": "vpn", "flow_count": 1, "session_count": 0, "guided_rate": 0.0},
        ],
    }


def test_psa_counts_each_push_once(db, workspace):
    a, _, _ = workspace
    assert dashboard(db, a.id, 7, NOW)["psa_metrics"] == {
        "ticket_link_rate": 42.86,
        "pushes": 3,
        "auto_push_success_rate": 33.33,
        "pushes_failed_first": 2,
        "auto_push_retry_success_rate": 50.0,
        "auto_push_eventual_success_rate": 66.67,
        "time_entries_logged": 2,
        "hours_logged": 1.25,
        "previous": {
            "ticket_link_rate": 0.0,
            "pushes": 1,
            "auto_push_success_rate": 100.0,
            "pushes_failed_first": 0,
            "auto_push_retry_success_rate": 0.0,
            "auto_push_eventual_success_rate": 100.0,
            "time_entries_logged": 1,
            "hours_logged": 1.0,
        },
    }


def test_account_without_psa_or_sessions(db, workspace):
    _, _, c = workspace
    data = dashboard(db, c.id, 30, NOW)
    assert "psa_metrics" not in data
    assert is_empty(data)
    kpis = data["kpis"]
    assert (kpis["total_sessions"], kpis["resolution_rate"], kpis["mttr_minutes"], kpis["avg_rating"]) == (
        0,
        0.0,
        None,
        None,
    )
    assert data["mttr_trend"] == [] and data["sessions_by_domain"] == []
    assert [t["sessions"] for t in data["confidence_breakdown"]] == [0, 0, 0]


def test_longer_period_takes_older_sessions(db, workspace):
    a, _, _ = workspace
    kpis = dashboard(db, a.id, 30, NOW)["kpis"]
    # 7 current + 2 previous-of-7d + the one 20 days back
    assert (kpis["total_sessions"], kpis["resolved_sessions"], kpis["avg_rating"]) == (10, 6, 3.0)


def test_unknown_period_is_refused(db, workspace):
    a, _, _ = workspace
    with pytest.raises(InvalidPeriod, match="7, 30, 90"):
        dashboard(db, a.id, 14, NOW)


def test_every_query_file_is_well_formed():
    assert check_all() == []
