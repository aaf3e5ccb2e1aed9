"""Drift → re-review: the test, the review proposal the hourly check opens, and what a reviewer can do with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from core.auth import load_user
from core.db import session_scope
from core.enums import ProposalStatus, ProposalType
from core.flywheel.plan import plan_session
from core.insights.drift import Drift, check_all_accounts, flow_drifts, open_drift_reviews
from core.models import AISession, FlowProposal, Tree, TreeVersion
from core.review import decisions
from core.review.flows import list_flows
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_tree, make_user
from tests.health_data import ESCALATION, TO_S1, TO_S2, action, q, walk


def history(db, account, flow, earlier, recent, *, failing_recent=()):
    """``earlier`` = (sessions, resolved) in days 31..120 before NOW, ``recent`` the same in the last 30 days;
    ``failing_recent`` the paths of the recent failures (cycled)."""
    for i in range(earlier[0]):
        walk(db, account, flow, TO_S1, 31 + (i % 89), "resolved" if i < earlier[1] else "escalated")
    failures = list(failing_recent) or [(TO_S2, "escalated")]
    for i in range(recent[0]):
        if i < recent[1]:
            walk(db, account, flow, TO_S1, 1 + (i % 29), "resolved")
        else:
            steps, status = failures[i % len(failures)]
            walk(db, account, flow, steps, 1 + (i % 29), status)


@pytest.fixture
def desk(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        admin = make_user(db, account, "team_admin")
        drifting = make_tree(db, account, name="Outlook")
        stable = make_tree(db, account, name="Stable")
        small = make_tree(db, account, name="Small")
        retired = make_tree(db, account, name="Retired", is_published=False)
        failing = [
            (TO_S1[:2] + [q("q2", free_text="It only happens on the phone")], "abandoned"),
            ([q("q1", "Yes"), q("q2", "Yes"), action("a1"), ESCALATION], "escalated"),
        ]
        history(db, account, drifting, (100, 81), (40, 24), failing_recent=failing)
        history(db, account, stable, (30, 24), (25, 19))
        history(db, account, small, (10, 10), (5, 0))
        history(db, account, retired, (100, 81), (40, 24))
        ids = {"account": account.id, "admin": admin.id, "drifting": drifting.id, "stable": stable.id}
    return ids


def test_the_drift_test_on_each_flow(engine, desk):
    with session_scope(engine) as db:
        drifts = {d.flow_id: d for d in flow_drifts(db, desk["account"], NOW)}
    assert len(drifts) == 3  # the retired flow is not checked
    outlook = drifts[desk["drifting"]]
    assert (outlook.earlier_sessions, outlook.earlier_resolved, outlook.recent_sessions, outlook.recent_resolved) == (
        100,
        81,
        40,
        24,
    )
    assert round(outlook.z, 3) == 2.592 and round(outlook.p_value, 4) == 0.0048
    assert outlook.drifting
    assert not drifts[desk["stable"]].drifting
    assert [d.drifting for d in drifts.values()].count(True) == 1


def test_thresholds_minimum_count_and_minimum_drop():
    assert not Drift(uuid_of(1), 19, 19, 40, 0).drifting  # 19 earlier sessions: too few
    assert not Drift(uuid_of(2), 2000, 1000, 2000, 820).drifting  # z = 11.4, but only 9 points down
    assert Drift(uuid_of(3), 20, 20, 20, 10).drifting


def uuid_of(n):
    return uuid.UUID(int=n)


def test_the_hourly_check_opens_one_review_with_where_sessions_leave(engine, desk):
    assert check_all_accounts(engine, NOW) == 1
    assert check_all_accounts(engine, NOW) == 0  # still pending: not opened twice
    with session_scope(engine) as db:
        review = db.scalar(select(FlowProposal).where(FlowProposal.proposal_type == ProposalType.REVIEW))
        assert review.title == "Flow drifting: resolution 81 % → 60 %"
        assert (review.status, review.target_flow_id, review.generator) == ("pending", desk["drifting"], "drift check")
        assert (review.supporting_session_count, review.confidence_score, review.base_tree_version) == (40, 0.99, 1)
        assert review.proposed_flow_data["tree_structure"] == OUTLOOK_TREE
        exits = review.proposed_flow_data["drift"]["exits"]
        assert [(e["node_id"], e["free_text"], e["escalated"], e["abandoned"]) for e in exits] == [
            ("q2", 8, 0, 8),
            ("a1", 0, 8, 0),
        ]
        assert "- q2 “Is Modern Authentication enabled for the tenant?”: 8 free text, 8 abandoned" in review.description
        assert review.description.startswith(
            "'Outlook' resolved 81 of 100 closed sessions (81%) in the 90 days before the last 30, and 24 of 40 (60%) "
            "in the last 30 days: z = 2.59, one-sided p = 0.0048."
        )


def open_review(engine, desk):
    with session_scope(engine) as db:
        (review,) = open_drift_reviews(db, desk["account"], NOW)
        review_id = review.id
    return review_id


def test_a_dismissed_review_stays_quiet_for_the_recent_window(engine, desk):
    review_id = open_review(engine, desk)
    with session_scope(engine) as db:
        decisions.dismiss(db, review_id, load_user(db, desk["admin"]))
    with session_scope(engine) as db:
        assert open_drift_reviews(db, desk["account"], NOW) == []
        assert db.scalar(select(func.count()).select_from(FlowProposal)) == 1


def test_retiring_the_flow_stops_matching_and_keeps_history(engine, desk):
    review_id = open_review(engine, desk)
    with session_scope(engine) as db:
        flow = decisions.retire_flow(db, review_id, load_user(db, desk["admin"]), notes="Replaced by the MFA flow")
        assert flow.is_published is False
    with session_scope(engine) as db:
        review = db.get(FlowProposal, review_id)
        assert (review.status, review.reviewer_notes) == ("approved", "Retired the flow. Replaced by the MFA flow")
        assert [f.name for f in list_flows(db, desk["account"])] == ["Small", "Stable"]
        kept = db.scalar(select(func.count()).where(AISession.matched_flow_id == desk["drifting"]))
        assert kept == 140
        # The flywheel no longer sees the retired flow behind a session that still names it.
        session = db.scalar(select(AISession).where(AISession.matched_flow_id == desk["drifting"]).limit(1))
        assert plan_session(db, session).flow is None
        # Retired flows are not checked again.
        assert open_drift_reviews(db, desk["account"], NOW) == []


def test_editing_the_flow_from_a_review_publishes_its_next_version(engine, desk):
    review_id = open_review(engine, desk)
    edited = {**OUTLOOK_TREE, "question": "Does Outlook (desktop or phone) prompt for credentials repeatedly?"}
    with session_scope(engine) as db:
        flow = decisions.modify(db, review_id, load_user(db, desk["admin"]), edited)
        assert (flow.id, flow.version, flow.origin) == (desk["drifting"], 2, "manual")
    with session_scope(engine) as db:
        assert db.get(FlowProposal, review_id).status == ProposalStatus.MODIFIED
        notes = list(db.scalars(select(TreeVersion.change_note).where(TreeVersion.tree_id == desk["drifting"])))
        assert "Re-reviewed after proposal 'Flow drifting: resolution 81 % → 60 %'" in notes
        assert db.get(Tree, desk["drifting"]).tree_structure == edited


def test_only_a_review_retires_a_flow(engine, desk):
    with session_scope(engine) as db:
        other = FlowProposal(
            account_id=desk["account"], proposal_type="enhancement", title="x", target_flow_id=desk["stable"]
        )
        db.add(other)
        db.flush()
        with pytest.raises(decisions.ApprovalNotAllowed, match="Only a review"):
            decisions.retire_flow(db, other.id, load_user(db, desk["admin"]))


def test_the_worker_hourly_pass_opens_the_review_even_when_another_refresh_fails(engine, desk, monkeypatch, caplog):
    from jobs import worker

    monkeypatch.setattr(worker, "HOURLY", (("broken refresh", "core.no_such_module", "run", "n"), *worker.HOURLY))
    worker.hourly_job(engine, clock=lambda: NOW)
    assert "broken refresh failed" in caplog.text
    with session_scope(engine) as db:
        titles = list(db.scalars(select(FlowProposal.title).where(FlowProposal.proposal_type == "review")))
    assert titles == ["Flow drifting: resolution 81 % → 60 %"]
