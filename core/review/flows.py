"""The flow library: published flows, their version history, and the two ways a flow gets a new structure.

Rules:
* every read is scoped to the caller's account; a flow of another account is "not found" for reads and
  ``PermissionDenied`` for writes;
* only team admins publish (``core.auth.require_team_admin``), whatever the page shows;
* every structure is validated before it is stored (``InvalidTree`` carries the validator's messages);
* nothing is overwritten: each version of a flow has its own ``tree_versions`` row, version 1 included, so any
  earlier structure can be viewed again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import CurrentUser, PermissionDenied, require_team_admin
from core.enums import TreeOrigin, TreeType
from core.models import TREE_ORIGINS, Tree, TreeVersion, utcnow
from core.trees import ensure_valid, is_procedural
from core.workspace import problem_domains

ORIGIN_LABELS = {
    TreeOrigin.MANUAL: "Manual",
    TreeOrigin.AI_GENERATED: "AI generated",
    TreeOrigin.AI_ENHANCED: "AI enhanced",
}


class FlowNotFound(LookupError):
    """No flow with that id in the caller's account."""


@dataclass(frozen=True)
class FlowRow:
    id: uuid.UUID
    name: str
    problem_domain: str | None
    origin: str
    version: int
    times_matched: int
    success_rate: float
    last_matched_at: datetime | None
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """A JSON/CSV-friendly row with the library's column names."""
        return {
            "id": str(self.id),
            "name": self.name,
            "domain": self.problem_domain or "",
            "origin": ORIGIN_LABELS.get(self.origin, self.origin),
            "version": self.version,
            "times matched": self.times_matched,
            "success rate": round(self.success_rate, 3),
            "last matched": self.last_matched_at.strftime("%Y-%m-%d %H:%M UTC") if self.last_matched_at else "",
        }


def tree_type_of(structure: dict[str, Any]) -> str:
    return TreeType.PROCEDURAL if is_procedural(structure) else TreeType.TROUBLESHOOTING


def list_flows(
    db: Session,
    account_id: uuid.UUID,
    *,
    domain: str | None = None,
    origin: str | None = None,
    retired: bool = False,
) -> list[FlowRow]:
    """Published flows of the account (``retired=True``: the retired ones instead), most used first (ties by name)."""
    query = select(
        Tree.id,
        Tree.name,
        Tree.problem_domain,
        Tree.origin,
        Tree.version,
        Tree.times_matched,
        Tree.success_rate,
        Tree.last_matched_at,
        Tree.updated_at,
    ).where(Tree.account_id == account_id, Tree.is_published.is_(not retired))
    if domain:
        query = query.where(Tree.problem_domain == domain)
    if origin:
        query = query.where(Tree.origin == origin)
    query = query.order_by(Tree.times_matched.desc(), Tree.name, Tree.id)
    return [FlowRow(*row) for row in db.execute(query).all()]


def flow_domains(db: Session, account_id: uuid.UUID) -> list[str]:
    return problem_domains(db, Tree, account_id)


def get_flow(db: Session, account_id: uuid.UUID, flow_id: uuid.UUID, *, for_update: bool = False) -> Tree:
    """The flow, if it belongs to ``account_id``; else :class:`FlowNotFound`."""
    query = select(Tree).where(Tree.id == flow_id, Tree.account_id == account_id)
    if for_update:
        query = query.with_for_update()
    flow = db.scalar(query)
    if flow is None:
        raise FlowNotFound(f"Flow {flow_id} does not exist in this account.")
    return flow


def flow_versions(db: Session, account_id: uuid.UUID, flow_id: uuid.UUID) -> list[TreeVersion]:
    """Every stored version of the flow, newest first."""
    flow = get_flow(db, account_id, flow_id)
    return list(
        db.scalars(select(TreeVersion).where(TreeVersion.tree_id == flow.id).order_by(TreeVersion.version.desc()))
    )


def create_flow(
    db: Session,
    user: CurrentUser,
    *,
    name: str,
    tree_structure: dict[str, Any],
    description: str = "",
    problem_domain: str | None = None,
    match_keywords: list[str] | None = None,
    origin: str = TreeOrigin.MANUAL,
    source_session_id: uuid.UUID | None = None,
    change_note: str = "",
) -> Tree:
    """Publish a new flow (version 1) in the user's account, with its first ``tree_versions`` row."""
    require_team_admin(user, user.account_id)
    name = (name or "").strip()
    if not name:
        raise ValueError("A flow needs a title.")
    if origin not in TREE_ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(TREE_ORIGINS)}")
    ensure_valid(tree_structure)
    now = utcnow()
    flow = Tree(
        account_id=user.account_id,
        team_id=user.team_id,
        name=name,
        description=description or "",
        tree_type=tree_type_of(tree_structure),
        tree_structure=tree_structure,
        problem_domain=(problem_domain or None),
        match_keywords=clean_keywords(match_keywords),
        origin=origin,
        source_session_id=source_session_id,
        version=1,
        is_published=True,
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    db.add(flow)
    db.flush()
    _record_version(db, flow, user.id, change_note or "First published")
    return flow


def publish_version(
    db: Session,
    user: CurrentUser,
    flow_id: uuid.UUID,
    tree_structure: dict[str, Any],
    *,
    origin: str | None = None,
    change_note: str = "",
    name: str | None = None,
    description: str | None = None,
    match_keywords: list[str] | None = None,
    expected_version: int | None = None,
) -> Tree:
    """Write version N+1 of a flow; version N stays in ``tree_versions``.

    ``expected_version`` guards an editor that loaded version N from overwriting someone else's N+1.
    """
    require_team_admin(user, user.account_id)
    ensure_valid(tree_structure)
    try:
        flow = get_flow(db, user.account_id, flow_id, for_update=True)
    except FlowNotFound:
        if db.get(Tree, flow_id) is not None:
            raise PermissionDenied("This flow belongs to another account.") from None
        raise
    if expected_version is not None and flow.version != expected_version:
        raise FlowChanged(flow.version, expected_version)
    _ensure_current_version_kept(db, flow)
    flow.version += 1
    flow.tree_structure = tree_structure
    flow.tree_type = tree_type_of(tree_structure)
    if origin:
        flow.origin = origin
    if name and name.strip():
        flow.name = name.strip()
    if description is not None:
        flow.description = description
    if match_keywords is not None:
        flow.match_keywords = clean_keywords(match_keywords)
    flow.updated_at = utcnow()
    db.flush()
    _record_version(db, flow, user.id, change_note)
    return flow


class FlowChanged(Exception):
    """The flow got a newer version after the editor loaded it."""

    def __init__(self, current: int, expected: int):
        self.current, self.expected = current, expected
        super().__init__(
            f"The flow is at version {current} now, the editor started from version {expected}: reload it first."
        )


def proposal_data(flow: Tree, tree_structure: dict[str, Any]) -> dict[str, Any]:
    """``proposed_flow_data`` of a proposal that turns ``flow`` into ``tree_structure``: the flow's own name,
    description, domain and keywords, so Edit & Publish starts from the flow as it is."""
    return {
        "title": flow.name,
        "description": flow.description,
        "problem_domain": flow.problem_domain,
        "match_keywords": list(flow.match_keywords or []),
        "tree_structure": tree_structure,
    }


def clean_keywords(keywords: list[str] | None) -> list[str]:
    """Trimmed, non-empty, de-duplicated (case-insensitive) keywords in their first order."""
    seen: set[str] = set()
    result: list[str] = []
    for word in keywords or []:
        text = str(word).strip()
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


def _record_version(db: Session, flow: Tree, user_id: uuid.UUID | None, note: str) -> None:
    db.add(
        TreeVersion(
            tree_id=flow.id,
            account_id=flow.account_id,
            version=flow.version,
            name=flow.name,
            description=flow.description or "",
            tree_structure=flow.tree_structure,
            match_keywords=list(flow.match_keywords or []),
            origin=flow.origin,
            change_note=note or "",
            created_by=user_id,
            created_at=flow.updated_at or utcnow(),
        )
    )
    db.flush()


def _ensure_current_version_kept(db: Session, flow: Tree) -> None:
    # Flows written by other tools (demo data, the FlowPilot backend) may lack a row for their current version;
    # keep it before it is replaced so the history stays complete.
    exists = db.scalar(
        select(TreeVersion.id).where(TreeVersion.tree_id == flow.id, TreeVersion.version == flow.version)
    )
    if exists is None:
        _record_version(db, flow, flow.created_by, "Recorded before the next version was published")
