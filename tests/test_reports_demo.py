"""Every shipped report on the demo workspace, on SQLite and PostgreSQL: the expected columns, real rows, and
counts that agree with the tables for the signed-in account only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.models import Account, AISession
from core.reports.catalog import catalogue, run_report
from demo import build_demo
from demo.build import MAIN_SLUG
from tests.test_reports_run import EXPECTED_COLUMNS

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
# Reports whose window (default 30 or 90 days) always holds demo data of the main account.
NON_EMPTY = {
    "engineer_resolution_rates",
    "escalations_by_domain_week",
    "free_text_escapes",
    "slowest_flows_by_mttr",
    "proposal_review_turnaround",
    "psa_push_failures",
}


def test_every_report_on_the_demo_workspace(engine, db):
    build_demo(engine, seed=11, now=NOW, scale=0.1)
    accounts = db.scalars(select(Account).order_by(Account.slug)).all()
    assert MAIN_SLUG in [a.slug for a in accounts]
    found = catalogue(engine)
    assert found.broken == []
    today = NOW.date()
    for account in accounts:
        counts = {}
        for name, columns in EXPECTED_COLUMNS.items():
            result = run_report(engine, found.reports[name], account.id, {}, today=today, timeout_ms=5000, row_cap=5000)
            assert result.columns == columns, name
            counts[name] = len(result.rows)
            if name == "escalations_by_domain_week":
                since = datetime.combine(today - timedelta(days=90), datetime.min.time(), tzinfo=UTC)
                escalated = db.scalar(
                    select(func.count()).where(
                        AISession.account_id == account.id,
                        AISession.status == "escalated",
                        AISession.created_at >= since,
                    )
                )
                assert sum(r["escalations"] for r in result.rows) == escalated
        if account.slug == MAIN_SLUG:
            assert all(counts[name] > 0 for name in NON_EMPTY), counts
