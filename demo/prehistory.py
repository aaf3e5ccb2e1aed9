"""Sessions from before a flow (or a branch of it) existed: the evidence behind the flywheel's published proposals.

An ``ai_generated`` flow was proposed from resolved discovery sessions that matched nothing; an ``ai_enhanced``
flow's second version added the branch that exploring sessions had taken while it was missing from version 1.
"""

from __future__ import annotations

import copy
from typing import Any

from core.trees import diff_trees, find_node
from demo.flows import Flow
from demo.simulate import SessionSimulator, Simulated
from demo.workspace import Workspace


def _enhancement_branch(tree: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(parent id, child) of the branch an enhancement added: the last option of the first question with 3+."""
    stack = [tree]
    while stack:
        node = stack.pop(0)
        children = node.get("children") or []
        if node["type"] == "question" and len(children) >= 3:
            return node["id"], children[-1]
        stack.extend(children)
    raise ValueError("no question with three options")


def _without(tree: dict[str, Any], child_id: str) -> dict[str, Any]:
    result = copy.deepcopy(tree)
    stack = [result]
    while stack:
        node = stack.pop()
        kids = node.get("children") or []
        node_kids = [c for c in kids if c["id"] != child_id]
        if len(node_kids) != len(kids):
            node["children"] = node_kids
            return result
        stack.extend(kids)
    raise ValueError(child_id)


def before_generated(ws: Workspace, sim: SessionSimulator, flow: Flow, age_days: float) -> None:
    """Resolved sessions with no flow, before the flywheel's proposal became this flow."""
    for _ in range(ws.rng.randint(3, 5)):
        path = sim.walk_flow(flow)
        steps = sim.flow_steps(path)
        for step in steps:
            step["flow_node_id"] = None
        subject, description = ws.rng.choice(flow.intakes)
        row = sim.new_row("discovery", flow.domain, subject, description, "resolved")
        row["resolution_summary"] = path[-1][0]["solution"]
        s = Simulated(row, steps, "discovery", extra={"prehistory": flow.key})
        ws.sims.append(sim.finish(s, created=sim.created_at(days_back=118, oldest=age_days + 3)))


def before_enhanced(ws: Workspace, sim: SessionSimulator, flow: Flow, age_days: float) -> dict[str, Any]:
    """Exploring sessions that took the branch before it was in the flow; returns the flow's first version."""
    parent_id, child = _enhancement_branch(flow.tree)
    before = _without(flow.tree, child["id"])
    change = diff_trees(before, flow.tree)["summary"][0]
    for _ in range(ws.rng.randint(3, 6)):
        path = sim.walk_flow(flow, stop_at=child["id"])
        node = path[-1][0]
        path.pop()
        while node.get("children"):
            nxt = ws.rng.choice(node["children"])
            path.append((node, nxt["label"]))
            node = nxt
        path.append((node, None))
        steps = sim.flow_steps(path)
        cut = next(i for i, (n, _) in enumerate(path) if n["id"] == parent_id)
        steps[cut]["content"]["options"] = [
            c["label"] for c in (find_node(before, parent_id) or {}).get("children") or []
        ]
        for step in steps[cut + 1 :]:
            step["flow_node_id"] = None
        subject, description = ws.rng.choice(flow.intakes)
        row = sim.new_row("exploring", flow.domain, subject, description, "resolved")
        row["matched_flow_id"] = ws.tree_rows[flow.key]["id"]
        row["match_score"] = round(ws.rng.uniform(0.6, 0.78), 3)
        row["resolution_summary"] = path[-1][0].get("solution")
        s = Simulated(row, steps, "exploring", flow=flow, extra={"prehistory": flow.key})
        ws.sims.append(sim.finish(s, created=sim.created_at(days_back=118, oldest=age_days + 3)))
    return {"before": before, "change": change, "child": child["id"]}
