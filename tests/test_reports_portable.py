"""The report that used to have one file per database (proposal review turnaround, now written with
minutes_between) gives the same exact numbers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from core.models import FlowProposal
from core.reports.catalog import catalogue, run_report
from tests.factories import make_account

TODAY = date(2026, 11, 21)
LIMITS = {"timeout_ms": 5000, "row_cap": 100}
CREATED = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)


def proposal(db, account, kind, status, waited: timedelta | None, created=CREATED):
    db.add(
        FlowProposal(
            account_id=account.id,
            proposal_type=kind,
            status=status,
            title=f"{kind} {status}",
            created_at=created,
            reviewed_at=created + waited if waited is not None else None,
        )
    )


def test_proposal_review_turnaround_exact(engine, db):
    contoso, fabrikam = make_account(db, "Contoso MSP"), make_account(db, "Fabrikam IT")
    proposal(db, contoso, "new_flow", "approved", timedelta(minutes=90))
    proposal(db, contoso, "new_flow", "rejected", timedelta(minutes=45))
    proposal(db, contoso, "enhancement", "dismissed", timedelta(hours=3))
    proposal(db, contoso, "enhancement", "modified", timedelta(hours=1, seconds=54))  # 1.015 h
    proposal(db, contoso, "new_flow", "auto_reinforced", timedelta(hours=50))  # never waited for a person
    proposal(db, contoso, "new_flow", "pending", None)
    proposal(
        db, contoso, "new_flow", "approved", timedelta(hours=99), created=datetime(2026, 6, 1, tzinfo=timezone.utc)
    )
    proposal(db, fabrikam, "new_flow", "approved", timedelta(hours=7))
    db.commit()
    report = catalogue(engine).reports["proposal_review_turnaround"]
    result = run_report(engine, report, contoso.id, {}, today=TODAY, **LIMITS)
    assert result.rows == [
        {
            "proposal_type": "enhancement",
            "reviewed": 2,
            "published": 1,
            "rejected": 0,
            "dismissed": 1,
            "avg_hours": 2.0,  # (3 + 1.015) / 2 = 2.0075
            "max_hours": 3.0,
        },
        {
            "proposal_type": "new_flow",
            "reviewed": 2,
            "published": 1,
            "rejected": 1,
            "dismissed": 0,
            "avg_hours": 1.1,  # (1.5 + 0.75) / 2 = 1.125
            "max_hours": 1.5,
        },
    ]
