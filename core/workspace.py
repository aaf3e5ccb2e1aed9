"""Small per-account counts for the sidebar, so every page shows what is waiting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import AnalysisStatus, ProposalStatus
from core.models import AISession, FlowProposal

QUEUED = (AnalysisStatus.PENDING, AnalysisStatus.RUNNING, AnalysisStatus.DEFERRED)


@dataclass(frozen=True)
class WorkspaceCounts:
    pending_proposals: int
    # Closed sessions waiting for the flywheel (pending, running or deferred by the LLM budget).
    queued_analyses: int
    failed_analyses: int


def workspace_counts(db: Session, account_id: uuid.UUID) -> WorkspaceCounts:
    """Counts for one account: proposals awaiting review and the state of the analysis queue."""
    pending = db.scalar(
        select(func.count())
        .select_from(FlowProposal)
        .where(FlowProposal.account_id == account_id, FlowProposal.status == ProposalStatus.PENDING)
    )
    by_status = dict(
        db.execute(
            select(AISession.analysis_status, func.count())
            .where(
                AISession.account_id == account_id,
                AISession.analysis_status.in_((*QUEUED, AnalysisStatus.FAILED)),
            )
            .group_by(AISession.analysis_status)
        ).all()
    )
    return WorkspaceCounts(
        pending_proposals=int(pending or 0),
        queued_analyses=sum(int(by_status.get(s, 0)) for s in QUEUED),
        failed_analyses=int(by_status.get(AnalysisStatus.FAILED, 0)),
    )
