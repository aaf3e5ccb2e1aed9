"""Analyse one closed session: act on its route (reinforce, propose, merge, record).

:func:`analyze` runs inside the caller's transaction and does not commit. It never calls a model before the
duplicate check, counts every model call against the account's daily budget, and returns an :class:`Outcome`
that the worker persists on the session (``core.flywheel.queue``). Sessions analysed in one transaction share a
:class:`Batch`: the locks it holds, the flow statistics it writes once, and the writes it flushes together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import Session

from core.flywheel.clusters import session_path
from core.flywheel.dedup import Locks, merge
from core.flywheel.facts import SessionFacts, dedup_embedder
from core.flywheel.generators import Generated
from core.flywheel.plan import (
    LockedDuplicates,
    Outcome,
    Plan,
    Prepared,
    Providers,
    Route,
    build_providers,
    plan_session,
    route,
)
from core.flywheel.prepare import generate
from core.llm.client import AccountLedger
from core.models import AISession, FlowProposal, Tree, utcnow
from core.similarity.embedders import from_bytes, to_bytes
from core.trees import diff_trees

__all__ = [
    "Batch",
    "FlowStats",
    "Outcome",
    "Prepared",
    "Providers",
    "analyze",
    "analyze_session",
    "build_providers",
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


@dataclass
class Batch:
    """What the sessions analysed in one transaction share: its proposal locks (:class:`~core.flywheel.dedup.Locks`)
    and its flow statistics. Merges and reinforcement records are flushed together by :meth:`finish`, which the
    caller runs before it writes outcomes that refer to them and commits."""

    locks: Locks = field(default_factory=Locks)
    flow_stats: FlowStats = field(default_factory=FlowStats)

    def finish(self, db: Session) -> None:
        db.flush()
        self.flow_stats.write(db)


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


def _reinforce(db: Session, plan: Plan, now: datetime) -> FlowProposal:
    """The record of a session that followed its flow to a solution (auto-reinforced, never reviewed)."""
    flow, facts = plan.flow, plan.facts
    data = {
        "title": flow.name,
        "description": flow.description,
        "match_keywords": list(flow.match_keywords or []),
        "problem_domain": flow.problem_domain,
        "tree_structure": flow.tree_structure,
    }
    proposal = _proposal(
        facts,
        plan.evidence,
        now,
        team_id=flow.team_id or facts.team_id,
        proposal_type="enhancement",
        status="auto_reinforced",
        target_flow_id=flow.id,
        base_tree_version=flow.version,
        title=f"Reinforced: {flow.name}"[:300],
        description=plan.decision.reason,
        proposed_flow_data=data,
        proposed_diff={"added": [], "changed": [], "removed": [], "summary": []},
        problem_domain=flow.problem_domain,
        generator="none (auto-reinforced)",
    )
    db.add(proposal)
    return proposal


def _merged(proposal: FlowProposal, resurfaced: bool, same: str) -> Outcome:
    """The outcome of a session merged into ``proposal``; ``same`` says what the two share."""
    note = " It was dismissed and returns to review." if resurfaced else ""
    return Outcome(
        "merged",
        f"{same} as proposal '{proposal.title}': support now {proposal.supporting_session_count}.{note}",
        proposal.id,
        resurfaced=resurfaced,
    )


def _target_fields(plan: Plan, routed: Route, providers: Providers, data: dict) -> dict:
    """What a proposal records about its target: the problem (a new flow, with its embedding for dedup) or the
    flow, the version and the branch it extends (an enhancement, with its diff and the embedding of its branch)."""
    facts, flow = plan.facts, plan.flow
    if routed.kind == "new_flow":
        embedder = providers.embedder
        return {
            "team_id": facts.team_id,
            "proposal_type": "new_flow",
            "proposed_diff": None,
            "problem_domain": facts.domain,
            "embedding": to_bytes(facts.dedup_vector(embedder)),
            "embedder": dedup_embedder(embedder),
        }
    embedder = providers.embedder
    return {
        "team_id": flow.team_id or facts.team_id,
        "proposal_type": "enhancement",
        "embedding": to_bytes(facts.branch_vector(embedder, plan.walk.label, plan.walk.after)),
        "embedder": embedder.name,
        "target_flow_id": flow.id,
        "base_tree_version": flow.version,
        "divergence_key": plan.walk.key,
        "proposed_diff": diff_trees(flow.tree_structure, data["tree_structure"]),
        "problem_domain": flow.problem_domain,
    }


def _propose(
    db: Session, plan: Plan, routed: Route, providers: Providers, now: datetime, answer: Generated | Outcome | None
) -> Outcome:
    """A pending proposal of the route's target, from the prepared ``answer`` or generated here, in this
    transaction (instant for the offline generator); an Outcome ``deferred`` when the budget is spent."""
    facts = plan.facts
    if answer is None:
        ledger = AccountLedger(db, facts.account_id, now, providers.settings.daily_llm_budget)
        answer = generate(providers, now, routed.build, ledger)
    if isinstance(answer, Outcome):
        return answer
    data = answer.flow_data
    proposal = _proposal(
        facts,
        plan.evidence,
        now,
        status="pending",
        title=data["title"],
        description=data["description"],
        proposed_flow_data=data,
        # Name the offline generator when no model was called (a spent budget fell back to it).
        generator=providers.generator.name if answer.usage.calls else providers.offline.name,
        model_calls=answer.usage.calls,
        model_generated_at=now if answer.usage.calls else None,
        model_generated_support=1 if answer.usage.calls else None,
        **_target_fields(plan, routed, providers, data),
    )
    # No flush: the INSERT goes with the batch's (Batch.finish), or with the next query that needs it.
    db.add(proposal)
    if routed.kind == "new_flow":
        providers.index.add(proposal, facts.dedup_vector(providers.embedder))
    return Outcome(routed.kind, routed.reason, proposal.id)


def analyze(
    db: Session, plan: Plan, providers: Providers, now: datetime, batch: Batch, prepared: Prepared | None = None
) -> Outcome:
    """Act on the route of a planned session, under the batch's locks; see the module docstring.

    ``prepared`` holds a model answer :func:`prepare` obtained for this plan outside the transaction. The route
    is decided again here, under locks: a duplicate that appeared meanwhile wins over the answer.
    """
    routed = route(db, plan, LockedDuplicates(providers, batch.locks))
    if routed.kind == "merged":
        duplicate = routed.duplicate
        new_flow = duplicate.proposal_type == "new_flow"
        # A merged session teaches a new-flow proposal its path, and moves its embedding (of the problem, or of
        # the new branch) to the cluster's centroid.
        embedder = providers.embedder
        if new_flow:
            vector = plan.facts.dedup_vector(embedder)
        elif duplicate.embedder == embedder.name:
            vector = plan.facts.branch_vector(embedder, plan.walk.label, plan.walk.after)
        else:
            vector = None
        stored = duplicate.embedding
        resurfaced = merge(
            db,
            duplicate,
            plan.facts.id,
            plan.evidence,
            providers.settings.dismissed_resurface_support,
            flush=False,
            path=session_path(plan.facts) if new_flow else None,
            vector=vector,
        )
        if new_flow and duplicate.embedding is not None and duplicate.embedding is not stored:
            # The cached vector follows the centroid; a repeat of the cluster's own text left it where it was.
            providers.index.add(duplicate, from_bytes(duplicate.embedding))
        outcome = _merged(duplicate, resurfaced, routed.same)
    elif routed.build is not None:
        outcome = _propose(db, plan, routed, providers, now, prepared.answer if prepared else None)
    elif routed.kind == "auto_reinforced":
        outcome = Outcome(routed.kind, routed.reason, _reinforce(db, plan, now).id)
    else:
        outcome = Outcome(routed.kind, routed.reason)
    if plan.flow is not None and outcome.kind != "deferred":
        batch.flow_stats.add(plan.flow.id, plan.resolved, plan.ended_at or now)
    return outcome


def analyze_session(db: Session, session: AISession, providers: Providers, now: datetime) -> Outcome:
    """Plan and analyse one session in the caller's transaction, as a batch of its own (written before return)."""
    batch = Batch()
    outcome = analyze(db, plan_session(db, session), providers, now, batch)
    batch.finish(db)
    return outcome
