"""Outcomes on every edge of a flow: how many sessions took each branch and how many of those resolved, and where
sessions left the flow (free text, escalation, abandonment).

Counted from the recorded paths (``ai_session_steps.flow_node_id`` in step order) of the closed sessions that
matched the flow in a period, by ``sql/health_flow_paths.sql``. Definitions (tests pin them):

* a session *takes* the edge parent → child when a step on ``parent`` is followed by a step on ``child`` (steps
  that stand on no flow node, such as notes and free-form actions, are skipped); a session counts once per edge
  however often it took it;
* the edge's *resolved share* = sessions that took it and ended resolved / sessions that took it;
* a node's *exits*: sessions that answered it in free text, and sessions whose path through the flow ended on it
  and that were escalated or abandoned.

Only edges of the drawn tree are reported; a recorded pair of nodes that is no edge of it (an older version of the
flow, a jump) is left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from core.sqlfiles import run
from core.trees import to_graph

OUTCOME_PERIODS = (7, 30, 90)


@dataclass(frozen=True)
class EdgeOutcome:
    """Sessions that took one edge and how many of them resolved."""

    sessions: int
    resolved: int

    @property
    def resolved_share(self) -> float | None:
        return self.resolved / self.sessions if self.sessions else None

    def label(self) -> str:
        """``"12 · 75%"``: sessions, then the resolved share (the graph writes it after the option label)."""
        if not self.sessions:
            return "0"
        return f"{self.sessions} · {self.resolved_share:.0%}"


@dataclass(frozen=True)
class NodeExits:
    """Sessions that stood on a node, and those that left the flow there."""

    sessions: int = 0
    free_text: int = 0
    escalated: int = 0
    abandoned: int = 0

    @property
    def left(self) -> int:
        return self.free_text + self.escalated + self.abandoned

    def describe(self) -> str:
        """``"left here: 3 free text · 1 escalated"``, or ``""`` when nobody left here."""
        parts = [
            f"{count} {name}"
            for count, name in (
                (self.free_text, "free text"),
                (self.escalated, "escalated"),
                (self.abandoned, "abandoned"),
            )
            if count
        ]
        return "left here: " + " · ".join(parts) if parts else ""


@dataclass(frozen=True)
class FlowOutcomes:
    """Edge and node outcomes of one flow over ``[start, end)``; edges keyed by ``(parent id, child id)``."""

    start: datetime
    end: datetime
    edges: dict[tuple[str, str], EdgeOutcome] = field(default_factory=dict)
    exits: dict[str, NodeExits] = field(default_factory=dict)

    @property
    def sessions(self) -> int:
        """Closed sessions whose path stood on any node of the flow (the most on one node: every path has a start)."""
        return max((n.sessions for n in self.exits.values()), default=0)

    def table(self) -> list[dict[str, object]]:
        """One row per edge for a table and its CSV."""
        return [
            {
                "from node": source,
                "to node": target,
                "sessions": edge.sessions,
                "resolved": edge.resolved,
                "resolved share": None if edge.resolved_share is None else round(edge.resolved_share, 4),
            }
            for (source, target), edge in self.edges.items()
        ]


def flow_outcomes(
    db: Session,
    account_id: uuid.UUID,
    flow_id: uuid.UUID,
    tree: dict,
    *,
    period_days: int,
    now: datetime,
) -> FlowOutcomes:
    """Outcomes on the edges and nodes of ``tree`` (a version of flow ``flow_id``) over the ``period_days`` that end
    at ``now``. Every edge of the tree is present, with zero sessions when none took it."""
    if period_days not in OUTCOME_PERIODS:
        raise ValueError(f"The period must be one of {', '.join(map(str, OUTCOME_PERIODS))} days, not {period_days!r}.")
    end = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    start = end - timedelta(days=period_days)
    rows = run(db, "health_flow_paths", account_id=account_id, flow_id=flow_id, start=start, end=end)
    recorded = {(r["node_id"], r["next_node_id"]): r for r in rows if r["kind"] == "edge"}
    _, graph_edges = to_graph(tree)
    edges = {}
    for edge in graph_edges:
        row = recorded.get((edge.source, edge.target))
        edges[(edge.source, edge.target)] = EdgeOutcome(
            int(row["sessions"]) if row else 0, int(row["resolved"]) if row else 0
        )
    exits = {
        r["node_id"]: NodeExits(int(r["sessions"]), int(r["free_text"]), int(r["escalated"]), int(r["abandoned"]))
        for r in rows
        if r["kind"] == "node"
    }
    return FlowOutcomes(start=start, end=end, edges=edges, exits=exits)
