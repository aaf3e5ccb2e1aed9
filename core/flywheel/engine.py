"""Analyse one closed session: classify it by the decision table and act (reinforce, propose, merge, record).

``analyze_session`` runs inside the caller's transaction and does not commit. It never calls a model before the
duplicate check, counts every model call against the account's daily budget, and returns an :class:`Outcome`
that the worker persists on the session (``core.flywheel.queue``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import Session

from core.flywheel.classify import Decision
from core.flywheel.clusters import session_path
from core.flywheel.dedup import find_enhancement, find_similar, merge
from core.flywheel.divergence import FlowWalk
from core.flywheel.facts import SessionFacts
from core.flywheel.generators import (
    EnhancementTarget,
    Generated,
)
from core.flywheel.plan import (
    Outcome,
    Prepared,
    Providers,
    branch_refusal,
    build_providers,
    matching,
    plan_session,
)
from core.flywheel.prepare import generate, prepare, record_spent
from core.llm import budget
from core.models import AISession, FlowProposal, Tree, utcnow
from core.similarity.embedders import from_bytes, to_bytes
from core.trees import diff_trees

__all__ = [
    "FlowStats",
    "Outcome",
    "Prepared",
    "Providers",
    "analyze_session",
    "build_providers",
    "merge_candidate",
    "prepare",
]


@dataclass
class FlowStats:
    """Flow statistics of several sessions, written in one statement at the end of their transaction.

    The sums give the same counts, rate (success_rate = resolved / matched) and latest match as one update per
    session would.
    """

    counts: dict[uuid.UUID, list] = field(default_factory=dict)

    def add(self, flow_id: uuid.UUID, resolved: bool, when: datetime) -> None:
        entry = self.counts.setdefault(flow_id, [0, 0, when])
        entry[0] += 1
        entry[1] += 1 if resolved else 0
        entry[2] = max(entry[2], when)

    def write(self, db: Session) -> None:
        """Atomic increments, so concurrent workers never lose a count; rows in id order, so they never deadlock."""
        if not self.counts:
            return
        table = Tree.__table__
        matched = bindparam("b_matched", type_=table.c.times_matched.type)
        won = bindparam("b_won", type_=table.c.times_resolved.type)
        when = bindparam("b_when", type_=table.c.last_matched_at.type)
        last = table.c.last_matched_at
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id", type_=table.c.id.type))
            .values(
                times_matched=table.c.times_matched + matched,
                times_resolved=table.c.times_resolved + won,
                success_rate=(table.c.times_resolved + won) * 1.0 / (table.c.times_matched + matched),
                last_matched_at=case((last.is_(None), when), (last < when, when), else_=last),
            )
        )
        rows = [
            {"b_id": flow_id, "b_matched": m, "b_won": r, "b_when": w}
            for flow_id, (m, r, w) in sorted(self.counts.items(), key=lambda item: str(item[0]))
        ]
        db.execute(statement, rows)
        self.counts.clear()


def _generate(
    db: Session, facts: SessionFacts, providers: Providers, now: datetime, make, prepared: Prepared | None
) -> Generated | Outcome:
    """Run ``make(generator, reserve)`` under the budget, in this transaction; an Outcome ``deferred`` when the
    budget is spent. A result :func:`prepare` already obtained outside the transaction is used as is.
    """
    if prepared is not None:
        return prepared.result
    return generate(
        providers,
        now,
        make,
        lambda: budget.reserve_call(db, facts.account_id, now, providers.settings.daily_llm_budget),
        lambda spent: record_spent(db, facts.account_id, now, spent),
    )


def _proposal(facts: SessionFacts, evidence: float, now: datetime, **fields) -> FlowProposal:
    """A proposal (or reinforcement record) supported by this one session, added to the transaction."""
    return FlowProposal(
        id=uuid.uuid4(),
        account_id=facts.account_id,
        source_session_id=facts.id,
        confidence_score=evidence,
        supporting_session_count=1,
        supporting_session_ids=[str(facts.id)],
        created_at=now,
        updated_at=utcnow(),
        **fields,
    )


def _pending(
    facts: SessionFacts, evidence: float, now: datetime, generated: Generated, providers: Providers, **fields
) -> FlowProposal:
    """A pending proposal of what a generator made; it names the offline generator when no model was called."""
    data = generated.flow_data
    return _proposal(
        facts,
        evidence,
        now,
        status="pending",
        title=data["title"],
        description=data["description"],
        proposed_flow_data=data,
        generator=providers.generator.name if generated.usage.calls else providers.offline.name,
        **fields,
    )


def _merged(proposal: FlowProposal, resurfaced: bool, same: str) -> Outcome:
    """The outcome of a session merged into ``proposal``; ``same`` says what the two share."""
    note = " It was dismissed and returns to review." if resurfaced else ""
    return Outcome(
        "merged",
        f"{same} as proposal '{proposal.title}': support now {proposal.supporting_session_count}.{note}",
        proposal.id,
        resurfaced=resurfaced,
    )


def _new_flow(
    db: Session,
    facts: SessionFacts,
    providers: Providers,
    now: datetime,
    decision: Decision,
    evidence: float,
    prepared: Prepared | None = None,
    flush: bool = True,
) -> Outcome:
    embedder = providers.embedder
    vector = facts.dedup_vector(embedder)
    duplicate = find_similar(
        db, providers.index, facts.account_id, facts.domain, embedder.name, vector, embedder.threshold
    )
    if duplicate is not None:
        resurfaced = merge(
            db,
            duplicate,
            facts.id,
            evidence,
            providers.settings.dismissed_resurface_support,
            flush=flush,
            path=session_path(facts),
            vector=vector,
        )
        if duplicate.embedding is not None:
            providers.index.add(duplicate, from_bytes(duplicate.embedding))  # the centroid the merge moved to
        return _merged(duplicate, resurfaced, "Same problem")
    generated = _generate(
        db, facts, providers, now, lambda gen, reserve: gen.new_flow(facts, reserve), matching(prepared, None)
    )
    if isinstance(generated, Outcome):
        return generated
    proposal = _pending(
        facts,
        evidence,
        now,
        generated,
        providers,
        team_id=facts.team_id,
        proposal_type="new_flow",
        proposed_diff=None,
        problem_domain=facts.domain,
        embedding=to_bytes(vector),
        embedder=embedder.name,
    )
    db.add(proposal)
    db.flush()
    providers.index.add(proposal, vector)
    return Outcome("new_flow", decision.reason, proposal.id)


def _enhancement(
    db: Session,
    flow: Tree,
    facts: SessionFacts,
    walk: FlowWalk,
    providers: Providers,
    now: datetime,
    decision: Decision,
    evidence: float,
    prepared: Prepared | None = None,
) -> Outcome:
    refusal = branch_refusal(walk)
    if refusal is not None:
        return Outcome("no_proposal", refusal)
    node = walk.node
    key = walk.key
    existing = find_enhancement(db, facts.account_id, flow.id, node["id"], walk.label or "")
    if existing is not None:
        resurfaced = merge(db, existing, facts.id, evidence, providers.settings.dismissed_resurface_support)
        return _merged(existing, resurfaced, f"Same new branch '{walk.label}'")
    target = EnhancementTarget(flow.name, flow.tree_structure, node["id"], walk.label or "")
    generated = _generate(
        db,
        facts,
        providers,
        now,
        lambda gen, reserve: gen.enhancement(facts, target, walk.after, reserve),
        matching(prepared, key),
    )
    if isinstance(generated, Outcome):
        return generated
    proposal = _pending(
        facts,
        evidence,
        now,
        generated,
        providers,
        team_id=flow.team_id or facts.team_id,
        proposal_type="enhancement",
        target_flow_id=flow.id,
        base_tree_version=flow.version,
        divergence_key=key,
        proposed_diff=diff_trees(flow.tree_structure, generated.flow_data["tree_structure"]),
        problem_domain=flow.problem_domain,
    )
    db.add(proposal)
    db.flush()
    return Outcome("enhancement", decision.reason, proposal.id)


def _reinforce(
    db: Session, flow: Tree, facts: SessionFacts, now: datetime, decision: Decision, evidence: float, flush: bool
) -> Outcome:
    data = {
        "title": flow.name,
        "description": flow.description,
        "match_keywords": list(flow.match_keywords or []),
        "problem_domain": flow.problem_domain,
        "tree_structure": flow.tree_structure,
    }
    proposal = _proposal(
        facts,
        evidence,
        now,
        team_id=flow.team_id or facts.team_id,
        proposal_type="enhancement",
        status="auto_reinforced",
        target_flow_id=flow.id,
        base_tree_version=flow.version,
        title=f"Reinforced: {flow.name}"[:300],
        description=decision.reason,
        proposed_flow_data=data,
        proposed_diff={"added": [], "changed": [], "removed": [], "summary": []},
        problem_domain=flow.problem_domain,
        generator="none (auto-reinforced)",
    )
    db.add(proposal)
    if flush:
        db.flush()
    return Outcome("auto_reinforced", decision.reason, proposal.id)


def merge_candidate(
    db: Session, session: AISession, facts: SessionFacts, providers: Providers
) -> tuple[uuid.UUID | None, bool]:
    """What the cached index says ``session`` will do, without locks or a refresh: the open proposal it would
    merge into (or None), and whether its analysis is expected to take a lock other workers queue for (a new
    proposal's duplicate check, or an enhancement's).

    A worker locks the candidates of a whole chunk up front (:func:`~core.flywheel.dedup.lock_open_many`) and ends
    the chunk after the first session expected to serialise; the analysis still decides, under its own locks, as
    :func:`analyze_session` always does.
    """
    plan = plan_session(db, session, facts)
    if plan.decision.kind == "enhancement":
        return None, True
    if plan.decision.kind != "new_flow":
        return None, False
    embedder = providers.embedder
    group = providers.index.group(db, facts.account_id, facts.domain, embedder.name, fresh=False)
    hit = group.best(facts.dedup_vector(embedder), embedder.threshold, set())
    return (hit[0], False) if hit is not None else (None, True)


def analyze_session(
    db: Session,
    session: AISession,
    providers: Providers,
    now: datetime,
    prepared: Prepared | None = None,
    *,
    facts: SessionFacts | None = None,
    flow_stats: FlowStats | None = None,
) -> Outcome:
    """Classify ``session`` by the decision table and act on it; see the module docstring.

    ``prepared`` is a model answer from :func:`prepare`; without one, a model call happens inside the caller's
    transaction (fine for the offline generator, which is instant). A worker analysing a batch passes the
    ``facts`` it read for the whole batch, and ``flow_stats`` to collect the flow statistics it writes (with
    :meth:`FlowStats.write`) before its transaction commits; it then also flushes merges and reinforcement
    records itself, before it writes outcomes that refer to them. Without them, all of it happens here.
    """
    # A batch (flow_stats given) flushes merges and reinforcement records together before its outcomes.
    flush = flow_stats is None
    plan = plan_session(db, session, facts)
    facts, flow, walk, decision, evidence = plan.facts, plan.flow, plan.walk, plan.decision, plan.evidence
    if decision.kind == "auto_reinforced":
        outcome = _reinforce(db, flow, facts, now, decision, evidence, flush)
    elif decision.kind == "enhancement":
        outcome = _enhancement(db, flow, facts, walk, providers, now, decision, evidence, prepared)
    elif decision.kind == "new_flow":
        outcome = _new_flow(db, facts, providers, now, decision, evidence, prepared, flush)
    else:
        outcome = Outcome(decision.kind, decision.reason)
    if flow is not None and outcome.kind != "deferred":
        collected = FlowStats() if flow_stats is None else flow_stats
        collected.add(flow.id, session.status == "resolved", session.ended_at or now)
        if flow_stats is None:
            collected.write(db)
    return outcome
