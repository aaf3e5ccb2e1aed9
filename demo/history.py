"""The flywheel's past: which closed demo sessions were already analysed, with what outcome, into which proposal.

The newest closed sessions are left ``pending`` (the worker analyses them on first start); the older ones are
history, classified by the decision table of DESIGN.md §6, and grouped into the proposals a reviewer already saw:
sessions that left a flow the same way share one enhancement, sessions about the same novel problem share one
new-flow proposal, and every exact follow-through of a flow has its ``auto_reinforced`` record.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.flywheel.confidence import add_support, session_evidence
from core.trees import add_branch, diff_trees, iter_nodes, normalize_label
from demo.discovery import Novel
from demo.dsl import A, Flow, Q, S, number_nodes
from demo.simulate import Simulated, new_uuid

GENERATOR = "offline rules"
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


def confidence(sims: list[Simulated]) -> float:
    """The flywheel's own formula: the first session's evidence, raised by every further supporting session."""
    score = 0.0
    for index, sim in enumerate(sims):
        row = sim.row
        evidence = session_evidence(row["confidence_tier"], row["rating"], len(sim.steps), row["match_score"])
        score = evidence if index == 0 else add_support(score, evidence)
    return score


@dataclass
class Group:
    """Sessions that ended in the same proposal."""

    key: str
    kind: str  # new_flow | enhancement
    sims: list[Simulated] = field(default_factory=list)
    status: str = "pending"
    proposal_id: uuid.UUID | None = None


def novel_tree(novel: Novel) -> dict[str, Any]:
    """A troubleshooting tree from a novel problem's questions, actions and resolution."""
    node: dict[str, Any] = S(novel.resolution)
    for action in reversed(novel.actions):
        node = A(action, ("Done", node))
    for question, options, picked in reversed(novel.questions):
        children = []
        for option in options:
            if option == picked:
                children.append((option, node))
            else:
                children.append((option, S("Not this problem: continue troubleshooting and record what you find.")))
        node = Q(question, *children)
    return number_nodes(node)[0]


def escape_tree(flow: Flow, sim: Simulated) -> dict[str, Any]:
    """The flow plus the branch the session took where it left the flow."""
    escape = sim.escape
    assert escape is not None and sim.escape_node is not None
    branch: dict[str, Any] = S(escape.resolution)
    for action in reversed(escape.actions):
        branch = A(action, ("Done", branch))
    branch, _, _ = number_nodes(branch)
    # Ids that cannot clash with the flow's own q/a/s numbering.
    for node, _parent, _depth in iter_nodes(branch):
        node["id"] = f"{sim.escape_node}-new-{node['id']}"
    branch["label"] = escape.answer[:200]
    return add_branch(flow.tree, sim.escape_node, branch)


def classify(
    sims: list[Simulated],
    pending_count: int,
    groups: dict[str, Group],
    analysis_delay: timedelta = timedelta(minutes=6),
) -> None:
    """Set every closed session's analysis fields; history sessions join ``groups`` (created as needed)."""
    closed = sorted((s for s in sims if s.row["status"] != "active"), key=lambda s: s.row["ended_at"])
    cut = max(0, len(closed) - pending_count)
    for sim in closed[cut:]:
        sim.row["analysis_status"] = "pending"
    for sim in closed[:cut]:
        row = sim.row
        row["analysis_status"] = "completed"
        row["analysis_attempts"] = 1
        row["analyzed_at"] = row["ended_at"] + analysis_delay
        status = row["status"]
        flow = sim.flow
        key = sim.extra.get("group")
        if key is None and status == "resolved":
            if sim.kind == "exploring":
                key = f"escape:{sim.divergence}"
            elif sim.kind == "discovery" and sim.novel is not None:
                key = f"novel:{sim.novel.key}"
        if key is not None:
            kind = "enhancement" if key.startswith(("escape:", "enhanced:")) else "new_flow"
            group = groups.setdefault(key, Group(key, kind))
            first = not group.sims
            group.sims.append(sim)
            row["analysis_outcome"] = kind if first else "merged"
            row["analysis_reason"] = (
                (
                    "Left the flow and resolved: enhancement proposed."
                    if kind == "enhancement"
                    else "No flow matched and the session resolved: new flow proposed."
                )
                if first
                else "Merged into an open proposal for the same problem."
            )
        elif sim.kind == "guided" and status == "resolved" and sim.reached_solution:
            row["analysis_outcome"] = "auto_reinforced"
            row["analysis_reason"] = f"Followed the flow to a solution (match {row['match_score']:.2f})."
        elif flow is not None and status in ("escalated", "abandoned"):
            row["analysis_outcome"] = "flow_failure_recorded"
            row["analysis_reason"] = f"Session {status}: counted as a failure of its matched flow."
        else:
            row["analysis_outcome"] = "no_proposal"
            row["analysis_reason"] = f"{status.capitalize()} without a usable resolution: nothing to propose."


def build_proposals(
    rng: random.Random,
    now: datetime,
    account_id: uuid.UUID,
    groups: dict[str, Group],
    sims: list[Simulated],
    flows: dict[str, Flow],
    flow_rows: dict[str, dict[str, Any]],
    reviewer_id: uuid.UUID,
) -> list[dict[str, Any]]:
    """Proposal rows for the history, in every status, and the links back from their sessions."""
    proposals: list[dict[str, Any]] = []
    cycle_novel = ("pending", "rejected", "dismissed")
    cycle_escape = ("pending", "dismissed", "rejected", "pending")
    n_novel = n_escape = n_published = 0
    for key in sorted(groups, key=lambda k: groups[k].sims[0].row["ended_at"]):
        group = groups[key]
        first = group.sims[0]
        ids = [str(s.row["id"]) for s in group.sims]
        last_analyzed = max(s.row["analyzed_at"] for s in group.sims)
        row: dict[str, Any] = {
            "id": new_uuid(rng),
            "account_id": account_id,
            "team_id": first.row["team_id"],
            "proposal_type": group.kind,
            "source_session_id": first.row["id"],
            "confidence_score": confidence(group.sims),
            "supporting_session_count": len(ids),
            "supporting_session_ids": ids,
            "generator": GENERATOR,
            "created_at": first.row["analyzed_at"],
            "updated_at": last_analyzed,
            "target_flow_id": None,
            "proposed_diff": None,
            "base_tree_version": None,
            "divergence_key": None,
            "reviewed_by": None,
            "reviewer_notes": None,
            "reviewed_at": None,
            "published_flow_id": None,
            "dismissed_support": None,
        }
        kind, _, rest = key.partition(":")
        if kind in ("generated", "enhanced"):
            flow = flows[rest]
            tree_row = flow_rows[rest]
            status = "modified" if n_published % 3 == 2 else "approved"
            n_published += 1
            row["status"] = status
            row["published_flow_id"] = tree_row["id"]
            row["reviewed_by"] = reviewer_id
            row["reviewed_at"] = tree_row["updated_at"]
            row["reviewer_notes"] = "Edited the wording before publishing." if status == "modified" else None
            row["problem_domain"] = flow.domain
            if kind == "generated":
                row["title"] = first.row["problem_summary"]
                row["description"] = f"New flow from {len(ids)} resolved sessions with no matching flow."
                tree = flow.tree
            else:
                row["target_flow_id"] = tree_row["id"]
                row["title"] = f"{flow.name}: {first.extra['change']}"
                row["description"] = f"Engineers left '{flow.name}' the same way in {len(ids)} sessions."
                row["base_tree_version"] = 1
                row["divergence_key"] = first.extra["divergence_key"]
                tree = flow.tree
                row["proposed_diff"] = diff_trees(first.extra["before"], tree)
            row["proposed_flow_data"] = _flow_data(row["title"], row["description"], flow.keywords, flow.domain, tree)
        elif kind == "novel":
            novel = first.novel
            assert novel is not None
            status = "pending" if novel.key in ALWAYS_PENDING else cycle_novel[n_novel % len(cycle_novel)]
            n_novel += 1
            row["status"] = status
            row["problem_domain"] = novel.domain
            row["title"] = novel.subjects[0]
            row["description"] = novel.description
            words = [w for w in normalize_label(novel.subjects[0]).split() if len(w) > 3][:6]
            row["proposed_flow_data"] = _flow_data(
                novel.subjects[0], novel.description, words, novel.domain, novel_tree(novel)
            )
        else:
            flow = first.flow
            assert flow is not None and first.escape is not None
            status = cycle_escape[n_escape % len(cycle_escape)]
            n_escape += 1
            row["status"] = status
            row["problem_domain"] = flow.domain
            row["target_flow_id"] = flow_rows[flow.key]["id"]
            row["base_tree_version"] = flow_rows[flow.key]["version"]
            row["divergence_key"] = f"{first.escape_node}|{normalize_label(first.escape.answer)}"
            row["title"] = f"{flow.name}: add '{first.escape.answer[:80]}'"
            row["description"] = f"Engineers answered '{first.escape.answer}' in {len(ids)} sessions."
            tree = escape_tree(flow, first)
            row["proposed_diff"] = diff_trees(flow.tree, tree)
            row["proposed_flow_data"] = _flow_data(flow.name, flow.description, flow.keywords, flow.domain, tree)
        if row["status"] in ("rejected", "dismissed"):
            row["reviewed_by"] = reviewer_id
            row["reviewed_at"] = min(now - timedelta(hours=2), last_analyzed + timedelta(days=1))
            notes = REJECT_NOTES if row["status"] == "rejected" else DISMISS_NOTES
            row["reviewer_notes"] = notes[len(proposals) % len(notes)]
            if row["status"] == "dismissed":
                row["dismissed_support"] = len(ids)
        group.status = row["status"]
        group.proposal_id = row["id"]
        for sim in group.sims:
            sim.row["analysis_proposal_id"] = row["id"]
        proposals.append(row)
    proposals.extend(_reinforcements(rng, account_id, sims, flow_rows))
    return proposals


def _reinforcements(
    rng: random.Random, account_id: uuid.UUID, sims: list[Simulated], flow_rows: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for sim in sims:
        if sim.row.get("analysis_outcome") != "auto_reinforced":
            continue
        flow = sim.flow
        assert flow is not None
        proposal_id = new_uuid(rng)
        sim.row["analysis_proposal_id"] = proposal_id
        rows.append(
            {
                "id": proposal_id,
                "account_id": account_id,
                "team_id": sim.row["team_id"],
                "proposal_type": "enhancement",
                "status": "auto_reinforced",
                "target_flow_id": flow_rows[flow.key]["id"],
                "source_session_id": sim.row["id"],
                "title": f"Reinforced: {flow.name}"[:300],
                "description": sim.row["analysis_reason"],
                "proposed_flow_data": _flow_data(
                    flow.name, flow.description, flow.keywords, flow.domain, flow_rows[flow.key]["tree_structure"]
                ),
                "proposed_diff": {"added": [], "changed": [], "removed": [], "summary": []},
                "confidence_score": confidence([sim]),
                "supporting_session_count": 1,
                "supporting_session_ids": [str(sim.row["id"])],
                "problem_domain": flow.domain,
                "generator": "none (auto-reinforced)",
                "base_tree_version": flow_rows[flow.key]["version"],
                "divergence_key": None,
                "reviewed_by": None,
                "reviewer_notes": None,
                "reviewed_at": None,
                "published_flow_id": None,
                "dismissed_support": None,
                "created_at": sim.row["analyzed_at"],
                "updated_at": sim.row["analyzed_at"],
            }
        )
    return rows


def _flow_data(title: str, description: str, keywords: list[str], domain: str | None, tree: dict[str, Any]):
    return {
        "title": title,
        "description": description,
        "match_keywords": list(keywords),
        "problem_domain": domain,
        "tree_structure": tree,
    }


def flow_stats(sims: list[Simulated], flow_rows: dict[str, dict[str, Any]]) -> None:
    """times_matched / times_resolved / success_rate / last_matched_at from the sessions already analysed."""
    matched: dict[str, list[Simulated]] = defaultdict(list)
    for sim in sims:
        if sim.flow is not None and sim.row["analysis_status"] == "completed":
            matched[sim.flow.key].append(sim)
    for key, row in flow_rows.items():
        done = matched.get(key, [])
        resolved = sum(1 for s in done if s.row["status"] == "resolved")
        row["times_matched"] = len(done)
        row["times_resolved"] = resolved
        row["success_rate"] = round(resolved / len(done), 4) if done else 0.0
        # As the flywheel records it: when the latest analysed session of the flow ended.
        row["last_matched_at"] = max((s.row["ended_at"] for s in done), default=None)
