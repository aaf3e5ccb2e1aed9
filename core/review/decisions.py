"""Deciding flow proposals: approve, modify (edit & publish), dismiss, reject, and retire the flow of a review.

Rules, enforced here whatever the page shows:
* only team admins of the proposal's account (or super admins) decide — others get ``PermissionDenied``;
* only ``pending`` proposals are decided, through one conditional ``UPDATE ... WHERE status = 'pending'``: of two
  reviewers clicking at once exactly one wins and publishes; the other gets ``ProposalNotPending`` ("already
  decided by X at T") and nothing of theirs is written;
* every tree is validated before publishing (``InvalidTree`` with the validator's messages);
* a new_flow is approved as is (``approve``) or edited (``modify``); an enhancement is never approved blind — only
  ``modify`` publishes it, as a new version of the target flow, and when the target moved on since the proposal
  was made (``base_tree_version``) it raises ``StaleBase`` unless ``confirm_stale=True``;
* a review (a flow whose resolution drifted down) is dismissed, edited through ``modify`` (a new version of the
  flow, its origin kept) or answered with ``retire_flow``: the flow stops being published, so it stops matching,
  and keeps its versions and sessions; the proposal is ``approved`` with a note saying so;
* dismiss keeps ``dismissed_support`` = the support at that moment, so the flywheel can bring it back when support
  grows; reject keeps the optional reason in ``reviewer_notes``;
* a decided enhancement keeps its diff as decided (``decided_diff``): what publishing changed in the flow, or what
  the dismissed or rejected branch would have changed in the version it was decided against.

Functions do not commit: the caller's ``with session_scope(engine)`` does.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth import CurrentUser, PermissionDenied, require_team_admin
from core.enums import ProposalStatus, ProposalType, TreeOrigin
from core.models import FlowProposal, Tree, User, utcnow
from core.review import flows
from core.trees import InvalidTree, diff_trees, ensure_valid, validate_tree


class ProposalNotFound(LookupError):
    """No proposal with that id (in any account the caller may see)."""


class ProposalNotPending(Exception):
    """Someone decided the proposal already; the message says who and when."""

    def __init__(self, status: str, decided_by: str | None, decided_at: datetime | None):
        self.status, self.decided_by, self.decided_at = status, decided_by, decided_at
        who = decided_by or "the flywheel"
        when = decided_at.strftime("%Y-%m-%d %H:%M UTC") if decided_at else "an unknown time"
        super().__init__(f"This proposal was already decided by {who} at {when} (status: {status}).")


class StaleBase(Exception):
    """The target flow got a new version after the enhancement was proposed; publishing needs confirmation."""

    def __init__(self, flow_name: str, current: int, base: int | None):
        self.current, self.base = current, base
        super().__init__(
            f"'{flow_name}' is at version {current} now, but this enhancement was proposed against version "
            f"{base}. Check the tree and confirm to publish anyway."
        )


class ApprovalNotAllowed(Exception):
    """The proposal type cannot be approved as is (enhancements only via edit & publish)."""


@dataclass
class BulkResult:
    done: list[uuid.UUID] = field(default_factory=list)
    refused: dict[uuid.UUID, str] = field(default_factory=dict)


def approve(db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser, notes: str | None = None) -> Tree:
    """Publish a new_flow proposal's tree as a new flow (origin ai_generated); status becomes ``approved``."""
    proposal = _decidable(db, proposal_id, reviewer)
    if proposal.proposal_type != ProposalType.NEW_FLOW:
        raise ApprovalNotAllowed(
            "An enhancement cannot be approved as is: use Edit & Publish to check the new version of the flow."
        )
    tree = (proposal.proposed_flow_data or {}).get("tree_structure")
    ensure_valid(tree)
    _claim(db, proposal, reviewer, ProposalStatus.APPROVED, notes)
    acting = _acting_in(reviewer, proposal.account_id)
    return _publish_new_flow(db, acting, proposal, tree, f"Approved from proposal '{proposal.title}'")


def modify(
    db: Session,
    proposal_id: uuid.UUID,
    reviewer: CurrentUser,
    tree_structure: dict[str, Any],
    *,
    title: str | None = None,
    description: str | None = None,
    problem_domain: str | None = None,
    match_keywords: list[str] | None = None,
    notes: str | None = None,
    confirm_stale: bool = False,
) -> Tree:
    """Publish the reviewer's edited tree; status becomes ``modified``.

    new_flow: a new flow (origin ai_generated). enhancement: version N+1 of the target flow
    (origin ai_enhanced), version N kept in tree_versions.
    """
    proposal = _decidable(db, proposal_id, reviewer)
    ensure_valid(tree_structure)
    acting = _acting_in(reviewer, proposal.account_id)
    if proposal.proposal_type in (ProposalType.ENHANCEMENT, ProposalType.REVIEW):
        review = proposal.proposal_type == ProposalType.REVIEW
        if proposal.target_flow_id is None:
            raise InvalidTree(["This enhancement has no target flow any more (it was deleted)."])
        target = flows.get_flow(db, proposal.account_id, proposal.target_flow_id, for_update=True)
        stale = proposal.base_tree_version is not None and target.version != proposal.base_tree_version
        if stale and not confirm_stale:
            raise StaleBase(target.name, target.version, proposal.base_tree_version)
        decided = _diff_against(target, tree_structure)
        _claim(db, proposal, reviewer, ProposalStatus.MODIFIED, notes, decided_diff=decided)
        flow = flows.publish_version(
            db,
            acting,
            target.id,
            tree_structure,
            origin=None if review else TreeOrigin.AI_ENHANCED,
            change_note=f"{'Re-reviewed after' if review else 'Enhanced from'} proposal '{proposal.title}'",
            name=title,
            description=description,
            match_keywords=match_keywords,
        )
        proposal.published_flow_id = flow.id
        db.flush()
        return flow
    _claim(db, proposal, reviewer, ProposalStatus.MODIFIED, notes)
    note = f"Edited and published from proposal '{proposal.title}'"
    return _publish_new_flow(
        db,
        acting,
        proposal,
        tree_structure,
        note,
        title=title,
        description=description,
        problem_domain=problem_domain,
        match_keywords=match_keywords,
    )


def _publish_new_flow(
    db: Session,
    acting: CurrentUser,
    proposal: FlowProposal,
    tree: dict[str, Any],
    change_note: str,
    *,
    title: str | None = None,
    description: str | None = None,
    problem_domain: str | None = None,
    match_keywords: list[str] | None = None,
) -> Tree:
    """Publish a new_flow proposal as a new flow (origin ai_generated) and link the proposal to it.

    The reviewer's edits win; what they left out (None) comes from the proposal's flow data, then the proposal.
    """
    data = proposal.proposed_flow_data or {}
    if description is None:
        description = data.get("description") or proposal.description or ""
    if match_keywords is None:
        match_keywords = data.get("match_keywords") or []
    flow = flows.create_flow(
        db,
        acting,
        name=title or data.get("title") or proposal.title,
        description=description,
        tree_structure=tree,
        problem_domain=problem_domain or data.get("problem_domain") or proposal.problem_domain,
        match_keywords=match_keywords,
        origin=TreeOrigin.AI_GENERATED,
        source_session_id=proposal.source_session_id,
        change_note=change_note,
    )
    proposal.published_flow_id = flow.id
    db.flush()
    return flow


RETIRED_NOTE = "Retired the flow."


def retire_flow(db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser, notes: str | None = None) -> Tree:
    """Answer a review proposal by retiring its flow: it is no longer published (so no session matches it any more)
    and keeps its versions and sessions. The proposal becomes ``approved`` with the note "Retired the flow."."""
    proposal = _decidable(db, proposal_id, reviewer)
    if proposal.proposal_type != ProposalType.REVIEW:
        raise ApprovalNotAllowed("Only a review proposal retires its flow.")
    if proposal.target_flow_id is None:
        raise InvalidTree(["This review has no flow any more (it was deleted)."])
    flow = flows.get_flow(db, proposal.account_id, proposal.target_flow_id, for_update=True)
    note = RETIRED_NOTE + (f" {notes.strip()}" if notes and notes.strip() else "")
    _claim(db, proposal, reviewer, ProposalStatus.APPROVED, note)
    flow.is_published = False
    flow.updated_at = utcnow()
    db.flush()
    return flow


def dismiss(db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser, notes: str | None = None) -> None:
    """Park a proposal ("not now"); it remembers its support so growth can resurface it."""
    proposal = _decidable(db, proposal_id, reviewer)
    _claim(
        db,
        proposal,
        reviewer,
        ProposalStatus.DISMISSED,
        notes,
        dismissed_support=FlowProposal.supporting_session_count,
        decided_diff=_proposed_diff_now(db, proposal),
    )


def reject(db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser, reason: str | None = None) -> None:
    """Refuse a proposal for bad quality; ``reason`` is kept in ``reviewer_notes``."""
    proposal = _decidable(db, proposal_id, reviewer)
    _claim(db, proposal, reviewer, ProposalStatus.REJECTED, reason, decided_diff=_proposed_diff_now(db, proposal))


def bulk(
    db: Session, action: str, proposal_ids: list[uuid.UUID], reviewer: CurrentUser, notes: str | None = None
) -> BulkResult:
    """Dismiss or reject many proposals; each one that cannot be decided is reported, the rest go through."""
    if action not in ("dismiss", "reject"):
        raise ValueError("Bulk actions are dismiss and reject.")
    decide = dismiss if action == "dismiss" else reject
    result = BulkResult()
    for proposal_id in proposal_ids:
        try:
            with db.begin_nested():
                decide(db, proposal_id, reviewer, notes)
            result.done.append(proposal_id)
        except (ProposalNotPending, ProposalNotFound, PermissionDenied) as exc:
            result.refused[proposal_id] = str(exc)
    return result


# --- internals ---------------------------------------------------------------------------------------------


class NewTreeRefused(Exception):
    """A new tree cannot be asked for: no model configured, or one is already asked for."""


def ask_for_new_tree(
    db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser, *, llm_enabled: bool, now: datetime | None = None
) -> FlowProposal:
    """Ask the worker to have the model write a pending proposal again, from all its supporting sessions (one call,
    on its next pass; see core/flywheel/cluster_model.py)."""
    if not llm_enabled:
        raise NewTreeRefused("No model is configured: the offline tree is the only one the flywheel writes.")
    proposal = _decidable(db, proposal_id, reviewer)
    claimed = db.execute(
        update(FlowProposal)
        .where(
            FlowProposal.id == proposal.id,
            FlowProposal.status == ProposalStatus.PENDING,
            FlowProposal.regenerate_requested_at.is_(None),
        )
        .values(regenerate_requested_at=now or utcnow(), regenerate_requested_by=reviewer.id, generation_error=None)
    )
    if claimed.rowcount != 1:
        raise NewTreeRefused("A new tree is already asked for; the worker writes it on its next pass.")
    db.refresh(proposal)
    return proposal


def _decidable(db: Session, proposal_id: uuid.UUID, reviewer: CurrentUser) -> FlowProposal:
    proposal = db.get(FlowProposal, proposal_id)
    if proposal is None:
        raise ProposalNotFound(f"Proposal {proposal_id} does not exist.")
    require_team_admin(reviewer, proposal.account_id)
    if proposal.status != ProposalStatus.PENDING:
        raise _not_pending(db, proposal)
    return proposal


def _claim(
    db: Session, proposal: FlowProposal, reviewer: CurrentUser, status: str, notes: str | None, **extra: Any
) -> None:
    """The one transition out of pending; it succeeds for exactly one caller."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": status,
        "reviewed_by": reviewer.id,
        "reviewed_at": now,
        "updated_at": now,
        **extra,
    }
    if notes is not None and notes.strip():
        values["reviewer_notes"] = notes.strip()
    result = db.execute(
        update(FlowProposal)
        .where(FlowProposal.id == proposal.id, FlowProposal.status == ProposalStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _not_pending(db, proposal)
    db.expire(proposal)


def _diff_against(target: Tree, tree: Any) -> dict[str, Any] | None:
    """``tree`` compared with the flow as it is now, with the version compared against; None for no tree."""
    if not isinstance(tree, dict) or validate_tree(tree) or not isinstance(target.tree_structure, dict):
        return None
    return {**diff_trees(target.tree_structure, tree), "against_version": target.version}


def _proposed_diff_now(db: Session, proposal: FlowProposal) -> dict[str, Any] | None:
    """An enhancement's proposed tree against its flow at this moment (None for a new flow or a deleted target)."""
    if proposal.proposal_type != ProposalType.ENHANCEMENT or proposal.target_flow_id is None:
        return None
    target = db.get(Tree, proposal.target_flow_id)
    if target is None or target.account_id != proposal.account_id:
        return None
    return _diff_against(target, (proposal.proposed_flow_data or {}).get("tree_structure"))


def _not_pending(db: Session, proposal: FlowProposal) -> ProposalNotPending:
    db.refresh(proposal)
    who = db.scalar(select(User.name).where(User.id == proposal.reviewed_by)) if proposal.reviewed_by else None
    return ProposalNotPending(proposal.status, who, proposal.reviewed_at)


def _acting_in(reviewer: CurrentUser, account_id: uuid.UUID) -> CurrentUser:
    # A super admin publishing into another account writes the flow there, not into their own account.
    if reviewer.account_id == account_id:
        return reviewer
    return dataclasses.replace(reviewer, account_id=account_id, team_id=None)
