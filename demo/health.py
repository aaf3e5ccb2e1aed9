"""Two stories the Knowledge Health views tell on the demo workspace, planted in the simulated sessions.

* **A drifting flow** (:data:`DRIFTING`): in the last 30 days a share of its guided sessions stop short of the
  solution and are escalated, so its resolution rate falls well below its earlier rate and the worker's drift check
  opens a re-review.
* **A publish with an effect** (:data:`IMPROVED`, one of the flows the flywheel enhanced): before its version 2 went
  live a share of its guided sessions were escalated, so the flow's Impact shows resolution rising after the publish.

A session is turned into an escalation consistently: its resolution step becomes an escalation step, it has no
resolution time, summary, rating or PSA push. The choice of sessions has its own random stream (seeded by the
account id), so the rest of the workspace is the same as without these stories.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from core.insights.drift import EARLIER_DAYS, MIN_SESSIONS, RECENT_DAYS, Z_THRESHOLD, Drift
from demo.simulate import ESCALATION_TARGET, SessionSimulator, Simulated, conversation, new_uuid
from demo.workspace import Workspace

DRIFTING = "exchange_outlook_prompts"
DRIFT_SHARE = 0.45
DRIFT_DAYS = 30
# How far above the drift check's threshold the planted drop's z statistic must be, and how many recent sessions
# more than its minimum the drifting flow must have.
DRIFT_MARGIN = 0.5
RECENT_SPARE = 3
IMPROVED = "m365_onedrive"
BEFORE_SHARE = 0.45
BEFORE_DAYS = 30


def _escalate(sim: Simulated, rng: random.Random) -> None:
    row, steps = sim.row, sim.steps
    last = steps[-1]
    target = ESCALATION_TARGET.get(row["problem_domain"] or "", "Tier 2 service desk")
    steps[-1] = {
        **last,
        "id": new_uuid(rng),
        "step_type": "escalation",
        "content": {"reason": "The flow's fix did not work for this user", "escalated_to": target},
        "flow_node_id": None,
        "selected_option": None,
        "action_result": None,
    }
    row.update(status="escalated", resolved_at=None, resolution_summary=None, rating=None)
    row["conversation_messages"] = conversation(row["intake_content"], steps)
    sim.reached_solution = False
    sim.push = None


def _clearly_drifting(drift: Drift) -> bool:
    return drift.drifting and drift.z is not None and drift.z >= Z_THRESHOLD + DRIFT_MARGIN


def _guided_resolved(ws: Workspace, key: str) -> list[Simulated]:
    return [
        s
        for s in ws.sims
        if s.kind == "guided"
        and s.flow is not None
        and s.flow.key == key
        and s.row["status"] == "resolved"
        and s.steps
        and s.steps[-1]["step_type"] == "resolution"
    ]


def drift_of(ws: Workspace, key: str) -> Drift:
    """The drift check's two windows for flow ``key``, counted from the simulated sessions the way the worker's
    check counts them (``sql/health_flow_drift.sql``)."""
    flow_id = ws.tree_rows[key]["id"]
    recent_start = ws.now - timedelta(days=RECENT_DAYS)
    earlier_start = recent_start - timedelta(days=EARLIER_DAYS)
    counts = {"earlier": [0, 0], "recent": [0, 0]}
    for sim in ws.sims:
        row = sim.row
        if row["matched_flow_id"] != flow_id or row["status"] == "active":
            continue
        if not earlier_start <= row["created_at"] < ws.now:
            continue
        window = counts["recent" if row["created_at"] >= recent_start else "earlier"]
        window[0] += 1
        window[1] += row["status"] == "resolved"
    return Drift(uuid.UUID(str(flow_id)), *counts["earlier"], *counts["recent"])


def plant(ws: Workspace, sim: SessionSimulator) -> dict[str, int]:
    """Plant both stories in ``ws`` (the main demo account, simulated by ``sim``); returns how many sessions each
    changed (and, under ``added``, how many recent sessions of the drifting flow were added)."""
    rng = random.Random(str(ws.id))
    changed = {"drifting": 0, "improved": 0}
    # Which days the simulated sessions fall on depends on the calendar around ``now`` (weekends are quiet): on some
    # days the drifting flow has fewer recent sessions than the check needs at all. Sessions of its own stream (the
    # rest of the workspace is unchanged) fill the window up to what the check needs, with a little to spare.
    extra = SessionSimulator(random.Random(f"{ws.id}:drift-sessions"), sim.now, sim.work, sim.flow_ids)
    extra.not_before[DRIFTING] = (None, DRIFT_DAYS - 1)
    while drift_of(ws, DRIFTING).recent_sessions < MIN_SESSIONS + RECENT_SPARE:
        ws.sims.append(extra.guided(ws.flows[DRIFTING]))
        changed["added"] = changed.get("added", 0) + 1
    recent = ws.now - timedelta(days=DRIFT_DAYS)
    spared = []
    for sim in _guided_resolved(ws, DRIFTING):
        if sim.row["created_at"] >= recent:
            if rng.random() < DRIFT_SHARE:
                _escalate(sim, rng)
                changed["drifting"] += 1
            else:
                spared.append(sim)
    # How many recent sessions fall in the window depends on the weekdays it spans: where chance left the drop
    # short of what the check needs (with a margin), more of the spared sessions are escalated, so the story holds
    # whatever day the demo is built on.
    top_up = random.Random(f"{ws.id}:drift")  # its own stream: the other story's choices stay as they were
    top_up.shuffle(spared)
    while spared and not _clearly_drifting(drift_of(ws, DRIFTING)):
        _escalate(spared.pop(), top_up)
        changed["drifting"] += 1
    published = next((p.at for p in ws.publications if p.key == IMPROVED and p.kind == "enhanced"), None)
    if published is not None:
        before = published - timedelta(days=BEFORE_DAYS)
        for sim in _guided_resolved(ws, IMPROVED):
            if before <= sim.row["created_at"] < published and rng.random() < BEFORE_SHARE:
                _escalate(sim, rng)
                changed["improved"] += 1
    return changed
