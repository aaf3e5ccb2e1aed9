"""The model writes a proposal's tree once per cluster, from all its supporting sessions, when the cluster is worth it.

With a model configured, a session that starts a proposal gets the offline tree (no call). A pending proposal is
*due* for the model when it has ``model_at_support`` supporting sessions, or when it was created
``model_after_hours`` ago, or when a reviewer asked for a new tree (``core.review.decisions.ask_for_new_tree``); it is written
once, and not again unless a reviewer asks. The worker runs :func:`generate_due` after each pass. Like a session's
model call, the call is made with no database transaction open: the proposal's supporting sessions are read in a
short transaction, the model is asked, and the answer is stored in another transaction that locks the proposal and
checks it is still pending. Sessions merged while the call ran are merged into the new tree as usual.

Every call is reserved against the account's daily budget and recorded in ``llm_usage`` (per account and day), and
counted on the proposal (``model_calls``): calls per cluster. A failure is kept on the proposal
(``generation_error``); after :data:`MAX_ATTEMPTS` failures the offline tree stands until a reviewer asks again.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.flywheel.clusters import is_placeholder, merge_path, session_path
from core.flywheel.divergence import walk_session
from core.flywheel.facts import SessionFacts, load_facts_many
from core.flywheel.generators import BudgetExhausted, EnhancementTarget, Generated, GenerationError, Generator
from core.flywheel.plan import Providers
from core.llm.client import EngineLedger, Ledger
from core.models import AISession, FlowProposal, Tree, utcnow
from core.trees import SUPPORT_KEY, diff_trees, is_procedural, iter_nodes, validate_tree

log = logging.getLogger(__name__)

# Supporting sessions sent in one request: the first half and the latest half of them (a bounded prompt).
MAX_SESSIONS = 8
MAX_ATTEMPTS = 3
# Proposals written per pass at most (each is a model call of a few seconds).
PER_PASS = 20


def due_query(now: datetime, at_support: int, after_hours: float, limit: int):
    """Pending proposals the model should write now: a reviewer's request first, then the best supported."""
    cutoff = now - timedelta(hours=after_hours)
    return (
        select(FlowProposal.id)
        .where(
            FlowProposal.status == "pending",
            FlowProposal.proposal_type.in_(("new_flow", "enhancement")),
            or_(
                FlowProposal.regenerate_requested_at.is_not(None),
                and_(
                    FlowProposal.model_generated_at.is_(None),
                    FlowProposal.generation_attempts < MAX_ATTEMPTS,
                    or_(FlowProposal.supporting_session_count >= at_support, FlowProposal.created_at <= cutoff),
                ),
            ),
        )
        .order_by(
            FlowProposal.regenerate_requested_at.is_(None),
            FlowProposal.supporting_session_count.desc(),
            FlowProposal.created_at,
            FlowProposal.id,
        )
        .limit(limit)
    )


def _chosen(ids: list[str]) -> list[str]:
    if len(ids) <= MAX_SESSIONS:
        return list(ids)
    half = MAX_SESSIONS // 2
    return ids[:half] + ids[-(MAX_SESSIONS - half) :]


@dataclass
class ClusterCall:
    """What one model call for a proposal needs, read before the call."""

    proposal_id: uuid.UUID
    account_id: uuid.UUID
    used: list[str]
    build: Callable[[Generator, Ledger | None], Generated]


def read_cluster(db: Session, proposal: FlowProposal) -> ClusterCall | str:
    """The call that writes ``proposal`` from its supporting sessions, or why there can be none."""
    used = _chosen([str(i) for i in proposal.supporting_session_ids or []])
    rows = db.scalars(select(AISession).where(AISession.id.in_([uuid.UUID(i) for i in used]))).all()
    facts_by_id = load_facts_many(db, list(rows))
    cluster: list[SessionFacts] = [facts_by_id[uuid.UUID(i)] for i in used if uuid.UUID(i) in facts_by_id]
    if not cluster:
        return "None of its supporting sessions is left."
    used = [str(f.id) for f in cluster]
    if proposal.proposal_type == "new_flow":
        return ClusterCall(
            proposal.id, proposal.account_id, used, lambda gen, ledger: gen.new_flow_cluster(cluster, ledger)
        )
    flow = db.get(Tree, proposal.target_flow_id) if proposal.target_flow_id else None
    node_id = (proposal.divergence_key or "").partition("|")[0]
    if flow is None or not isinstance(flow.tree_structure, dict):
        return "Its flow is gone."
    walks = [(f, walk_session(flow.tree_structure, f.steps)) for f in cluster]
    left_here = [(f, w) for f, w in walks if w.diverged and w.node.get("id") == node_id]
    if not left_here:
        return f"No supporting session leaves the flow at node '{node_id}' any more (the flow changed)."
    used = [str(f.id) for f, _w in left_here]
    target = EnhancementTarget(flow.name, copy.deepcopy(flow.tree_structure), node_id, left_here[0][1].label or "")
    branch = [(f, w.after) for f, w in left_here]
    return ClusterCall(
        proposal.id, proposal.account_id, used, lambda gen, ledger: gen.enhancement_cluster(branch, target, ledger)
    )


def _walk_sessions(db: Session, tree: dict, session_ids: list | None) -> dict:
    """The model's tree with every supporting session's path merged in, the sessions it read and those that came
    later: each node counts the sessions that took it (0 for a branch the model wrote that no session took), keeps
    the sessions' other wordings, and gains a path the model left out where it fits."""
    if is_procedural(tree) or validate_tree(tree):
        return tree
    tree = copy.deepcopy(tree)
    for node, _parent, _depth in iter_nodes(tree):
        if not is_placeholder(node):
            node[SUPPORT_KEY] = 0
    ids = [uuid.UUID(str(i)) for i in session_ids or []]
    rows = db.scalars(select(AISession).where(AISession.id.in_(ids))).all() if ids else []
    facts_of = load_facts_many(db, list(rows))
    for session_id in ids:  # in the order they joined the proposal
        if session_id in facts_of:
            tree = merge_path(tree, session_path(facts_of[session_id])).tree
    return tree


def _store(db: Session, call: ClusterCall, answer: Generated, generator: str, now: datetime) -> bool:
    """Put the model's tree on the proposal, if it is still pending; True when stored."""
    proposal = db.get(FlowProposal, call.proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        return False
    proposal.model_calls = (proposal.model_calls or 0) + answer.usage.calls
    if proposal.status != "pending":
        return False
    data = answer.flow_data
    if proposal.proposal_type == "new_flow":
        data = {**data, "tree_structure": _walk_sessions(db, data["tree_structure"], proposal.supporting_session_ids)}
    else:
        flow = db.get(Tree, proposal.target_flow_id)
        proposal.proposed_diff = diff_trees(flow.tree_structure, data["tree_structure"])
        proposal.base_tree_version = flow.version
    proposal.proposed_flow_data = data
    proposal.title = data.get("title") or proposal.title
    proposal.description = data.get("description") or proposal.description
    proposal.generator = generator
    proposal.model_generated_at = now
    proposal.model_generated_support = len(call.used)
    proposal.regenerate_requested_at = None
    proposal.regenerate_requested_by = None
    proposal.generation_error = None
    proposal.updated_at = utcnow()
    return True


def _fail(db: Session, proposal_id: uuid.UUID, error: str, calls: int) -> None:
    proposal = db.get(FlowProposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        return
    proposal.model_calls = (proposal.model_calls or 0) + calls
    proposal.generation_attempts = (proposal.generation_attempts or 0) + 1
    proposal.generation_error = error[:2000]
    # A reviewer's request is answered, by the error; the offline tree stands.
    proposal.regenerate_requested_at = None
    proposal.regenerate_requested_by = None


@dataclass
class ClusterStats:
    written: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0


def generate_due(engine: Engine, providers: Providers, now: datetime, limit: int = PER_PASS) -> ClusterStats:
    """Write every due proposal with the model (at most ``limit``); nothing without a model configured."""
    stats = ClusterStats()
    generator = providers.generator
    if not generator.uses_llm:
        return stats
    settings = providers.settings
    with session_scope(engine) as db:
        ids = list(db.scalars(due_query(now, settings.model_at_support, settings.model_after_hours, limit)))
    spent_accounts: set[uuid.UUID] = set()
    for proposal_id in ids:
        with session_scope(engine) as db:
            proposal = db.get(FlowProposal, proposal_id)
            if proposal is None or proposal.status != "pending" or proposal.account_id in spent_accounts:
                stats.skipped += 1
                continue
            call = read_cluster(db, proposal)
            if isinstance(call, str):
                _fail(db, proposal_id, call, 0)
                stats.failed += 1
                continue
        ledger = EngineLedger(engine, call.account_id, now, settings.daily_llm_budget)
        try:
            answer = call.build(generator, ledger)
        except BudgetExhausted:
            # Tomorrow's budget; the proposal stays due.
            spent_accounts.add(call.account_id)
            stats.deferred += 1
            continue
        except GenerationError as exc:
            with session_scope(engine) as db:
                _fail(db, proposal_id, f"GenerationError: {exc}", exc.usage.calls if exc.usage else 0)
            stats.failed += 1
            log.warning("proposal %s: model could not write the tree: %s", proposal_id, exc)
            continue
        with session_scope(engine) as db:
            stored = _store(db, call, answer, generator.name, now)
        stats.written += stored
        stats.skipped += not stored
        log.info("proposal %s: written by the model from %d sessions", proposal_id, len(call.used))
    return stats
