"""Reading the Review Queue: tabs with counts, filters, sort, server-side pagination, and the stats strip.

Tabs group statuses the way a reviewer thinks of them: a ``modified`` proposal was approved with edits, so it
shows under Approved; ``auto_reinforced`` records are no decision at all, so they show only under All (and have
their own figure in the stats strip). Pages ask for one page of rows at a time: the database sorts, counts and
slices, so the queue stays fast with tens of thousands of proposals.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import ProposalStatus, ProposalType
from core.models import PROPOSAL_TYPES, FlowProposal, Tree, User, utcnow
from core.review.flows import clean_keywords
from core.sqlfiles import run
from core.trees import diff_trees, validate_tree

TABS: dict[str, tuple[ProposalStatus, ...] | None] = {
    "pending": (ProposalStatus.PENDING,),
    "approved": (ProposalStatus.APPROVED, ProposalStatus.MODIFIED),
    "rejected": (ProposalStatus.REJECTED,),
    "dismissed": (ProposalStatus.DISMISSED,),
    "all": None,
}
# Tab keys are the page's words (the Approved tab also holds modified proposals), not statuses.
TAB_LABELS = {
    "pending": "Pending",
    "approved": "Approved",
    "rejected": "Rejected",
    "dismissed": "Dismissed",
    "all": "All",
}
SORTS = {
    "newest": "Newest",
    "confidence": "Confidence",
    "support": "Supporting sessions",
}
TYPE_BADGE_COLOURS = {ProposalType.NEW_FLOW: "green", ProposalType.ENHANCEMENT: "orange", ProposalType.REVIEW: "red"}
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueRow:
    id: uuid.UUID
    title: str
    proposal_type: str
    status: str
    problem_domain: str | None
    confidence_score: float
    supporting_session_count: int
    generator: str
    created_at: datetime

    def age(self, now: datetime | None = None) -> str:
        """'3d', '5h', '12m' or 'now' — how long the proposal has waited."""
        seconds = max(0, int(((now or utcnow()) - self.created_at).total_seconds()))
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                return f"{seconds // size}{unit}"
        return "now"

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "title": self.title,
            "type": self.proposal_type,
            "status": self.status,
            "domain": self.problem_domain or "",
            "confidence": round(self.confidence_score, 2),
            "support": self.supporting_session_count,
            "age": self.age(now),
            "generator": self.generator,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True)
class QueueStats:
    pending: int
    approved_week: int
    rejected_week: int
    auto_reinforced_week: int
    top_domains: list[tuple[str, int]]


NO_DOMAIN = "(none)"


def _filtered(query: Any, account_id: uuid.UUID, domain: str | None, proposal_type: str | None) -> Any:
    query = query.where(FlowProposal.account_id == account_id)
    if domain == NO_DOMAIN:
        query = query.where(FlowProposal.problem_domain.is_(None))
    elif domain:
        query = query.where(FlowProposal.problem_domain == domain)
    if proposal_type:
        if proposal_type not in PROPOSAL_TYPES:
            raise ValueError(f"Unknown proposal type {proposal_type!r}.")
        query = query.where(FlowProposal.proposal_type == proposal_type)
    return query


def _status_filter(query: Any, tab: str) -> Any:
    if tab not in TABS:
        raise ValueError(f"Unknown tab {tab!r}; expected one of {', '.join(TABS)}.")
    statuses = TABS[tab]
    if statuses is None:
        return query
    if len(statuses) == 1:
        return query.where(FlowProposal.status == statuses[0])
    return query.where(FlowProposal.status.in_(statuses))


def list_proposals(
    db: Session,
    account_id: uuid.UUID,
    *,
    tab: str = "pending",
    domain: str | None = None,
    proposal_type: str | None = None,
    sort: str = "newest",
    page: int = 1,
    page_size: int = 25,
    total: int | None = None,
) -> QueuePage:
    """One page of the queue, sorted in the database; ``page`` beyond the end gives the last page. ``total`` is the
    tab's count when the caller already has it (from :func:`tab_counts` under the same filters), so it is not
    counted twice."""
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}; expected one of {', '.join(SORTS)}.")
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    if total is None:
        counted = _status_filter(
            _filtered(select(func.count()).select_from(FlowProposal), account_id, domain, proposal_type), tab
        )
        total = int(db.scalar(counted) or 0)
    last_page = max(1, math.ceil(total / page_size))
    page = min(max(1, int(page)), last_page)
    columns = select(
        FlowProposal.id,
        FlowProposal.title,
        FlowProposal.proposal_type,
        FlowProposal.status,
        FlowProposal.problem_domain,
        FlowProposal.confidence_score,
        FlowProposal.supporting_session_count,
        FlowProposal.generator,
        FlowProposal.created_at,
    )
    query = _status_filter(_filtered(columns, account_id, domain, proposal_type), tab)
    order = {
        "newest": [FlowProposal.created_at.desc()],
        "confidence": [FlowProposal.confidence_score.desc(), FlowProposal.created_at.desc()],
        "support": [FlowProposal.supporting_session_count.desc(), FlowProposal.created_at.desc()],
    }[sort]
    query = query.order_by(*order, FlowProposal.id.desc()).limit(page_size).offset((page - 1) * page_size)
    rows = [QueueRow(*row) for row in db.execute(query).all()]
    return QueuePage(rows=rows, total=total, page=page, page_size=page_size)


def tab_counts(
    db: Session, account_id: uuid.UUID, *, domain: str | None = None, proposal_type: str | None = None
) -> dict[str, int]:
    """How many proposals each tab holds under the current filters (one grouped query)."""
    query = _filtered(
        select(FlowProposal.status, func.count()).select_from(FlowProposal), account_id, domain, proposal_type
    ).group_by(FlowProposal.status)
    by_status = {status: int(count) for status, count in db.execute(query).all()}
    counts = {}
    for tab, statuses in TABS.items():
        if statuses is None:
            counts[tab] = sum(by_status.values())
        else:
            counts[tab] = sum(by_status.get(s, 0) for s in statuses)
    return counts


def queue_stats(db: Session, account_id: uuid.UUID, *, now: datetime | None = None, top: int = 3) -> QueueStats:
    """The stats strip: pending now; approved (incl. modified), rejected and auto-reinforced in the last 7 days;
    the domains with the most pending proposals."""
    now = now or utcnow()
    week_ago = now - timedelta(days=7)
    mine = FlowProposal.account_id == account_id
    decided = dict(
        db.execute(
            select(FlowProposal.status, func.count())
            .where(
                mine,
                FlowProposal.status.in_((ProposalStatus.APPROVED, ProposalStatus.MODIFIED, ProposalStatus.REJECTED)),
                FlowProposal.reviewed_at >= week_ago,
            )
            .group_by(FlowProposal.status)
        ).all()
    )
    # auto_reinforced records are written by the flywheel at creation time and never reviewed.
    reinforced = (
        db.scalar(
            select(func.count()).where(
                mine, FlowProposal.status == ProposalStatus.AUTO_REINFORCED, FlowProposal.created_at >= week_ago
            )
        )
        or 0
    )
    # Pending per domain, read once: the busiest domains, and their sum is the pending count.
    domain = func.coalesce(FlowProposal.problem_domain, NO_DOMAIN)
    per_domain = db.execute(
        select(domain, func.count())
        .where(mine, FlowProposal.status == ProposalStatus.PENDING)
        .group_by(domain)
        .order_by(func.count().desc(), domain)
    ).all()
    return QueueStats(
        pending=sum(int(c) for _, c in per_domain),
        approved_week=int(decided.get(ProposalStatus.APPROVED, 0) + decided.get(ProposalStatus.MODIFIED, 0)),
        rejected_week=int(decided.get(ProposalStatus.REJECTED, 0)),
        auto_reinforced_week=int(reinforced),
        top_domains=[(str(d), int(c)) for d, c in per_domain[:top]],
    )


def proposal_domains(db: Session, account_id: uuid.UUID) -> list[str]:
    """Domains for the filter; proposals without one are offered as '(none)'."""
    rows = run(db, "review_proposal_domains", account_id=account_id)
    found = sorted(r["domain"] for r in rows if not r["missing"] and r["domain"])
    return found + ([NO_DOMAIN] if any(r["missing"] for r in rows) else [])


@dataclass(frozen=True)
class ProposalDetail:
    """Everything the detail panel shows about one proposal, read in one place."""

    proposal: FlowProposal
    reviewer_name: str | None
    proposed_tree: dict[str, Any] | None
    target: Tree | None
    diff: dict[str, Any] | None
    published_flow_name: str | None

    @property
    def target_name(self) -> str | None:
        return self.target.name if self.target else None

    @property
    def target_version(self) -> int | None:
        return self.target.version if self.target else None

    @property
    def is_enhancement(self) -> bool:
        return self.proposal.proposal_type == ProposalType.ENHANCEMENT

    @property
    def targets_flow(self) -> bool:
        """An enhancement or a review: publishing writes the next version of an existing flow."""
        return self.proposal.proposal_type in (ProposalType.ENHANCEMENT, ProposalType.REVIEW)

    def editor_fields(self) -> dict[str, Any]:
        """What Edit & Publish starts from besides the tree.

        An enhancement is the next version of its flow: it keeps the flow's name, description and domain (the
        proposal's description says why the branch is proposed, not what the flow is for), and the session's
        keywords are added to the flow's, not put in their place.
        """
        data = self.proposal.proposed_flow_data or {}
        keywords = data.get("match_keywords") or []
        if self.targets_flow and self.target is not None:
            return {
                "title": self.target.name,
                "description": self.target.description,
                "problem_domain": self.target.problem_domain,
                "match_keywords": clean_keywords([*(self.target.match_keywords or []), *keywords]),
            }
        return {
            "title": data.get("title") or self.proposal.title,
            "description": data.get("description") or self.proposal.description,
            "problem_domain": data.get("problem_domain") or self.proposal.problem_domain,
            "match_keywords": keywords,
        }

    @property
    def decided_version(self) -> int | None:
        """The flow version a decided enhancement was decided against (None when not kept)."""
        version = (self.proposal.decided_diff or {}).get("against_version")
        return version if isinstance(version, int) else None

    @property
    def is_stale(self) -> bool:
        """A pending enhancement whose flow moved on since it was proposed (a decided one is never stale)."""
        base = self.proposal.base_tree_version
        if self.proposal.status != ProposalStatus.PENDING:
            return False
        return self.targets_flow and None not in (base, self.target_version) and base != self.target_version


def get_detail(db: Session, account_id: uuid.UUID, proposal_id: uuid.UUID) -> ProposalDetail | None:
    """The proposal with its reviewer, target flow and diff; None when it is not in ``account_id``."""
    proposal = db.scalar(
        select(FlowProposal).where(FlowProposal.id == proposal_id, FlowProposal.account_id == account_id)
    )
    if proposal is None:
        return None
    reviewer = db.scalar(select(User.name).where(User.id == proposal.reviewed_by)) if proposal.reviewed_by else None
    proposed = (proposal.proposed_flow_data or {}).get("tree_structure")
    target = db.get(Tree, proposal.target_flow_id) if proposal.target_flow_id else None
    if target is not None and target.account_id != account_id:
        target = None
    diff = proposal.proposed_diff
    if proposal.status != ProposalStatus.PENDING:
        # As it was decided: later versions of the flow must not change what the decision was about. Proposals
        # decided before decisions kept their diff show the one stored when they were proposed.
        diff = proposal.decided_diff or diff
    elif target is not None and isinstance(proposed, dict) and not validate_tree(proposed):
        # Diff against the target as it is now, so a reviewer sees what publishing would really change.
        diff = diff_trees(target.tree_structure, proposed)
    published = (
        db.scalar(select(Tree.name).where(Tree.id == proposal.published_flow_id))
        if proposal.published_flow_id
        else None
    )
    return ProposalDetail(
        proposal=proposal,
        reviewer_name=reviewer,
        proposed_tree=proposed if isinstance(proposed, dict) else None,
        target=target,
        diff=diff,
        published_flow_name=published,
    )
