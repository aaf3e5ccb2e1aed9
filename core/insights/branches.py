"""Gap → branch proposal: a weak-options gap (a question answered in free text) becomes one enhancement proposal
that adds the most common free-text answers as options of that question.

Rules (tests pin them):
* the free-text answers to the gap's question in the gap report's window are read with the flow and node they stood
  on (``sql/health_weak_option_answers.sql``); the flow and node with the most answers is the target (a published
  flow of the account; a procedural flow has no options to add);
* the answers are clustered with the local embedder (``core.insights.clusters.cluster_by_embedding``: similar
  wordings join one cluster); clusters by size, largest first, and an answer that is already an option is skipped;
* as many clusters become options as the question has room for (5 options at most): each option is labelled with
  the cluster's most frequent wording and leads to a solution: the most common resolution summary of the resolved
  sessions in the cluster, else a placeholder for the reviewer to fill in;
* the proposal is reviewed like any other enhancement (Edit & Publish writes the flow's next version); a second
  click while one is pending for the same question of the same flow is refused.
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import CurrentUser, require_team_admin
from core.enums import ProposalStatus, ProposalType
from core.insights.clusters import cluster_by_embedding
from core.insights.gaps import KnowledgeGap
from core.models import FlowProposal, Tree
from core.review.flows import proposal_data
from core.similarity.embedders import LocalEmbedder
from core.sqlfiles import run
from core.trees import (
    MAX_LABEL_LENGTH,
    QUESTION_CHILDREN,
    diff_trees,
    ensure_valid,
    find_node,
    is_procedural,
    iter_nodes,
    normalize_label,
)

GENERATOR = "weak-options gap"
# Confidence grows with the answers behind the branch: 0.3 plus 0.05 a session, at most 0.95.
BASE_CONFIDENCE, PER_SESSION, MAX_CONFIDENCE = 0.3, 0.05, 0.95
PLACEHOLDER = "Describe the fix when the answer is: {answer}"


class BranchNotPossible(ValueError):
    """The gap cannot become a branch proposal; the message says why."""


@dataclass(frozen=True)
class Cluster:
    label: str
    sessions: list[str]
    solution: str


def _clusters(rows: list[dict[str, Any]]) -> list[Cluster]:
    by_answer: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_answer.setdefault(row["answer_key"], []).append(row)
    intakes = [
        {"summary": items[0]["answer"], "summary_key": key, "sessions": len(items), "rows": items}
        for key, items in by_answer.items()
    ]
    result = []
    for members in cluster_by_embedding(intakes, LocalEmbedder()):
        found = [row for member in members for row in member["rows"]]
        wordings = Counter(row["answer"] for row in found)
        label = sorted(wordings.items(), key=lambda item: (-item[1], item[0]))[0][0]
        fixes = Counter(
            r["resolution_summary"].strip() for r in found if r["status"] == "resolved" and r["resolution_summary"]
        )
        solution = sorted(fixes.items(), key=lambda item: (-item[1], item[0]))[0][0] if fixes else ""
        result.append(Cluster(label[:MAX_LABEL_LENGTH], [r["session_id"] for r in found], solution))
    return sorted(result, key=lambda c: (-len(c.sessions), c.label))


def _next_id(used: set[str]) -> str:
    n = 1
    while f"gap{n}" in used:
        n += 1
    used.add(f"gap{n}")
    return f"gap{n}"


def propose_branch(
    db: Session, user: CurrentUser, gap: KnowledgeGap, *, now: datetime, lookback_days: int = 30
) -> FlowProposal:
    """Turn a weak-options ``gap`` into a pending enhancement proposal; raises :class:`BranchNotPossible`."""
    require_team_admin(user, user.account_id)
    if gap.gap_type != "weak_options":
        raise BranchNotPossible("Only a weak-options gap can propose a branch.")
    end = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    rows = run(
        db,
        "health_weak_option_answers",
        account_id=user.account_id,
        question_key=str(gap.evidence.get("signature", "")),
        start=end - timedelta(days=lookback_days),
        end=end,
    )
    places = Counter((r["flow_id"], r["node_id"]) for r in rows)
    flows = (
        {
            str(f.id): f
            for f in db.scalars(
                select(Tree).where(
                    Tree.account_id == user.account_id,
                    Tree.is_published.is_(True),
                    Tree.id.in_({uuid.UUID(flow_id) for flow_id, _ in places}),
                )
            )
        }
        if places
        else {}
    )
    ranked = [place for place, _ in sorted(places.items(), key=lambda item: (-item[1], item[0])) if place[0] in flows]
    if not ranked:
        raise BranchNotPossible("No free-text answer to this question was given on a published flow in the window.")
    flow_id, node_id = ranked[0]
    flow = flows[flow_id]
    tree = flow.tree_structure
    node = None if is_procedural(tree) else find_node(tree, node_id)
    if node is None or node.get("type") != "question":
        raise BranchNotPossible(f"Node '{node_id}' of '{flow.name}' is not a question of the current flow.")
    pending = db.scalar(
        select(FlowProposal.id).where(
            FlowProposal.target_flow_id == flow.id,
            FlowProposal.generator == GENERATOR,
            FlowProposal.divergence_key == f"{node_id}|gap",
            FlowProposal.status == ProposalStatus.PENDING,
        )
    )
    if pending is not None:
        raise BranchNotPossible("A branch proposal for this question is already pending in the Review Queue.")
    existing = {normalize_label(c.get("label")) for c in node.get("children") or []}
    room = QUESTION_CHILDREN[1] - len(node.get("children") or [])
    if room <= 0:
        raise BranchNotPossible(f"The question already offers {QUESTION_CHILDREN[1]} options: no room for another.")
    chosen = [
        c
        for c in _clusters([r for r in rows if (r["flow_id"], r["node_id"]) == (flow_id, node_id)])
        if normalize_label(c.label) not in existing
    ][:room]
    if not chosen:
        raise BranchNotPossible("Every free-text answer is already an option of the question.")
    proposed = _with_options(tree, node_id, chosen)
    ensure_valid(proposed)
    sessions = [s for c in chosen for s in c.sessions]
    question = str(node.get("question", ""))
    proposal = FlowProposal(
        account_id=user.account_id,
        team_id=flow.team_id,
        proposal_type=ProposalType.ENHANCEMENT,
        status=ProposalStatus.PENDING,
        target_flow_id=flow.id,
        title=f"Add {len(chosen)} option{'s' if len(chosen) != 1 else ''} to “{question[:200]}”",
        description=(
            f"From the weak-options gap: {len(sessions)} free-text answers to this question of '{flow.name}' "
            f"in the last {lookback_days} days, grouped into: "
            + "; ".join(f"“{c.label}” ({len(c.sessions)})" for c in chosen)
            + "."
        ),
        proposed_flow_data=proposal_data(flow, proposed),
        proposed_diff=diff_trees(tree, proposed),
        confidence_score=round(min(MAX_CONFIDENCE, BASE_CONFIDENCE + PER_SESSION * len(sessions)), 3),
        supporting_session_count=len(sessions),
        supporting_session_ids=sessions[:50],
        problem_domain=flow.problem_domain,
        generator=GENERATOR,
        base_tree_version=flow.version,
        divergence_key=f"{node_id}|gap",
        created_at=end,
        updated_at=end,
    )
    db.add(proposal)
    db.flush()
    return proposal


def _with_options(tree: dict[str, Any], node_id: str, clusters: list[Cluster]) -> dict[str, Any]:
    result = copy.deepcopy(tree)
    used = {str(n.get("id")) for n, _parent, _depth in iter_nodes(result)}
    node = find_node(result, node_id)
    if node is None:  # checked by the caller; kept so a refactor cannot append to nothing
        raise BranchNotPossible(f"Node '{node_id}' is not in the flow.")
    for cluster in clusters:
        node.setdefault("children", []).append(
            {
                "id": _next_id(used),
                "label": cluster.label,
                "type": "solution",
                "solution": cluster.solution or PLACEHOLDER.format(answer=cluster.label),
            }
        )
    return result
