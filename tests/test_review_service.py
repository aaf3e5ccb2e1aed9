"""The review service on both databases: each decision's exact effect, and every refusal."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.auth import PermissionDenied
from core.db import make_session_factory, session_scope
from core.models import FlowProposal, Tree, TreeVersion
from core.review import decisions as review
from core.review import flows
from core.review.proposals import get_detail
from core.trees import InvalidTree, question_tree
from tests.factories import OUTLOOK_TREE, make_account, make_session, make_tree, make_user
from tests.review_helpers import (
    VPN_TREE,
    as_user,
    enhancement_proposal,
    new_flow_proposal,
    outlook_with_branch,
)


def _versions(db, flow_id):
    return db.execute(
        select(TreeVersion.version, TreeVersion.origin, TreeVersion.tree_structure)
        .where(TreeVersion.tree_id == flow_id)
        .order_by(TreeVersion.version)
    ).all()


def test_approve_new_flow_publishes_an_ai_generated_flow_with_version_1(db):
    account = make_account(db)
    admin = make_user(db, account, role="team_admin", name="Dana Lead")
    source = make_session(db, account, problem_domain="network")
    proposal = new_flow_proposal(db, account, source_session_id=source.id)
    db.commit()

    flow = review.approve(db, proposal.id, as_user(db, admin), notes="  Looks right  ")
    db.commit()

    db.refresh(proposal)
    assert proposal.status == "approved"
    assert proposal.reviewed_by == admin.id
    assert proposal.reviewed_at is not None
    assert proposal.reviewer_notes == "Looks right"
    assert proposal.published_flow_id == flow.id
    stored = db.get(Tree, flow.id)
    assert (stored.name, stored.origin, stored.version, stored.problem_domain) == (
        "VPN authentication failures",
        "ai_generated",
        1,
        "network",
    )
    assert stored.source_session_id == source.id
    assert stored.tree_structure == VPN_TREE
    assert stored.match_keywords == ["vpn", "authentication"]
    assert stored.is_published is True
    assert _versions(db, flow.id) == [(1, "ai_generated", VPN_TREE)]


def test_modify_new_flow_publishes_the_edited_tree_and_marks_it_modified(db):
    account = make_account(db)
    admin = make_user(db, account)
    proposal = new_flow_proposal(db, account)
    db.commit()
    edited = {**VPN_TREE, "question": "Does the VPN client say 'authentication failed' or 'access denied'?"}

    flow = review.modify(db, proposal.id, as_user(db, admin), edited, title="VPN sign-in failures")
    db.commit()

    db.refresh(proposal)
    assert proposal.status == "modified"
    assert proposal.published_flow_id == flow.id
    assert db.get(Tree, flow.id).name == "VPN sign-in failures"
    assert _versions(db, flow.id) == [(1, "ai_generated", edited)]


def test_enhancement_cannot_be_approved_blind(db):
    account = make_account(db)
    admin = make_user(db, account)
    target = make_tree(db, account)
    proposal = enhancement_proposal(db, account, target)
    db.commit()

    with pytest.raises(review.ApprovalNotAllowed, match="Edit & Publish"):
        review.approve(db, proposal.id, as_user(db, admin))
    db.rollback()
    assert db.get(FlowProposal, proposal.id).status == "pending"


def test_enhancement_edit_and_publish_writes_version_2_and_keeps_version_1(db):
    account = make_account(db)
    admin = make_user(db, account)
    target = make_tree(db, account, origin="manual")
    proposal = enhancement_proposal(db, account, target)
    db.commit()

    flow = review.modify(db, proposal.id, as_user(db, admin), outlook_with_branch())
    db.commit()

    assert flow.id == target.id
    db.refresh(target)
    assert (target.version, target.origin) == (2, "ai_enhanced")
    assert target.tree_structure == outlook_with_branch()
    # The flow had no history row (built by another tool): version 1 is recorded before it is replaced.
    assert _versions(db, target.id) == [(1, "manual", OUTLOOK_TREE), (2, "ai_enhanced", outlook_with_branch())]
    db.refresh(proposal)
    assert (proposal.status, proposal.published_flow_id) == ("modified", target.id)
    assert db.scalar(select(func.count()).select_from(Tree)) == 1


def test_stale_enhancement_needs_confirmation(db):
    account = make_account(db)
    admin = make_user(db, account)
    target = make_tree(db, account)
    proposal = enhancement_proposal(db, account, target, base_tree_version=1)
    db.commit()
    user = as_user(db, admin)
    flows.publish_version(db, user, target.id, OUTLOOK_TREE, change_note="Typo fix")
    db.commit()

    with pytest.raises(review.StaleBase, match="version 2 now, but this enhancement was proposed against version 1"):
        review.modify(db, proposal.id, user, outlook_with_branch())
    db.rollback()
    assert db.get(FlowProposal, proposal.id).status == "pending"
    assert db.get(Tree, target.id).version == 2

    review.modify(db, proposal.id, user, outlook_with_branch(), confirm_stale=True)
    db.commit()
    assert db.get(Tree, target.id).version == 3
    assert [v for v, _o, _t in _versions(db, target.id)] == [1, 2, 3]


@pytest.mark.parametrize("role", ["engineer", "analyst", "viewer"])
def test_non_admins_cannot_decide(db, role):
    account = make_account(db)
    user = make_user(db, account, role=role)
    proposal = new_flow_proposal(db, account)
    db.commit()

    for call in (
        lambda: review.approve(db, proposal.id, as_user(db, user)),
        lambda: review.dismiss(db, proposal.id, as_user(db, user)),
        lambda: review.reject(db, proposal.id, as_user(db, user), "bad"),
        lambda: review.modify(db, proposal.id, as_user(db, user), VPN_TREE),
    ):
        with pytest.raises(PermissionDenied, match="only team admins"):
            call()
    assert db.get(FlowProposal, proposal.id).status == "pending"
    assert db.scalar(select(func.count()).select_from(Tree)) == 0


def test_admin_of_another_account_cannot_decide_but_super_admin_can(db):
    home, other = make_account(db), make_account(db)
    outsider = make_user(db, other, role="owner")
    super_admin = make_user(db, other, role="engineer", is_super_admin=True)
    proposal = new_flow_proposal(db, home)
    db.commit()

    with pytest.raises(PermissionDenied, match="another account"):
        review.approve(db, proposal.id, as_user(db, outsider))
    db.rollback()
    flow = review.approve(db, proposal.id, as_user(db, super_admin))
    db.commit()
    # The flow lands in the proposal's account, not the super admin's own.
    assert db.get(Tree, flow.id).account_id == home.id


def test_second_decision_is_refused_with_who_and_when(db):
    account = make_account(db)
    first = make_user(db, account, name="Dana Lead")
    second = make_user(db, account, role="owner")
    proposal = new_flow_proposal(db, account)
    db.commit()
    review.reject(db, proposal.id, as_user(db, first), "Too vague")
    db.commit()
    decided_at = db.get(FlowProposal, proposal.id).reviewed_at

    with pytest.raises(review.ProposalNotPending) as refused:
        review.approve(db, proposal.id, as_user(db, second))
    assert str(refused.value) == (
        f"This proposal was already decided by Dana Lead at {decided_at:%Y-%m-%d %H:%M} UTC (status: rejected)."
    )
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Tree)) == 0


def test_invalid_tree_is_refused_with_the_validator_messages_and_nothing_changes(db):
    account = make_account(db)
    admin = make_user(db, account)
    broken = question_tree("Is it on?", {"Yes": "  "})
    proposal = new_flow_proposal(db, account, tree=broken)
    db.commit()

    with pytest.raises(InvalidTree) as refused:
        review.approve(db, proposal.id, as_user(db, admin))
    assert refused.value.errors == [
        "node 'q1': a question needs 2–5 options, it has 1",
        "node 's1': solution text is empty",
    ]
    db.rollback()
    with pytest.raises(InvalidTree):
        review.modify(db, proposal.id, as_user(db, admin), {**VPN_TREE, "children": []})
    db.rollback()
    assert db.get(FlowProposal, proposal.id).status == "pending"
    assert db.scalar(select(func.count()).select_from(Tree)) == 0


def test_dismiss_keeps_the_support_and_reject_keeps_the_reason(db):
    account = make_account(db)
    admin = make_user(db, account)
    parked = new_flow_proposal(db, account, supporting_session_count=4)
    bad = new_flow_proposal(db, account, title="Printer stuff")
    db.commit()

    review.dismiss(db, parked.id, as_user(db, admin))
    review.reject(db, bad.id, as_user(db, admin), reason="Steps are generic advice")
    db.commit()

    db.refresh(parked)
    db.refresh(bad)
    assert (parked.status, parked.dismissed_support, parked.reviewed_by) == ("dismissed", 4, admin.id)
    assert (bad.status, bad.reviewer_notes, bad.published_flow_id) == ("rejected", "Steps are generic advice", None)
    assert db.scalar(select(func.count()).select_from(Tree)) == 0


def test_bulk_dismiss_decides_the_pending_ones_and_reports_the_rest(db):
    account = make_account(db)
    admin = make_user(db, account, name="Dana Lead")
    a, b = new_flow_proposal(db, account), new_flow_proposal(db, account)
    done_before = new_flow_proposal(db, account, status="approved")
    db.commit()

    result = review.bulk(db, "dismiss", [a.id, b.id, done_before.id], as_user(db, admin))
    db.commit()

    assert result.done == [a.id, b.id]
    assert list(result.refused) == [done_before.id]
    assert "already decided by the flywheel" in result.refused[done_before.id]
    statuses = dict(db.execute(select(FlowProposal.id, FlowProposal.status)).all())
    assert statuses == {a.id: "dismissed", b.id: "dismissed", done_before.id: "approved"}


def test_two_reviewers_approving_at_once_publish_exactly_one_flow(pg_engine):
    with session_scope(pg_engine) as db:
        account = make_account(db)
        first = make_user(db, account, name="First Lead")
        second = make_user(db, account, name="Second Lead")
        proposal_id = new_flow_proposal(db, account).id
        users = [as_user(db, first), as_user(db, second)]

    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    factory = make_session_factory(pg_engine)

    def reviewer(user):
        with factory() as db:
            try:
                with db.begin():
                    db.get(FlowProposal, proposal_id)  # both read "pending" before either writes
                    barrier.wait(timeout=10)
                    review.approve(db, proposal_id, user)
                outcomes.append("published")
            except review.ProposalNotPending as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=reviewer, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes)[1] == "published"
    assert "already decided by" in sorted(outcomes)[0] and "(status: approved)" in sorted(outcomes)[0]
    with session_scope(pg_engine) as db:
        assert db.scalar(select(func.count()).select_from(Tree)) == 1
        assert db.scalar(select(func.count()).select_from(TreeVersion)) == 1
        stored = db.get(FlowProposal, proposal_id)
        assert stored.status == "approved"
        assert stored.published_flow_id is not None


def _later_version(db, user, target):
    """A later edit of the flow: the proposed branch is now in it, and the root question is reworded."""
    later = outlook_with_branch()
    later["question"] = "Does Outlook keep asking for the password?"
    flows.publish_version(db, user, target.id, later, change_note="Reworded")
    db.commit()


@pytest.mark.parametrize("decision", ["modify", "reject", "dismiss"])
def test_a_decided_enhancement_shows_its_diff_as_decided(db, decision):
    account = make_account(db)
    admin = as_user(db, make_user(db, account, name="Dana Lead"))
    target = make_tree(db, account)
    proposal = enhancement_proposal(db, account, target, base_tree_version=1)
    db.commit()
    if decision == "modify":
        review.modify(db, proposal.id, admin, outlook_with_branch())
    else:
        getattr(review, decision)(db, proposal.id, admin, "not now")
    db.commit()
    _later_version(db, admin, target)

    detail = get_detail(db, account.id, proposal.id)
    assert detail.diff["summary"] == [
        "Added branch 'Only on the phone' under 'Does Outlook prompt for credentials repeatedly?'"
    ]
    assert [a["id"] for a in detail.diff["added"]] == ["s4"]
    assert detail.diff["changed"] == [] and detail.diff["removed"] == []
    assert (detail.decided_version, detail.target_version, detail.is_stale) == (
        1,
        3 if decision == "modify" else 2,
        False,
    )


def test_a_pending_enhancement_is_compared_with_the_flow_as_it_is_now(db):
    account = make_account(db)
    admin = as_user(db, make_user(db, account, name="Dana Lead"))
    target = make_tree(db, account)
    proposal = enhancement_proposal(db, account, target, base_tree_version=1)
    db.commit()
    _later_version(db, admin, target)
    detail = get_detail(db, account.id, proposal.id)
    assert detail.diff["summary"] == ["Changed question of 'Does Outlook prompt for credentials repeatedly?'"]
    assert (detail.decided_version, detail.is_stale) == (None, True)
