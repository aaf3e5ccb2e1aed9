"""Drift → re-review: the worker's hourly check that opens a ``review`` proposal for a published flow whose
resolution rate fell significantly below its own earlier rate.

**The test.** Per published flow, closed sessions that matched it in the last :data:`RECENT_DAYS` days (recent) and
in the :data:`EARLIER_DAYS` days before those (earlier): resolved r₁ of n₁ earlier, r₂ of n₂ recent. A one-sided
two-proportion z-test with the pooled rate p = (r₁ + r₂) / (n₁ + n₂):

    z = (r₁/n₁ − r₂/n₂) / √(p(1 − p)(1/n₁ + 1/n₂))

The flow drifts when both windows hold at least :data:`MIN_SESSIONS` sessions, the rate fell by at least
:data:`MIN_DROP_POINTS` percentage points, and z ≥ :data:`Z_THRESHOLD` (2.326: one-sided p ≤ 0.01; strict because
the check repeats every hour over every flow). The proposal's confidence is 1 − p-value.

**Opening.** One open review per flow: none is opened while the flow has a pending review, nor within
:data:`RECENT_DAYS` days of a decided one (a dismissed drift stays quiet until the recent window has turned over).
The proposal carries the flow's current tree and says where sessions left the flow in the recent window.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.enums import ProposalStatus, ProposalType
from core.insights.edges import flow_outcomes
from core.models import Account, FlowProposal, Tree
from core.review.flows import proposal_data
from core.sqlfiles import run
from core.trees import find_node, is_procedural, node_text

log = logging.getLogger("flowpilot.drift")

RECENT_DAYS = 30
EARLIER_DAYS = 90
MIN_SESSIONS = 20
MIN_DROP_POINTS = 10.0
Z_THRESHOLD = 2.326
GENERATOR = "drift check"
MAX_EXITS = 5


@dataclass(frozen=True)
class Drift:
    """The two windows of one flow and the test on them."""

    flow_id: uuid.UUID
    earlier_sessions: int
    earlier_resolved: int
    recent_sessions: int
    recent_resolved: int

    @property
    def earlier_rate(self) -> float:
        return self.earlier_resolved / self.earlier_sessions if self.earlier_sessions else 0.0

    @property
    def recent_rate(self) -> float:
        return self.recent_resolved / self.recent_sessions if self.recent_sessions else 0.0

    @property
    def z(self) -> float | None:
        """The z statistic of the drop (positive = fewer resolved recently); None when it is undefined."""
        n1, n2 = self.earlier_sessions, self.recent_sessions
        if not n1 or not n2:
            return None
        pooled = (self.earlier_resolved + self.recent_resolved) / (n1 + n2)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        return (self.earlier_rate - self.recent_rate) / spread if spread else None

    @property
    def p_value(self) -> float | None:
        """One-sided p-value of the drop under the normal approximation."""
        return None if self.z is None else 0.5 * math.erfc(self.z / math.sqrt(2))

    @property
    def drifting(self) -> bool:
        return (
            self.earlier_sessions >= MIN_SESSIONS
            and self.recent_sessions >= MIN_SESSIONS
            and 100 * (self.earlier_rate - self.recent_rate) >= MIN_DROP_POINTS
            and self.z is not None
            and self.z >= Z_THRESHOLD
        )

    def title(self) -> str:
        return f"Flow drifting: resolution {self.earlier_rate:.0%} → {self.recent_rate:.0%}".replace("%", " %")


def _utc(now: datetime) -> datetime:
    return now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)


def flow_drifts(db: Session, account_id: uuid.UUID, now: datetime) -> list[Drift]:
    """The two windows and the test of every published flow of the account that closed sessions matched."""
    end = _utc(now)
    recent_start = end - timedelta(days=RECENT_DAYS)
    rows = run(
        db,
        "health_flow_drift",
        account_id=account_id,
        earlier_start=recent_start - timedelta(days=EARLIER_DAYS),
        recent_start=recent_start,
        end=end,
    )
    return [
        Drift(
            uuid.UUID(str(r["flow_id"])),
            int(r["earlier_sessions"]),
            int(r["earlier_resolved"]),
            int(r["recent_sessions"]),
            int(r["recent_resolved"]),
        )
        for r in rows
    ]


def _quiet(db: Session, flow_id: uuid.UUID, now: datetime) -> bool:
    """True while the flow has a pending review or one decided in the last RECENT_DAYS days."""
    return (
        db.scalar(
            select(FlowProposal.id)
            .where(
                FlowProposal.target_flow_id == flow_id,
                FlowProposal.proposal_type == ProposalType.REVIEW,
                or_(
                    FlowProposal.status == ProposalStatus.PENDING,
                    FlowProposal.reviewed_at >= now - timedelta(days=RECENT_DAYS),
                ),
            )
            .limit(1)
        )
        is not None
    )


def _exits(db: Session, flow: Tree, now: datetime) -> list[dict]:
    outcomes = flow_outcomes(db, flow.account_id, flow.id, flow.tree_structure, period_days=RECENT_DAYS, now=now)
    left = sorted(
        ((node_id, exits) for node_id, exits in outcomes.exits.items() if exits.left),
        key=lambda item: (-item[1].left, item[0]),
    )[:MAX_EXITS]
    result = []
    for node_id, exits in left:
        result.append(
            {
                "node_id": node_id,
                "text": _node_text(flow.tree_structure, node_id),
                "sessions": exits.sessions,
                "free_text": exits.free_text,
                "escalated": exits.escalated,
                "abandoned": exits.abandoned,
            }
        )
    return result


def _node_text(tree: dict, node_id: str) -> str:
    if is_procedural(tree):
        return next((str(s.get("action", "")) for s in tree.get("steps") or [] if s.get("id") == node_id), "")
    node = find_node(tree, node_id)
    return node_text(node) if node else ""


def _p(value: float | None) -> str:
    return "p < 0.0001" if value is not None and value < 0.0001 else f"p = {value or 0:.4f}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(flow: Tree, drift: Drift, exits: list[dict]) -> str:
    lines = [
        f"'{flow.name}' resolved {drift.earlier_resolved} of {drift.earlier_sessions} closed sessions "
        f"({drift.earlier_rate:.0%}) in the {EARLIER_DAYS} days before the last {RECENT_DAYS}, and "
        f"{drift.recent_resolved} of {drift.recent_sessions} ({drift.recent_rate:.0%}) in the last {RECENT_DAYS} "
        f"days: z = {drift.z:.2f}, one-sided {_p(drift.p_value)}.",
    ]
    if exits:
        lines.append("Where sessions left the flow in the last 30 days:")
        for e in exits:
            what = ", ".join(
                f"{e[key]} {label}"
                for key, label in (("free_text", "free text"), ("escalated", "escalated"), ("abandoned", "abandoned"))
                if e[key]
            )
            lines.append(f"- {e['node_id']} “{_short(e['text'])}”: {what} (of {e['sessions']} that stood there)")
    return "\n".join(lines)


def open_drift_reviews(db: Session, account_id: uuid.UUID, now: datetime) -> list[FlowProposal]:
    """Open a ``review`` proposal for every drifting flow of the account that is not quiet; returns them."""
    now = _utc(now)
    opened = []
    for drift in flow_drifts(db, account_id, now):
        if not drift.drifting or _quiet(db, drift.flow_id, now):
            continue
        flow = db.get(Tree, drift.flow_id)
        if flow is None:
            continue
        exits = _exits(db, flow, now)
        proposal = FlowProposal(
            account_id=account_id,
            team_id=flow.team_id,
            proposal_type=ProposalType.REVIEW,
            status=ProposalStatus.PENDING,
            target_flow_id=flow.id,
            title=drift.title(),
            description=_describe(flow, drift, exits),
            proposed_flow_data={
                **proposal_data(flow, flow.tree_structure),
                "drift": {
                    "earlier_sessions": drift.earlier_sessions,
                    "earlier_resolved": drift.earlier_resolved,
                    "recent_sessions": drift.recent_sessions,
                    "recent_resolved": drift.recent_resolved,
                    "z": round(drift.z or 0.0, 3),
                    "exits": exits,
                },
            },
            confidence_score=round(min(0.99, max(0.0, 1 - (drift.p_value or 1.0))), 3),
            supporting_session_count=drift.recent_sessions,
            supporting_session_ids=[],
            problem_domain=flow.problem_domain,
            generator=GENERATOR,
            base_tree_version=flow.version,
            created_at=now,
            updated_at=now,
        )
        db.add(proposal)
        db.flush()
        opened.append(proposal)
    return opened


def check_all_accounts(engine: Engine, now: datetime) -> int:
    """The worker's hourly drift check over every account, one transaction each; returns the reviews opened."""
    with session_scope(engine) as db:
        accounts = list(db.scalars(select(Account.id)))
    opened = 0
    for account_id in accounts:
        try:
            with session_scope(engine) as db:
                opened += len(open_drift_reviews(db, account_id, now))
        except Exception:  # noqa: BLE001 - one account's failure must not stop the others
            log.exception("drift check failed", extra={"account_id": str(account_id)})
    return opened
