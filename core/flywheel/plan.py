"""What a session calls for, decided before anything is written: the providers, the plan, the route, the outcomes.

:func:`plan_session` reads a session once (its facts, its flow, where it left the flow, the decision table's
verdict). :func:`route` turns a plan into what the analysis does: merge into a duplicate, build a target (a new flow
or a new branch), reinforce, or only record. Both the worker's planning of a batch and the analysis itself route
through it; they differ only in how they look for duplicates (:class:`LockedDuplicates` decides under locks,
:class:`PeekDuplicates` and :class:`CachedDuplicates` give hints without any).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from core.config import Settings
from core.flywheel.classify import Decision, decide
from core.flywheel.confidence import session_evidence
from core.flywheel.dedup import (
    Branch,
    LockKey,
    Locks,
    Problem,
    ProposalIndex,
    branch_key,
    find_enhancement,
    find_similar,
    peek_enhancement,
    peek_similar,
    problem_key,
)
from core.flywheel.divergence import FlowWalk, walk_session
from core.flywheel.facts import SessionFacts, branch_threshold, dedup_embedder, load_facts, statement_gate
from core.flywheel.generators import (
    AnthropicGenerator,
    EnhancementTarget,
    Generated,
    Generator,
    OfflineRulesGenerator,
)
from core.llm.client import AnthropicClient, Ledger
from core.models import AISession, FlowProposal, Tree
from core.similarity.embedders import Embedder, LocalEmbedder, VoyageEmbedder
from core.similarity.tfidf import TfidfEmbedder
from core.trees import validate_tree

MAX_OPTIONS = 5


@dataclass
class Providers:
    """What an analysis needs besides the database: a generator, an embedder, the settings, the dedup cache."""

    generator: Generator
    embedder: Embedder
    settings: Settings = field(default_factory=Settings)
    index: ProposalIndex = field(default_factory=ProposalIndex)
    offline: Generator = field(default_factory=OfflineRulesGenerator)

    @property
    def model_per_session(self) -> bool:
        """Whether a session that starts a proposal calls the model (else the offline tree stands until the
        cluster is worth a call: ``core.flywheel.cluster_model``)."""
        return self.generator.uses_llm and self.settings.model_at_support <= 1

    @property
    def session_generator(self) -> Generator:
        """The generator a session's analysis builds with."""
        return self.offline if self.generator.uses_llm and not self.model_per_session else self.generator


@dataclass
class Outcome:
    kind: str  # auto_reinforced | enhancement | new_flow | merged | flow_failure_recorded | no_proposal | deferred
    reason: str
    proposal_id: uuid.UUID | None = None
    deferred_until: datetime | None = None
    resurfaced: bool = False


def build_providers(settings: Settings) -> Providers:
    """Anthropic when a key is set (else offline rules); Voyage when chosen or when "auto" and a key is set, else
    the offline TF-IDF embedder (``local``, the hashed n-gram embedder, only when chosen: it measured worse on the
    labelled set and splits paraphrased branches, see ``python -m benchmarks.quality`` and ``benchmarks.scenarios``)."""
    if settings.anthropic_api_key:
        generator: Generator = AnthropicGenerator(AnthropicClient.from_settings(settings))
    else:
        generator = OfflineRulesGenerator()
    choice = (settings.embedder or "auto").lower()
    if choice not in ("auto", "local", "tfidf", "voyage"):
        raise ValueError(f"FLOWPILOT_EMBEDDER must be auto, local, tfidf or voyage, not {settings.embedder!r}")
    if choice == "voyage" and not settings.voyage_api_key:
        raise ValueError("FLOWPILOT_EMBEDDER=voyage needs FLOWPILOT_VOYAGE_API_KEY")
    if choice == "voyage" or (choice == "auto" and settings.voyage_api_key):
        embedder: Embedder = VoyageEmbedder(settings.voyage_api_key, settings.voyage_model, settings.voyage_base_url)
    elif choice == "local":
        embedder = LocalEmbedder()
    else:
        embedder = TfidfEmbedder()
    return Providers(generator=generator, embedder=embedder, settings=settings)


def meaningful_steps(facts: SessionFacts) -> int:
    return sum(1 for s in facts.steps if s.step_type in ("question", "action", "script_generation"))


@dataclass
class Plan:
    """One session read and classified: what every later step of its analysis works from.

    ``flow`` is the matched flow as read then (its ``version`` is the base of any proposal on it; a reviewer is
    told when the flow changed since). ``resolved`` and ``ended_at`` feed the flow's statistics.
    """

    facts: SessionFacts
    flow: Tree | None
    walk: FlowWalk | None
    decision: Decision
    evidence: float
    resolved: bool = False
    ended_at: datetime | None = None


def plan_session(db: Session, session: AISession, facts: SessionFacts | None = None) -> Plan:
    """Read and classify ``session``; ``facts`` read beforehand (:func:`~core.flywheel.facts.load_facts_many`)
    save the per-session queries. A flow of another account is never touched (treated as no flow)."""
    if facts is None:
        facts = load_facts(db, session)
    flow = db.get(Tree, session.matched_flow_id) if session.matched_flow_id else None
    if flow is not None and (flow.account_id != session.account_id or not flow.is_published):  # retired: no match
        flow = None
    tree = flow.tree_structure if flow is not None else None
    walkable = isinstance(tree, dict) and "type" in tree and not validate_tree(tree)
    walk = walk_session(tree, facts.steps) if walkable else None
    decision = decide(facts.status, facts.tier, facts.match_score, flow is not None, walk)
    evidence = session_evidence(
        facts.tier, facts.rating, meaningful_steps(facts), facts.match_score if flow is not None else None
    )
    return Plan(facts, flow, walk, decision, evidence, session.status == "resolved", session.ended_at)


def branch_refusal(walk: FlowWalk) -> str | None:
    """Why no branch can be added where the session left the flow, or None when one can."""
    node = walk.node
    if node.get("type") == "solution":
        return f"Left the flow after its solution '{node['id']}'; a solution takes no branch."
    if node.get("type") == "question" and len(node.get("children") or []) >= MAX_OPTIONS:
        return f"Question '{node['id']}' already offers {MAX_OPTIONS} options; no room for '{walk.label}'."
    return None


class Duplicates(Protocol):
    """How a route looks for the open proposal a session repeats: a locked proposal, or only its id as a hint."""

    def similar(self, db: Session, facts: SessionFacts) -> FlowProposal | uuid.UUID | None: ...

    def same_branch(
        self, db: Session, facts: SessionFacts, flow_id: uuid.UUID, walk: FlowWalk
    ) -> FlowProposal | uuid.UUID | None: ...


def problem_of(facts: SessionFacts, embedder: Embedder) -> Problem:
    """The new problem a session reports, as the duplicate search compares it."""
    return Problem(
        facts.account_id,
        facts.domain,
        dedup_embedder(embedder),
        facts.dedup_vector(embedder),
        embedder.threshold,
        statement_gate(embedder),
    )


def branch_of(facts: SessionFacts, walk: FlowWalk, embedder: Embedder) -> Branch:
    """The new branch a session that left its flow adds, with the embedding of what it means."""
    vector = facts.branch_vector(embedder, walk.label, walk.after)
    return Branch.from_key(walk.key, vector=vector, embedder=embedder.name, threshold=branch_threshold(embedder))


@dataclass
class LockedDuplicates:
    """The deciding look, inside the analysis's transaction: the duplicate is returned locked, and when there is
    none the transaction holds the lock that lets it create the proposal (:func:`~core.flywheel.dedup.find_similar`).
    """

    providers: Providers
    locks: Locks

    def similar(self, db: Session, facts: SessionFacts) -> FlowProposal | None:
        return find_similar(db, self.providers.index, problem_of(facts, self.providers.embedder), self.locks)

    def same_branch(self, db: Session, facts: SessionFacts, flow_id: uuid.UUID, walk: FlowWalk) -> FlowProposal | None:
        branch = branch_of(facts, walk, self.providers.embedder)
        return find_enhancement(db, facts.account_id, flow_id, branch, self.locks)


@dataclass
class PeekDuplicates:
    """A look without locks before a model call: a hit means the call can be skipped (the locked look decides).
    ``fresh=False`` asks the cached index only and never queries enhancements (a batch's planning guess)."""

    providers: Providers
    fresh: bool = True

    def similar(self, db: Session, facts: SessionFacts) -> uuid.UUID | None:
        problem = problem_of(facts, self.providers.embedder)
        return peek_similar(db, self.providers.index, problem, fresh=self.fresh)

    def same_branch(self, db: Session, facts: SessionFacts, flow_id: uuid.UUID, walk: FlowWalk) -> uuid.UUID | None:
        if not self.fresh:
            return None
        return peek_enhancement(db, facts.account_id, flow_id, branch_of(facts, walk, self.providers.embedder))


@dataclass
class Route:
    """What an analysis does with a planned session.

    ``kind``: ``merged`` (into ``duplicate``), ``new_flow`` or ``enhancement`` (``build`` makes it with a generator,
    unless a model answer was prepared), ``auto_reinforced``, or an outcome that is only recorded (``no_proposal``,
    ``flow_failure_recorded``) with ``reason``. ``same`` says what a merged session shares with its duplicate.
    ``lock_key``: the key of the lock other workers queue for that acting on it takes (creating a new-flow
    proposal locks its account and domain; anything on a new branch locks the branch's node), None when it takes
    none.
    """

    kind: str
    reason: str
    duplicate: FlowProposal | uuid.UUID | None = None
    same: str = ""
    build: Callable[[Generator, Ledger | None], Generated] | None = None
    lock_key: LockKey | None = None

    @property
    def serialising(self) -> bool:
        return self.lock_key is not None


def route(db: Session, plan: Plan, duplicates: Duplicates) -> Route:
    """Classify, look for a duplicate, build the target: the one place that decides what a session leads to.

    A new problem merges into an open proposal it duplicates (same account, domain and embedder, similar enough),
    else it becomes a new-flow proposal. A session that left its flow and resolved the problem merges into an open
    enhancement adding the same branch, else it proposes that branch, unless the node cannot take one (a
    solution, or a question already offering the most options). A session that followed its flow to a solution
    reinforces it; any other verdict of the decision table is only recorded.
    """
    facts, decision = plan.facts, plan.decision
    if decision.kind == "new_flow":
        duplicate = duplicates.similar(db, facts)
        if duplicate is not None:
            return Route("merged", decision.reason, duplicate, "Same problem")
        return Route(
            "new_flow",
            decision.reason,
            build=lambda gen, ledger: gen.new_flow(facts, ledger),
            lock_key=problem_key(facts.account_id, facts.domain),
        )
    if decision.kind == "enhancement":
        flow, walk = plan.flow, plan.walk
        refusal = branch_refusal(walk)
        if refusal is not None:
            return Route("no_proposal", refusal)
        node = branch_key(facts.account_id, flow.id, Branch.from_key(walk.key).node_id)
        duplicate = duplicates.same_branch(db, facts, flow.id, walk)
        if duplicate is not None:
            return Route("merged", decision.reason, duplicate, f"Same new branch '{walk.label}'", lock_key=node)

        def build(gen: Generator, ledger: Ledger | None) -> Generated:
            # A copy: the generator builds on this tree, which is the plan's, not whatever the flow becomes.
            tree = copy.deepcopy(flow.tree_structure)
            target = EnhancementTarget(flow.name, tree, walk.node["id"], walk.label or "")
            return gen.enhancement(facts, target, walk.after, ledger)

        return Route("enhancement", decision.reason, build=build, lock_key=node)
    return Route(decision.kind, decision.reason)


@dataclass
class Prepared:
    """A session planned, and the model's answer for its target when one was obtained before the session's
    transaction (``answer``: Generated, or an Outcome ``deferred``; None when no model call was needed)."""

    plan: Plan
    answer: Generated | Outcome | None = None
