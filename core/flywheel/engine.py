"""Analyse one closed session: classify it by the decision table and act (reinforce, propose, merge, record).

``analyze_session`` runs inside the caller's transaction and does not commit. It never calls a model before the
duplicate check, counts every model call against the account's daily budget, and returns an :class:`Outcome`
that the worker persists on the session (``core.flywheel.queue``).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, case, update
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import session_scope
from core.flywheel import budget
from core.flywheel.classify import Decision, decide
from core.flywheel.confidence import session_evidence
from core.flywheel.dedup import ProposalIndex, find_enhancement, find_similar, merge, peek_enhancement, peek_similar
from core.flywheel.divergence import FlowWalk, walk_session
from core.flywheel.facts import SessionFacts, load_facts
from core.models import AISession, FlowProposal, Tree, utcnow
from core.providers.embedders import Embedder, LocalEmbedder, VoyageEmbedder, to_bytes
from core.providers.generators import (
    AnthropicGenerator,
    BudgetExhausted,
    EnhancementTarget,
    Generated,
    GenerationError,
    Generator,
    OfflineRulesGenerator,
    Usage,
)
from core.trees import diff_trees, validate_tree

MAX_OPTIONS = 5


@dataclass
class Providers:
    """What an analysis needs besides the database: a generator, an embedder, the settings, the dedup cache."""

    generator: Generator
    embedder: Embedder
    settings: Settings = field(default_factory=Settings)
    index: ProposalIndex = field(default_factory=ProposalIndex)
    offline: Generator = field(default_factory=OfflineRulesGenerator)


@dataclass
class Outcome:
    kind: str  # auto_reinforced | enhancement | new_flow | merged | flow_failure_recorded | no_proposal | deferred
    reason: str
    proposal_id: uuid.UUID | None = None
    deferred_until: datetime | None = None
    resurfaced: bool = False
    usage: Usage = field(default_factory=Usage)


def build_providers(settings: Settings) -> Providers:
    """Anthropic when a key is set (else offline rules); Voyage when chosen or when "auto" and a key is set."""
    if settings.anthropic_api_key:
        generator: Generator = AnthropicGenerator(
            settings.anthropic_api_key,
            settings.anthropic_model,
            settings.anthropic_base_url,
            max_retries=int(getattr(settings, "anthropic_max_retries", 3)),
            timeout=float(getattr(settings, "anthropic_timeout_seconds", 60.0)),
        )
    else:
        generator = OfflineRulesGenerator()
    choice = (settings.embedder or "auto").lower()
    if choice not in ("auto", "local", "voyage"):
        raise ValueError(f"FLOWPILOT_EMBEDDER must be auto, local or voyage, not {settings.embedder!r}")
    if choice == "voyage" and not settings.voyage_api_key:
        raise ValueError("FLOWPILOT_EMBEDDER=voyage needs FLOWPILOT_VOYAGE_API_KEY")
    if choice == "voyage" or (choice == "auto" and settings.voyage_api_key):
        embedder: Embedder = VoyageEmbedder(settings.voyage_api_key, settings.voyage_model, settings.voyage_base_url)
    else:
        embedder = LocalEmbedder()
    return Providers(generator=generator, embedder=embedder, settings=settings)


def _meaningful_steps(facts: SessionFacts) -> int:
    return sum(1 for s in facts.steps if s.step_type in ("question", "action", "script_generation"))


def _record_flow_stats(db: Session, flow_id: uuid.UUID, resolved: bool, when: datetime) -> None:
    """One atomic UPDATE, so concurrent workers never lose a count; success_rate = resolved / matched."""
    won = 1 if resolved else 0
    db.execute(
        update(Tree)
        .where(Tree.id == flow_id)
        .values(
            times_matched=Tree.times_matched + 1,
            times_resolved=Tree.times_resolved + won,
            success_rate=(Tree.times_resolved + won) * 1.0 / (Tree.times_matched + 1),
            last_matched_at=case(
                (Tree.last_matched_at.is_(None), when), (Tree.last_matched_at < when, when), else_=Tree.last_matched_at
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _generate(
    db: Session, facts: SessionFacts, providers: Providers, now: datetime, make, prepared: Prepared | None
) -> Generated | Outcome:
    """Run ``make(generator, reserve)`` under the budget; an Outcome ``deferred`` when the budget is spent.

    A result :func:`prepare` already obtained outside the transaction is used as is.
    """
    if prepared is not None:
        return prepared.result
    generator = providers.generator
    if not generator.uses_llm:
        return make(generator, None)
    settings = providers.settings

    def reserve() -> bool:
        return budget.reserve_call(db, facts.account_id, now, settings.daily_llm_budget)

    try:
        generated = make(generator, reserve)
    except BudgetExhausted as exc:
        spent: Usage = getattr(exc, "usage", None) or Usage()
        budget.record_usage(
            db,
            facts.account_id,
            now,
            input_tokens=spent.input_tokens,
            output_tokens=spent.output_tokens,
            cache_read_tokens=spent.cache_read_tokens,
        )
        if settings.budget_fallback_offline:
            return make(providers.offline, None)
        until = budget.next_utc_midnight(now)
        reason = f"Daily LLM budget of {settings.daily_llm_budget} calls used up; deferred to {until:%Y-%m-%d} UTC."
        return Outcome("deferred", reason, deferred_until=until, usage=spent)
    u = generated.usage
    budget.record_usage(
        db,
        facts.account_id,
        now,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cache_read_tokens=u.cache_read_tokens,
    )
    return generated


def _new_flow(
    db: Session,
    session: AISession,
    facts: SessionFacts,
    providers: Providers,
    now: datetime,
    decision: Decision,
    evidence: float,
    prepared: Prepared | None = None,
) -> Outcome:
    embedder = providers.embedder
    vector = embedder.embed([facts.dedup_text or facts.summary or "(no summary)"])[0]
    duplicate = find_similar(
        db, providers.index, facts.account_id, facts.domain, embedder.name, vector, embedder.threshold
    )
    if duplicate is not None:
        resurfaced = merge(db, duplicate, facts.id, evidence, providers.settings.dismissed_resurface_support)
        note = " It was dismissed and returns to review." if resurfaced else ""
        return Outcome(
            "merged",
            f"Same problem as proposal '{duplicate.title}': support now {duplicate.supporting_session_count}.{note}",
            duplicate.id,
            resurfaced=resurfaced,
        )
    generated = _generate(
        db, facts, providers, now, lambda gen, reserve: gen.new_flow(facts, reserve), _matching(prepared, None)
    )
    if isinstance(generated, Outcome):
        return generated
    data = generated.flow_data
    proposal = FlowProposal(
        id=uuid.uuid4(),
        account_id=facts.account_id,
        team_id=facts.team_id,
        proposal_type="new_flow",
        status="pending",
        source_session_id=facts.id,
        title=data["title"],
        description=data["description"],
        proposed_flow_data=data,
        proposed_diff=None,
        confidence_score=evidence,
        supporting_session_count=1,
        supporting_session_ids=[str(facts.id)],
        problem_domain=facts.domain,
        generator=providers.generator.name if generated.usage.calls else providers.offline.name,
        embedding=to_bytes(vector),
        embedder=embedder.name,
        created_at=now,
        updated_at=utcnow(),
    )
    db.add(proposal)
    db.flush()
    providers.index.add(proposal, vector)
    return Outcome("new_flow", decision.reason, proposal.id, usage=generated.usage)


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
    node = walk.node
    kind = node.get("type")
    if kind == "solution":
        return Outcome("no_proposal", f"Left the flow after its solution '{node['id']}'; a solution takes no branch.")
    if kind == "question" and len(node.get("children") or []) >= MAX_OPTIONS:
        return Outcome(
            "no_proposal", f"Question '{node['id']}' already offers {MAX_OPTIONS} options; no room for '{walk.label}'."
        )
    key = walk.key
    existing = find_enhancement(db, facts.account_id, flow.id, key)
    if existing is not None:
        resurfaced = merge(db, existing, facts.id, evidence, providers.settings.dismissed_resurface_support)
        note = " It was dismissed and returns to review." if resurfaced else ""
        return Outcome(
            "merged",
            f"Same new branch '{walk.label}' as proposal '{existing.title}': support now "
            f"{existing.supporting_session_count}.{note}",
            existing.id,
            resurfaced=resurfaced,
        )
    target = EnhancementTarget(flow.name, flow.tree_structure, node["id"], walk.label or "")
    generated = _generate(
        db,
        facts,
        providers,
        now,
        lambda gen, reserve: gen.enhancement(facts, target, walk.after, reserve),
        _matching(prepared, key),
    )
    if isinstance(generated, Outcome):
        return generated
    data = generated.flow_data
    proposal = FlowProposal(
        id=uuid.uuid4(),
        account_id=facts.account_id,
        team_id=flow.team_id or facts.team_id,
        proposal_type="enhancement",
        status="pending",
        target_flow_id=flow.id,
        base_tree_version=flow.version,
        divergence_key=key,
        source_session_id=facts.id,
        title=data["title"],
        description=data["description"],
        proposed_flow_data=data,
        proposed_diff=diff_trees(flow.tree_structure, data["tree_structure"]),
        confidence_score=evidence,
        supporting_session_count=1,
        supporting_session_ids=[str(facts.id)],
        problem_domain=flow.problem_domain,
        generator=providers.generator.name if generated.usage.calls else providers.offline.name,
        created_at=now,
        updated_at=utcnow(),
    )
    db.add(proposal)
    db.flush()
    return Outcome("enhancement", decision.reason, proposal.id, usage=generated.usage)


def _reinforce(
    db: Session, flow: Tree, facts: SessionFacts, now: datetime, decision: Decision, evidence: float
) -> Outcome:
    data = {
        "title": flow.name,
        "description": flow.description,
        "match_keywords": list(flow.match_keywords or []),
        "problem_domain": flow.problem_domain,
        "tree_structure": flow.tree_structure,
    }
    proposal = FlowProposal(
        id=uuid.uuid4(),
        account_id=facts.account_id,
        team_id=flow.team_id or facts.team_id,
        proposal_type="enhancement",
        status="auto_reinforced",
        target_flow_id=flow.id,
        base_tree_version=flow.version,
        source_session_id=facts.id,
        title=f"Reinforced: {flow.name}"[:300],
        description=decision.reason,
        proposed_flow_data=data,
        proposed_diff={"added": [], "changed": [], "removed": [], "summary": []},
        confidence_score=evidence,
        supporting_session_count=1,
        supporting_session_ids=[str(facts.id)],
        problem_domain=flow.problem_domain,
        generator="none (auto-reinforced)",
        created_at=now,
        updated_at=utcnow(),
    )
    db.add(proposal)
    db.flush()
    return Outcome("auto_reinforced", decision.reason, proposal.id)


@dataclass
class _Plan:
    facts: SessionFacts
    flow: Tree | None
    walk: FlowWalk | None
    decision: Decision
    evidence: float


def _plan(db: Session, session: AISession) -> _Plan:
    facts = load_facts(db, session)
    flow = db.get(Tree, session.matched_flow_id) if session.matched_flow_id else None
    if flow is not None and flow.account_id != session.account_id:
        flow = None  # a flow of another account is never touched
    tree = flow.tree_structure if flow is not None else None
    walkable = isinstance(tree, dict) and "type" in tree and not validate_tree(tree)
    walk = walk_session(tree, facts.steps) if walkable else None
    decision = decide(facts.status, facts.tier, facts.match_score, flow is not None, walk)
    evidence = session_evidence(
        facts.tier, facts.rating, _meaningful_steps(facts), facts.match_score if flow is not None else None
    )
    return _Plan(facts, flow, walk, decision, evidence)


@dataclass
class Prepared:
    """A model's answer obtained before the session's transaction (``result``: Generated, or Outcome deferred)."""

    kind: str  # new_flow | enhancement
    key: str | None  # the divergence key of an enhancement
    result: Generated | Outcome


def _matching(prepared: Prepared | None, key: str | None) -> Prepared | None:
    if prepared is None or prepared.key != key or prepared.kind != ("enhancement" if key else "new_flow"):
        return None
    return prepared


def prepare(
    engine: Engine, session_id: uuid.UUID, worker_id: str, providers: Providers, now: datetime
) -> Prepared | None:
    """Call the model, if this session will need it, with no database transaction open.

    A model call takes seconds; inside the session's transaction it would hold SQLite's write lock (blocking the
    app) or PostgreSQL's dedup lock that long. So the worker first plans in a short read, and when the session
    needs a model (no duplicate to merge into), reserves budget and calls it here; ``analyze_session`` then uses
    the answer, re-checking duplicates under its locks. Returns None when no model call is needed.
    """
    generator = providers.generator
    if not generator.uses_llm:
        return None
    with session_scope(engine) as db:
        session = db.get(AISession, session_id)
        if session is None or session.claimed_by != worker_id:
            return None
        plan = _plan(db, session)
        facts, flow, walk = plan.facts, plan.flow, plan.walk
        if plan.decision.kind == "new_flow":
            embedder = providers.embedder
            vector = embedder.embed([facts.dedup_text or facts.summary or "(no summary)"])[0]
            if peek_similar(
                db, providers.index, facts.account_id, facts.domain, embedder.name, vector, embedder.threshold
            ):
                return None
            key = None

            def make(gen, reserve):
                return gen.new_flow(facts, reserve)

        elif plan.decision.kind == "enhancement":
            node = walk.node
            if node.get("type") == "solution" or (
                node.get("type") == "question" and len(node.get("children") or []) >= MAX_OPTIONS
            ):
                return None
            key = walk.key
            if peek_enhancement(db, facts.account_id, flow.id, key):
                return None
            target = EnhancementTarget(flow.name, copy.deepcopy(flow.tree_structure), node["id"], walk.label or "")
            after = walk.after

            def make(gen, reserve):
                return gen.enhancement(facts, target, after, reserve)

        else:
            return None
    settings = providers.settings

    def reserve() -> bool:
        with session_scope(engine) as ledger:
            return budget.reserve_call(ledger, facts.account_id, now, settings.daily_llm_budget)

    def record(spent: Usage) -> None:
        with session_scope(engine) as ledger:
            budget.record_usage(
                ledger,
                facts.account_id,
                now,
                input_tokens=spent.input_tokens,
                output_tokens=spent.output_tokens,
                cache_read_tokens=spent.cache_read_tokens,
            )

    try:
        generated = make(generator, reserve)
    except BudgetExhausted as exc:
        record(getattr(exc, "usage", None) or Usage())
        if settings.budget_fallback_offline:
            return Prepared(plan.decision.kind, key, make(providers.offline, None))
        until = budget.next_utc_midnight(now)
        reason = f"Daily LLM budget of {settings.daily_llm_budget} calls used up; deferred to {until:%Y-%m-%d} UTC."
        return Prepared(plan.decision.kind, key, Outcome("deferred", reason, deferred_until=until))
    except GenerationError as exc:
        # The calls were counted when reserved; the tokens they used are counted here.
        record(exc.usage or Usage())
        raise
    record(generated.usage)
    return Prepared(plan.decision.kind, key, generated)


def analyze_session(
    db: Session, session: AISession, providers: Providers, now: datetime, prepared: Prepared | None = None
) -> Outcome:
    """Classify ``session`` by the decision table and act on it; see the module docstring.

    ``prepared`` is a model answer from :func:`prepare`; without one, a model call happens inside the caller's
    transaction (fine for the offline generator, which is instant).
    """
    plan = _plan(db, session)
    facts, flow, walk, decision, evidence = plan.facts, plan.flow, plan.walk, plan.decision, plan.evidence
    if decision.kind == "auto_reinforced":
        outcome = _reinforce(db, flow, facts, now, decision, evidence)
    elif decision.kind == "enhancement":
        outcome = _enhancement(db, flow, facts, walk, providers, now, decision, evidence, prepared)
    elif decision.kind == "new_flow":
        outcome = _new_flow(db, session, facts, providers, now, decision, evidence, prepared)
    else:
        outcome = Outcome(decision.kind, decision.reason)
    if flow is not None and outcome.kind != "deferred":
        _record_flow_stats(db, flow.id, session.status == "resolved", session.ended_at or now)
    return outcome
