"""A small hand-made history of the Outlook flow for the knowledge-health tests (paths, publishes, proposals)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.models import Account, AISession, Tree
from tests.factories import NOW, make_session


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
    db: Session, account: Account, flow: Tree | None, steps: list[dict[str, Any]], days_ago: float, status: str, **kw: Any
) -> AISession:
    """A closed session created ``days_ago`` before tests.factories.NOW that walked ``steps`` of ``flow``."""
    return make_session(
        db,
        account,
        steps=[dict(step) for step in steps],
        created_at=NOW - timedelta(days=days_ago),
        status=status,
        matched_flow_id=flow.id if flow else None,
        match_score=0.9 if flow else None,
        **kw,
    )
