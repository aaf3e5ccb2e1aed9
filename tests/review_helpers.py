"""Hand-built proposals for the review tests (the flywheel is not involved)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.auth import CurrentUser, load_user
from core.models import Account, FlowProposal, Tree, User
from core.trees import add_branch, diff_trees
from tests.factories import NOW, OUTLOOK_TREE

VPN_TREE: dict[str, Any] = {
    "id": "v1",
    "type": "question",
    "question": "Does the VPN client show 'authentication failed'?",
    "children": [
        {"id": "v2", "label": "Yes", "type": "solution", "solution": "Reset the user's MFA registration."},
        {
            "id": "v3",
            "label": "No",
            "type": "action",
            "action": "Reinstall the VPN client.",
            "children": [{"id": "v4", "label": "Done", "type": "solution", "solution": "Reconnect."}],
        },
    ],
}

NEW_BRANCH: dict[str, Any] = {
    "id": "s4",
    "label": "Only on the phone",
    "type": "solution",
    "solution": "Remove and re-add the account in the Outlook mobile app.",
}


def as_user(db: Session, user: User) -> CurrentUser:
    current = load_user(db, user.id)
    assert current is not None
    return current


def new_flow_proposal(
    db: Session, account: Account, *, tree: dict[str, Any] | None = None, created_at: datetime | None = None, **kw: Any
) -> FlowProposal:
    title = kw.pop("title", "VPN authentication failures")
    proposal = FlowProposal(
        account_id=account.id,
        proposal_type="new_flow",
        status=kw.pop("status", "pending"),
        title=title,
        description=kw.pop("description", "Users cannot connect to the VPN."),
        proposed_flow_data={
            "title": title,
            "description": "Users cannot connect to the VPN.",
            "match_keywords": ["vpn", "authentication"],
            "problem_domain": kw.get("problem_domain", "network"),
            "tree_structure": copy.deepcopy(tree if tree is not None else VPN_TREE),
        },
        confidence_score=kw.pop("confidence_score", 0.7),
        supporting_session_count=kw.pop("supporting_session_count", 3),
        problem_domain=kw.pop("problem_domain", "network"),
        generator=kw.pop("generator", "offline rules"),
        created_at=created_at or NOW,
        **kw,
    )
    db.add(proposal)
    db.flush()
    return proposal


def enhancement_proposal(db: Session, account: Account, target: Tree, **kw: Any) -> FlowProposal:
    proposed = add_branch(target.tree_structure, "q1", NEW_BRANCH)
    proposal = FlowProposal(
        account_id=account.id,
        proposal_type=kw.pop("proposal_type", "enhancement"),
        status="pending",
        target_flow_id=target.id,
        base_tree_version=kw.pop("base_tree_version", target.version),
        title=kw.pop("title", "Outlook prompts only on the phone"),
        description="Engineers found the prompt appears only in the mobile app.",
        proposed_flow_data={
            "title": target.name,
            "description": "",
            "match_keywords": ["outlook"],
            "problem_domain": target.problem_domain,
            "tree_structure": proposed,
        },
        proposed_diff=diff_trees(target.tree_structure, proposed),
        confidence_score=kw.pop("confidence_score", 0.6),
        supporting_session_count=kw.pop("supporting_session_count", 2),
        problem_domain=target.problem_domain,
        created_at=kw.pop("created_at", NOW),
        **kw,
    )
    db.add(proposal)
    db.flush()
    return proposal


def outlook_with_branch() -> dict[str, Any]:
    return add_branch(OUTLOOK_TREE, "q1", NEW_BRANCH)
