"""A small hand-made history of the Outlook flow for the knowledge-health tests (paths, publishes, proposals)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.models import Account, AISession, Tree, TreeVersion
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_session, make_tree


def q(node: str, option: str | None = None, free_text: str | None = None) -> dict[str, Any]:
    """A question step on ``node``, answered with ``option`` or in free text."""
    if free_text is not None:
        return {"step_type": "question", "flow_node_id": node, "was_free_text": True, "free_text_input": free_text}
    return {"step_type": "question", "flow_node_id": node, "selected_option": option}


def action(node: str | None, result: str = "Done") -> dict[str, Any]:
    return {"step_type": "action", "flow_node_id": node, "action_result": result, "content": {"instructions": "x"}}


def solution(node: str) -> dict[str, Any]:
    return {"step_type": "resolution", "flow_node_id": node, "content": {"solution": "fixed"}}


NOTE = {"step_type": "note", "content": {"text": "called the user"}}
ESCALATION = {"step_type": "escalation", "content": {"reason": "needs tier 2"}}

# Paths through tests.factories.OUTLOOK_TREE: q1 -Yes-> q2 -Yes-> a1 -Done-> s1; q2 -No-> s2; q1 -No-> s3.
TO_S1 = [q("q1", "Yes"), q("q2", "Yes"), action("a1"), solution("s1")]
TO_S2 = [q("q1", "Yes"), q("q2", "No"), solution("s2")]
TO_S3 = [q("q1", "No"), solution("s3")]


def walk(
    db: Session,
    account: Account,
    flow: Tree | None,
    steps: list[dict[str, Any]],
    days_ago: float,
    status: str,
    now: datetime = NOW,
    **kw: Any,
) -> AISession:
    """A closed session created ``days_ago`` before ``now`` that walked ``steps`` of ``flow``."""
    return make_session(
        db,
        account,
        steps=[dict(step) for step in steps],
        created_at=now - timedelta(days=days_ago),
        status=status,
        matched_flow_id=flow.id if flow else None,
        match_score=0.9 if flow else None,
        **kw,
    )


def publish_history(db: Session, account: Account, now: datetime = NOW) -> Tree:
    """The Outlook flow published as version 1 at ``now``-100 days and version 2 at ``now``-20 days, with closed
    sessions around both publishes (the figures are spelled out in tests/test_health_impact.py)."""
    flow = make_tree(db, account, version=2)
    other = make_tree(db, account, name="Another flow")
    for number, days_ago in ((1, 100), (2, 20)):
        db.add(
            TreeVersion(
                tree_id=flow.id,
                account_id=account.id,
                version=number,
                name=flow.name,
                tree_structure=OUTLOOK_TREE,
                created_at=now - timedelta(days=days_ago),
            )
        )

    def session(days_ago: float, status: str, matched: Tree | None = flow, **kw: Any) -> None:
        walk(db, account, matched, TO_S2 if matched else [], days_ago, status, now, **kw)

    # Version 2, before [now-50d, now-20d): 5 resolved (10..50 minutes), 4 escalated, 1 abandoned.
    for i, minutes in enumerate((10, 20, 30, 40, 50)):
        session(21 + i, "resolved", duration_minutes=minutes)
    for i in range(4):
        session(30 + i, "escalated")
    session(49.9, "abandoned")
    session(60, "resolved")  # before the before-window of version 2
    # Version 2, after [now-20d, now): 10 resolved (10..100 minutes, the first at the very publish), 2 escalated.
    for i in range(10):
        session(20 if i == 0 else 19 - i, "resolved", duration_minutes=10 * (i + 1))
    session(5, "escalated")
    session(6, "escalated")
    session(1, "active")  # not closed: no outcome
    # Version 1 (the new flow), before [now-130d, now-100d): unmatched sessions of its domain.
    for days, status in ((101, "resolved"), (110, "resolved"), (120, "escalated")):
        session(days, status, None)
    session(105, "escalated", None, problem_domain="network")  # another domain
    session(105, "escalated", other)  # matched another flow
    # Version 1, after [now-100d, now-70d): two sessions of the flow.
    session(90, "resolved", duration_minutes=15)
    session(80, "resolved", duration_minutes=25)
    make_session(db, make_account(db), created_at=now - timedelta(days=10), matched_flow_id=None)
    return flow
