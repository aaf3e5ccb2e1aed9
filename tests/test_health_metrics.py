"""Knowledge health measures on a small hand-made workspace (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import session_scope
from core.insights.health import knowledge_health
from core.models import FlowProposal, LLMUsage
from tests.factories import NOW, make_account, make_tree
from tests.health_data import TO_S1, walk

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def proposal(db, account, status, *, created=NOW - 5 * DAY, reviewed=None, generator="offline rules", **kw):
    row = FlowProposal(
        account_id=account.id,
        proposal_type=kw.pop("proposal_type", "new_flow"),
        status=status,
        title=f"{status} proposal",
        generator=generator,
        created_at=created,
        updated_at=created,
        reviewed_at=reviewed,
        **kw,
    )
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def workspace(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        old = NOW - 200 * DAY
        outlook = make_tree(db, account, name="Outlook", created_at=old)
        vpn = make_tree(db, account, name="VPN", problem_domain="network", created_at=old)
        printer = make_tree(db, account, name="Printer", problem_domain="printing", created_at=old)
        printer.last_matched_at = NOW - 120 * DAY
        make_tree(db, account, name="Brand new", created_at=NOW - 10 * DAY)
        retired = make_tree(db, account, name="Retired", created_at=old, is_published=False)
        for day in (1, 2, 3, 4):
            walk(db, account, outlook, TO_S1, day, "resolved")
        walk(db, account, vpn, [], 2, "resolved")
        walk(db, account, vpn, [], 3, "escalated")
        walk(db, account, vpn, [], 40, "resolved")  # matched in 90 days, outside the period
        walk(db, account, printer, [], 120, "resolved")  # the printer flow's last match
        walk(db, account, retired, [], 120, "resolved")
        walk(db, account, outlook, [], 1, "active")  # not closed
        source = walk(db, account, None, [], 5, "resolved", confidence_tier="discovery")
        walk(db, account, None, [], 6, "resolved", confidence_tier="discovery")
        walk(db, account, None, [], 7, "abandoned", confidence_tier="exploring")
        walk(db, make_account(db), None, [], 2, "resolved")  # another account
        # Published: 24 h from the first session, and 48 h from the proposal (no source session) -> median 36 h.
        p1 = proposal(
            db,
            account,
            "approved",
            reviewed=NOW - 4 * DAY,
            source_session_id=source.id,
            generator="claude-sonnet-4-5",
            model_calls=1,
        )
        source.analysis_proposal_id = p1.id
        proposal(db, account, "modified", created=NOW - 3 * DAY, reviewed=NOW - 1 * DAY)
        proposal(db, account, "approved", created=NOW - 50 * DAY, reviewed=NOW - 40 * DAY)  # decided before
        proposal(db, account, "rejected", reviewed=NOW - 2 * DAY, generator="claude-sonnet-4-5", model_calls=2)
        proposal(db, account, "dismissed", reviewed=NOW - 2 * DAY)
        # A re-review answered by retiring its flow publishes nothing and costs nothing.
        proposal(db, account, "approved", reviewed=NOW - 1 * DAY, proposal_type="review", generator="drift check")
        for hours in (10, 30, 50):
            proposal(db, account, "pending", created=NOW - hours * HOUR)
        proposal(db, account, "auto_reinforced", created=NOW - 100 * HOUR, generator="none (auto-reinforced)")
        db.add(
            LLMUsage(account_id=account.id, day=(NOW - 2 * DAY).date(), calls=3, input_tokens=1000, output_tokens=500)
        )
        db.add(LLMUsage(account_id=account.id, day=(NOW - 40 * DAY).date(), calls=10, input_tokens=9, output_tokens=9))
        account_id = account.id
    return account_id


def health(engine, account_id, days=30):
    with session_scope(engine) as db:
        return knowledge_health(db, account_id, days, NOW)


def test_link_and_reuse_rates_and_new_vs_known(engine, workspace):
    h = health(engine, workspace)
    assert (h.closed, h.linked, h.resolved, h.reused) == (9, 7, 7, 5)
    assert (h.link_rate, h.reuse_rate) == (77.8, 71.4)
    assert h.tiers == {"guided": 6, "exploring": 1, "discovery": 2}


def test_time_to_publish_and_the_review_backlog(engine, workspace):
    h = health(engine, workspace)
    assert (h.published, h.time_to_publish_hours) == (2, 36.0)
    assert (h.pending, h.backlog_median_hours, h.backlog_oldest_hours) == (3, 30.0, 50.0)


def test_pareto_of_flows_by_reuse(engine, workspace):
    h = health(engine, workspace)
    assert [(r["flow"], r["reuse"], r["cumulative %"]) for r in h.pareto] == [
        ("Outlook", 4, 80.0),
        ("VPN", 1, 100.0),
        ("Brand new", 0, 100.0),
        ("Printer", 0, 100.0),
    ]
    assert (h.carrying_flows, h.flows, h.carrying_share) == (1, 4, 25.0)


def test_flows_not_matched_in_90_days_leave_out_young_and_retired_flows(engine, workspace):
    h = health(engine, workspace)
    assert h.stale_flows == [
        {"flow": "Printer", "domain": "printing", "published since": "2026-05-04", "last matched": "2026-07-23"}
    ]


def test_cost_per_approved_proposal(engine, workspace):
    cost = health(engine, workspace).cost
    assert (cost.calls, cost.tokens, cost.approved, cost.turned_down) == (3, 1500, 2, 2)
    assert (cost.calls_per_approved, cost.tokens_per_approved) == (1.5, 750.0)
    assert (cost.model_approved, cost.model_turned_down, cost.turned_down_share) == (1, 1, 50.0)
    assert (cost.calls_on_approved, cost.calls_on_turned_down) == (1, 2)


def test_a_longer_period_and_an_empty_account(engine, workspace):
    h = health(engine, workspace, days=90)
    assert (h.closed, h.reused, h.published) == (10, 6, 3)
    assert h.cost.calls == 13
    with session_scope(engine) as db:
        empty = knowledge_health(db, make_account(db).id, 30, NOW)
    assert (empty.link_rate, empty.reuse_rate, empty.time_to_publish_hours, empty.carrying_share) == (None,) * 4
    assert empty.cost.calls_per_approved is None


def test_a_period_the_page_does_not_offer_is_refused(engine, workspace):
    with pytest.raises(ValueError, match="7, 30, 90"):
        health(engine, workspace, days=14)
