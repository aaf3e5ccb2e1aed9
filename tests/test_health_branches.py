"""Gap → branch proposal: a weak-options gap's free-text answers become one enhancement proposal (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.auth import PermissionDenied, load_user
from core.db import session_scope
from core.insights.branches import BranchNotPossible, propose_branch
from core.insights.gaps import KnowledgeGap, store_report
from core.models import FlowProposal, utcnow
from core.review import decisions
from core.trees import find_node
from tests.factories import NOW, make_account, make_tree, make_user
from tests.health_data import walk
from tests.test_review_page import start

QUESTION = "Is Modern Authentication enabled for the tenant?"
GAP = KnowledgeGap(
    gap_type="weak_options",
    domain="exchange",
    severity="high",
    title=f"Weak options: “{QUESTION}”",
    description="",
    evidence={"signature": QUESTION.lower()},
)


def answered(answer, question=QUESTION, node="q2"):
    return [
        {"step_type": "question", "flow_node_id": "q1", "selected_option": "Yes", "content": {"question": "Prompts?"}},
        {
            "step_type": "question",
            "flow_node_id": node,
            "was_free_text": True,
            "free_text_input": answer,
            "content": {"question": question},
        },
    ]


@pytest.fixture
def gap_desk(engine):
    with session_scope(engine) as db:
        account = make_account(db)
        admin = make_user(db, account, "team_admin")
        engineer = make_user(db, account, "engineer")
        flow = make_tree(db, account)
        other = make_tree(db, account, name="Other")
        for answer, status, fix in (
            ("Only on the phone", "resolved", "Re-add the account in Outlook mobile"),
            ("Only on the phone", "resolved", "Re-add the account in Outlook mobile"),
            ("Only on the phone", "resolved", "Reinstall the Outlook app"),
            ("only on the phone ", "abandoned", None),
            ("Shared mailbox only", "resolved", "Remove and re-add the shared mailbox"),
            ("Shared mailbox only", "escalated", None),
            ("Admin unreachable", "escalated", None),
            ("Printer offline", "resolved", "Restart the spooler"),
            ("yes", "resolved", "Nothing new"),  # already an option
        ):
            walk(db, account, flow, answered(answer), 3, status, resolution_summary=fix)
        walk(db, account, other, answered("Only on the phone"), 3, "resolved")  # fewer answers on the other flow
        walk(db, account, flow, answered("Something else", question="Another question?"), 3, "resolved")
        walk(db, account, flow, answered("Only on the phone"), 45, "resolved")  # before the gap's window
        ids = {"admin": admin.id, "engineer": engineer.id, "flow": flow.id}
    return ids


def test_the_most_common_answers_become_options_of_the_question(engine, gap_desk):
    with session_scope(engine) as db:
        proposal = propose_branch(db, load_user(db, gap_desk["admin"]), GAP, now=NOW)
        assert (proposal.proposal_type, proposal.status, proposal.target_flow_id) == (
            "enhancement",
            "pending",
            gap_desk["flow"],
        )
        assert proposal.title == f"Add 3 options to “{QUESTION}”"
        assert (proposal.supporting_session_count, proposal.confidence_score, proposal.base_tree_version) == (
            7,
            0.65,
            1,
        )
        q2 = find_node(proposal.proposed_flow_data["tree_structure"], "q2")
        assert [(c["id"], c["label"], c.get("solution")) for c in q2["children"][2:]] == [
            ("gap1", "Only on the phone", "Re-add the account in Outlook mobile"),
            ("gap2", "Shared mailbox only", "Remove and re-add the shared mailbox"),
            ("gap3", "Admin unreachable", "Describe the fix when the answer is: Admin unreachable"),
        ]
        assert proposal.proposed_diff["summary"][0] == "Added branch 'Only on the phone' under '" + QUESTION + "'"


def test_it_is_reviewed_like_any_enhancement_and_not_proposed_twice(engine, gap_desk):
    with session_scope(engine) as db:
        proposal_id = propose_branch(db, load_user(db, gap_desk["admin"]), GAP, now=NOW).id
    with session_scope(engine) as db, pytest.raises(BranchNotPossible, match="already pending"):
        propose_branch(db, load_user(db, gap_desk["admin"]), GAP, now=NOW)
    with session_scope(engine) as db:
        proposal = db.get(FlowProposal, proposal_id)
        flow = decisions.modify(
            db, proposal_id, load_user(db, gap_desk["admin"]), proposal.proposed_flow_data["tree_structure"]
        )
        assert (flow.version, len(find_node(flow.tree_structure, "q2")["children"])) == (2, 5)


def test_refusals_say_why(engine, gap_desk):
    with session_scope(engine) as db:
        with pytest.raises(PermissionDenied):
            propose_branch(db, load_user(db, gap_desk["engineer"]), GAP, now=NOW)
        admin = load_user(db, gap_desk["admin"])
        with pytest.raises(BranchNotPossible, match="Only a weak-options gap"):
            propose_branch(db, admin, KnowledgeGap("high_escalation", "exchange", "high", "t", "d"), now=NOW)
        with pytest.raises(BranchNotPossible, match="No free-text answer"):
            propose_branch(db, admin, GAP, now=NOW + timedelta(days=365))


def test_propose_branch_from_the_gaps_page(monkeypatch, engine):
    now = utcnow()
    with session_scope(engine) as db:
        account = make_account(db)
        admin = str(make_user(db, account, "team_admin").id)
        flow = make_tree(db, account)
        for answer in ("Only on the phone", "Only on the phone", "Shared mailbox only"):
            walk(db, account, flow, answered(answer), 2, "resolved", now, resolution_summary="Fixed")
        store_report(db, account.id, [GAP], now, lookback_days=30)
    app = start(monkeypatch, engine, page="views/knowledge_gaps.py", user=admin)
    app.button(key=f"gaps_branch_{GAP.key}").click().run()
    assert not app.exception
    assert [t.value for t in app.toast] == [f"Proposed 'Add 2 options to “{QUESTION}”' in the Review Queue."]
    app.button(key=f"gaps_branch_{GAP.key}").click().run()
    assert [w.value for w in app.warning] == [
        "No branch proposed: A branch proposal for this question is already pending in the Review Queue."
    ]
