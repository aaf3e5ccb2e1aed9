"""Small builders for hand-made test data. Each takes an open session and flushes (the test commits)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from core.models import Account, AISession, AISessionStep, Team, Tree, User

_counter = itertools.count(1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)

# A small valid flow used across tests: Outlook keeps asking for a password.
OUTLOOK_TREE: dict[str, Any] = {
    "id": "q1",
    "type": "question",
    "question": "Does Outlook prompt for credentials repeatedly?",
    "children": [
        {
            "id": "q2",
            "label": "Yes",
            "type": "question",
            "question": "Is Modern Authentication enabled for the tenant?",
            "children": [
                {
                    "id": "a1",
                    "label": "Yes",
                    "type": "action",
                    "action": "Clear the cached credentials in Windows Credential Manager.",
                    "children": [
                        {
                            "id": "s1",
                            "label": "Done",
                            "type": "solution",
                            "solution": "Restart Outlook and sign in once; the prompt stops.",
                        }
                    ],
                },
                {
                    "id": "s2",
                    "label": "No",
                    "type": "solution",
                    "solution": "Enable Modern Authentication in the Microsoft 365 admin center.",
                },
            ],
        },
        {"id": "s3", "label": "No", "type": "solution", "solution": "The problem is not a credential prompt."},
    ],
}


def ask(question: str, answer: str, options: list[str] | tuple[str, ...] = ("Yes", "No")) -> dict[str, Any]:
    """A question step off any flow: its text, the options offered and the one the engineer picked."""
    return {
        "step_type": "question",
        "content": {"question": question, "options": list(options)},
        "selected_option": answer,
    }


def do(action: str, result: str | None = None) -> dict[str, Any]:
    """An action step off any flow, done, with what it gave when ``result`` is given."""
    step: dict[str, Any] = {"step_type": "action", "content": {"action": action}, "selected_option": "Done"}
    if result is not None:
        step["action_result"] = result
    return step


def chose(node_id: str, option: str, step_type: str = "question") -> dict[str, Any]:
    """A step at flow node ``node_id`` where the engineer picked ``option`` (fields for :func:`make_session`)."""
    return {"step_type": step_type, "flow_node_id": node_id, "selected_option": option}


def typed(node_id: str, answer: str, step_type: str = "question") -> dict[str, Any]:
    """A step at flow node ``node_id`` where the engineer typed ``answer`` instead of picking an option."""
    return {"step_type": step_type, "flow_node_id": node_id, "was_free_text": True, "free_text_input": answer}


def resolved(text: str | None = None, node_id: str | None = None) -> dict[str, Any]:
    """The resolution step, with its text and the flow's solution node when given."""
    step: dict[str, Any] = {"step_type": "resolution"}
    if node_id is not None:
        step["flow_node_id"] = node_id
    if text is not None:
        step["content"] = {"text": text}
    return step


# Sessions that followed OUTLOOK_TREE to a solution: Yes, Yes, Done to s1; and straight No to s3.
OUTLOOK_FOLLOWED_STEPS: list[dict[str, Any]] = [
    chose("q1", "Yes"),
    chose("q2", "Yes"),
    chose("a1", "Done", "action"),
    resolved("Restarted Outlook", "s1"),
]
OUTLOOK_NO_STEPS: list[dict[str, Any]] = [chose("q1", "No"), resolved(node_id="s3")]


def make_account(db: Session, name: str | None = None) -> Account:
    n = next(_counter)
    account = Account(name=name or f"Account {n}", slug=f"account-{n}-{uuid.uuid4().hex[:6]}")
    db.add(account)
    db.flush()
    return account


def make_two_accounts(db: Session) -> tuple[Account, Account]:
    """Contoso MSP and Fabrikam IT, Contoso the older one (created a month earlier), so it is listed first."""
    contoso = make_account(db, "Contoso MSP")
    contoso.created_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    fabrikam = make_account(db, "Fabrikam IT")
    fabrikam.created_at = datetime(2026, 2, 1, tzinfo=timezone.utc)
    return contoso, fabrikam


def make_team(db: Session, account: Account, name: str = "Service Desk") -> Team:
    team = Team(account_id=account.id, name=name)
    db.add(team)
    db.flush()
    return team


def make_user(db: Session, account: Account, role: str = "team_admin", team: Team | None = None, **kw: Any) -> User:
    n = next(_counter)
    user = User(
        account_id=account.id,
        team_id=team.id if team else None,
        email=kw.pop("email", f"user{n}-{uuid.uuid4().hex[:6]}@example.test"),
        name=kw.pop("name", f"User {n}"),
        role=role,
        **kw,
    )
    db.add(user)
    db.flush()
    return user


def make_tree(db: Session, account: Account, structure: dict[str, Any] | None = None, **kw: Any) -> Tree:
    tree = Tree(
        account_id=account.id,
        name=kw.pop("name", "Outlook credential prompts"),
        description=kw.pop("description", ""),
        tree_structure=structure or OUTLOOK_TREE,
        problem_domain=kw.pop("problem_domain", "exchange"),
        match_keywords=kw.pop("match_keywords", ["outlook", "password prompt"]),
        **kw,
    )
    db.add(tree)
    db.flush()
    return tree


def make_finance_share_session(
    db: Session, account: Account, conversation: list[dict[str, str]], **kw: Any
) -> AISession:
    """An active Active Directory session about a user who cannot open the finance share (a group is missing)."""
    return make_session(
        db,
        account,
        status="active",
        problem_domain="active_directory",
        problem_summary="Cannot open the finance share",
        conversation_messages=conversation,
        **kw,
    )


def make_session(
    db: Session,
    account: Account,
    *,
    steps: list[dict[str, Any]] | None = None,
    created_at: datetime | None = None,
    duration_minutes: float = 20,
    **kw: Any,
) -> AISession:
    """A session; ``steps`` are dicts of AISessionStep fields (step_number is filled in order)."""
    created = created_at or NOW
    status = kw.pop("status", "resolved")
    ended = created + timedelta(minutes=duration_minutes) if status != "active" else None
    session = AISession(
        account_id=account.id,
        status=status,
        confidence_tier=kw.pop("confidence_tier", "guided"),
        problem_domain=kw.pop("problem_domain", "exchange"),
        problem_summary=kw.pop("problem_summary", "Outlook keeps prompting for a password"),
        created_at=created,
        ended_at=kw.pop("ended_at", ended),
        resolved_at=kw.pop("resolved_at", ended if status == "resolved" else None),
        **kw,
    )
    db.add(session)
    db.flush()
    for number, step in enumerate(steps or [], start=1):
        db.add(AISessionStep(session_id=session.id, account_id=account.id, step_number=number, **step))
    db.flush()
    return session
