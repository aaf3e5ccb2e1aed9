"""The flywheel's past, produced by the flywheel itself.

Every closed demo session is written ``pending``, due a few minutes after it ended (``analysis_after``). The demo
then walks a clock from the oldest session to the newest and, at each tick, lets the real worker analyse what is
due (:func:`demo.flywheel.analyse_history`), so proposals, merges, reinforcement records, flow statistics and the
sessions' analysis fields are the flywheel's own, dated as they would have been. The newest closed sessions of
each account are held back: they are the queue the worker finds on its first start.

Review decisions are not the flywheel's to make; they are demo data (:mod:`demo.reviews`), applied at the moment
they were taken: a flow the flywheel once proposed or enhanced is published from its proposal during the replay,
the other decisions once the replay is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update

from core.db import session_scope
from core.models import AISession
from demo import reviews
from demo.flywheel import analyse_history, offline_providers
from demo.workspace import Workspace

# The worker picks a session up a few minutes after it closes.
ANALYSIS_DELAY = timedelta(minutes=6)
# How often the replayed worker looks at the queue: twice a day. Shorter ticks date the history more finely but
# cost a pass each (a few milliseconds even when nothing is due); the proposals and outcomes do not depend on it.
TICK = timedelta(hours=12)
# Queue sessions are due this long after ``now`` during the replay, so no tick reaches them; released afterwards.
HOLD = timedelta(days=1)


@dataclass
class ReplayStats:
    """What the replayed worker did: passes, sessions analysed, outcomes by kind."""

    passes: int = 0
    analysed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def queue_for_analysis(ws: Workspace, queue_size: int) -> None:
    """Make every closed session of ``ws`` pending: the newest ``queue_size`` (by end) held, the rest due."""
    closed = sorted((s for s in ws.sims if s.row["status"] != "active"), key=lambda s: s.row["ended_at"])
    cut = max(0, len(closed) - queue_size)
    for index, sim in enumerate(closed):
        row = sim.row
        row["analysis_status"] = "pending"
        row["analysis_after"] = row["ended_at"] + ANALYSIS_DELAY if index < cut else ws.now + HOLD
    ws.history_until = closed[cut - 1].row["analysis_after"] if cut else None


def _ticks(workspaces: list[Workspace]) -> list[datetime]:
    """Every ``TICK`` back from ``now`` over the history, and each account's last history moment."""
    ends = [ws.history_until for ws in workspaces if ws.history_until is not None]
    if not ends:
        return []
    first = min(
        s.row["analysis_after"] for ws in workspaces for s in ws.sims if s.row.get("analysis_after") is not None
    )
    last = max(ends)
    now = workspaces[0].now
    ticks = set(ends)
    tick = now - TICK * ((now - last) // TICK + 1)
    while tick > first - TICK:
        ticks.add(tick)
        tick -= TICK
    return sorted(ticks)


def replay(engine: Engine, workspaces: list[Workspace], now: datetime) -> ReplayStats:
    """Run the flywheel over the written workspaces' history, publishing past proposals on the way, then take the
    remaining review decisions and release the queue. See the module docstring."""
    providers = offline_providers()
    events: dict[datetime, list[tuple[Workspace, Any]]] = {}
    for ws in workspaces:
        for publication in ws.publications:
            events.setdefault(publication.at, []).append((ws, publication))
    stats = ReplayStats()
    outcomes: dict[str, int] = {}
    for moment in sorted(set(_ticks(workspaces)) | set(events)):
        run = analyse_history(engine, providers, moment)
        stats.passes += 1
        stats.analysed += run.claimed
        for kind, count in run.outcomes.items():
            outcomes[kind] = outcomes.get(kind, 0) + count
        for ws, publication in events.get(moment, []):
            with session_scope(engine) as db:
                reviews.publish(db, ws, publication)
    stats.outcomes = dict(sorted(outcomes.items()))
    with session_scope(engine) as db:
        for ws in workspaces:
            reviews.decide_open(db, ws, now)
            reviews.settle(db, ws)
        # The held-back queue is due now: the worker takes it on its first pass.
        db.execute(
            update(AISession)
            .where(AISession.account_id.in_([ws.id for ws in workspaces]), AISession.analysis_status == "pending")
            .values(analysis_after=None)
            .execution_options(synchronize_session=False)
        )
    return stats
