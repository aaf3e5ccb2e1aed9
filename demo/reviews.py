"""The review decisions of the demo's past: demo data applied to the proposals the flywheel made, never its rules.

* :func:`publish` (during the replay, at the moment it happened): the flows the flywheel once proposed
  (``ai_generated``) or enhanced (``ai_enhanced``) are published from the proposal their early sessions made.
* :func:`decide_open` (after the replay): some open proposals were rejected or dismissed by a team lead, in a fixed
  rotation, so every tab of the Review Queue has rows; the largest recurring problems stay pending.
* :func:`settle`: ids and ``updated_at`` the demo can reproduce (see its docstring).

Decisions are direct updates rather than ``core.review.decisions`` calls: those stamp the wall-clock time and a
signed-in reviewer, while these decisions are dated in the demo's past.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.models import AISession, FlowProposal, Tree, TreeVersion
from demo.workspace import Publication, Workspace

REJECT_NOTES = (
    "One-off caused by the customer's own equipment; not worth a flow.",
    "Already covered by an existing flow once the engineer picks the right branch.",
    "The fix is a workaround we do not want engineers to repeat; raised a problem record instead.",
)
DISMISS_NOTES = (
    "Not enough evidence yet; revisit if it keeps coming up.",
    "Vendor fix expected in the next release.",
)
# The largest recurring unmatched problems stay open, so the Review Queue has real work in it.
ALWAYS_PENDING = ("teams_dock_audio", "autopilot_esp")
NEW_FLOW_ROTATION = ("pending", "rejected", "dismissed")
ENHANCEMENT_ROTATION = ("pending", "dismissed", "rejected", "pending")
# Proposal ids derive from their source session (each proposal has its own), so a seed gives the same ids.
PROPOSAL_IDS = uuid.UUID("5f0c1a52-7d3e-4b8a-9c61-2e4f8d9b0a17")


def _proposals_of(db: Session, session_ids: list[uuid.UUID]) -> list[FlowProposal]:
    """The proposals these sessions were analysed into, oldest first."""
    linked = select(AISession.analysis_proposal_id).where(AISession.id.in_(session_ids))
    return list(
        db.scalars(
            select(FlowProposal)
            .where(FlowProposal.id.in_(linked))
            .order_by(FlowProposal.created_at, FlowProposal.source_session_id)
        )
    )


def publish(db: Session, ws: Workspace, publication: Publication) -> None:
    """Publish ``publication``'s flow from the proposal of its early sessions, dated ``publication.at``.

    The first proposal is the one published; had the flywheel split the early sessions into several, the others
    are rejected as its duplicates. An enhancement is always *modified* (published only through Edit & Publish);
    every third new flow was edited before publishing, the others approved as proposed, in which case the proposal
    carries the flow exactly as published (the demo's flows are hand-written, the offline generator's are not).
    """
    key, at = publication.key, publication.at
    flow, row = ws.flows[key], ws.tree_rows[key]
    sessions = [s.row["id"] for s in ws.sims if s.extra.get("prehistory") == key]
    first, *duplicates = _proposals_of(db, sessions)
    reviewer = ws.user("team_admin")["id"]
    decided = {"reviewed_by": reviewer, "reviewed_at": at, "updated_at": at}
    if publication.kind == "enhanced":
        status = "modified"
    else:
        status = "modified" if ws.published_new_flows % 3 == 2 else "approved"
        ws.published_new_flows += 1
    values: dict[str, Any] = {"status": status, "published_flow_id": row["id"], **decided}
    if status == "modified":
        values["reviewer_notes"] = "Edited the wording before publishing."
    else:
        values.update(
            title=flow.name,
            description=flow.description,
            proposed_flow_data={
                "title": flow.name,
                "description": flow.description,
                "match_keywords": list(flow.keywords),
                "problem_domain": flow.domain,
                "tree_structure": flow.tree,
            },
        )
    db.execute(update(FlowProposal).where(FlowProposal.id == first.id).values(**values))
    for duplicate in duplicates:
        db.execute(
            update(FlowProposal)
            .where(FlowProposal.id == duplicate.id)
            .values(
                status="rejected", reviewer_notes=f"Duplicate of the proposal published as '{flow.name}'.", **decided
            )
        )
    if publication.kind == "generated":
        row["source_session_id"] = first.source_session_id
        db.execute(
            update(Tree)
            .where(Tree.id == row["id"])
            .values(source_session_id=first.source_session_id, updated_at=row["updated_at"])
        )
        return
    row.update(tree_structure=flow.tree, version=2, origin="ai_enhanced", updated_at=at)
    db.execute(
        update(Tree)
        .where(Tree.id == row["id"])
        .values(tree_structure=flow.tree, version=2, origin="ai_enhanced", updated_at=at)
    )
    db.execute(insert(TreeVersion), [publication.version])


def _analysed_at(db: Session, ws: Workspace) -> dict[str, datetime]:
    rows = db.execute(
        select(AISession.id, AISession.analyzed_at).where(
            AISession.account_id == ws.id, AISession.analyzed_at.is_not(None)
        )
    )
    return {str(session_id): when for session_id, when in rows}


def decide_open(db: Session, ws: Workspace, now: datetime) -> None:
    """Reject or dismiss some of the account's pending proposals, in a fixed rotation by age, a day after their
    latest supporting session (at most two hours before ``now``)."""
    sims = {s.row["id"]: s for s in ws.sims}
    analysed = _analysed_at(db, ws)
    reviewer = ws.user("team_admin")["id"]
    pending = db.scalars(
        select(FlowProposal)
        .where(FlowProposal.account_id == ws.id, FlowProposal.status == "pending")
        .order_by(FlowProposal.created_at, FlowProposal.source_session_id)
    ).all()
    counts = {"new_flow": 0, "enhancement": 0}
    decided = 0
    for proposal in pending:
        kind = proposal.proposal_type
        rotation = NEW_FLOW_ROTATION if kind == "new_flow" else ENHANCEMENT_ROTATION
        novel = sims[proposal.source_session_id].novel
        if kind == "new_flow" and novel is not None and novel.key in ALWAYS_PENDING:
            status = "pending"
        else:
            status = rotation[counts[kind] % len(rotation)]
            counts[kind] += 1
        if status == "pending":
            continue
        latest = max(analysed[s] for s in proposal.supporting_session_ids)
        notes = REJECT_NOTES if status == "rejected" else DISMISS_NOTES
        db.execute(
            update(FlowProposal)
            .where(FlowProposal.id == proposal.id)
            .values(
                status=status,
                reviewed_by=reviewer,
                reviewed_at=min(now - timedelta(hours=2), latest + timedelta(days=1)),
                reviewer_notes=notes[decided % len(notes)],
                dismissed_support=proposal.supporting_session_count if status == "dismissed" else None,
            )
        )
        decided += 1


def settle(db: Session, ws: Workspace) -> None:
    """Give the account's proposals ids and ``updated_at`` that a seed reproduces, and its flows the ``updated_at``
    the demo chose.

    The flywheel names a proposal with a random id and stamps ``updated_at`` (a proposal's, and a flow's when its
    statistics change) with the wall-clock time. Here a proposal's id derives from its source session and its
    ``updated_at`` is its last change on the replay's clock: created, merged into, or decided.
    """
    analysed = _analysed_at(db, ws)
    proposals = db.execute(
        select(
            FlowProposal.id,
            FlowProposal.source_session_id,
            FlowProposal.created_at,
            FlowProposal.reviewed_at,
            FlowProposal.supporting_session_ids,
        ).where(FlowProposal.account_id == ws.id)
    ).all()
    renamed: dict[uuid.UUID, uuid.UUID] = {}
    rows = []
    for proposal_id, source, created, reviewed, supporters in proposals:
        renamed[proposal_id] = uuid.uuid5(PROPOSAL_IDS, str(source))
        changes = [created, reviewed, *(analysed[s] for s in supporters if s in analysed)]
        rows.append({"b_old": proposal_id, "b_new": renamed[proposal_id], "b_at": max(c for c in changes if c)})
    table = FlowProposal.__table__
    if rows:
        db.execute(
            update(table)
            .where(table.c.id == bindparam("b_old", type_=table.c.id.type))
            .values(
                id=bindparam("b_new", type_=table.c.id.type),
                updated_at=bindparam("b_at", type_=table.c.updated_at.type),
            ),
            rows,
        )
    links = db.execute(
        select(AISession.id, AISession.analysis_proposal_id).where(
            AISession.account_id == ws.id, AISession.analysis_proposal_id.is_not(None)
        )
    ).all()
    sessions = AISession.__table__
    if links:
        db.execute(
            update(sessions)
            .where(sessions.c.id == bindparam("b_id", type_=sessions.c.id.type))
            .values(analysis_proposal_id=bindparam("b_new", type_=sessions.c.analysis_proposal_id.type)),
            [{"b_id": session_id, "b_new": renamed[old]} for session_id, old in links],
        )
    trees = Tree.__table__
    db.execute(
        update(trees)
        .where(trees.c.id == bindparam("b_id", type_=trees.c.id.type))
        .values(updated_at=bindparam("b_at", type_=trees.c.updated_at.type)),
        [{"b_id": row["id"], "b_at": row["updated_at"]} for row in ws.tree_rows.values()],
    )
