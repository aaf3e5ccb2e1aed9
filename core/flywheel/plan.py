"""What a session calls for, decided before anything is written: the providers, the plan, the outcome types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core.config import Settings
from core.flywheel.classify import Decision, decide
from core.flywheel.confidence import session_evidence
from core.flywheel.dedup import ProposalIndex
from core.flywheel.divergence import FlowWalk, walk_session
from core.flywheel.facts import SessionFacts, load_facts
from core.flywheel.generators import AnthropicGenerator, Generated, Generator, OfflineRulesGenerator
from core.models import AISession, Tree
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


@dataclass
class Outcome:
    kind: str  # auto_reinforced | enhancement | new_flow | merged | flow_failure_recorded | no_proposal | deferred
    reason: str
    proposal_id: uuid.UUID | None = None
    deferred_until: datetime | None = None
    resurfaced: bool = False


def build_providers(settings: Settings) -> Providers:
    """Anthropic when a key is set (else offline rules); Voyage when chosen or when "auto" and a key is set."""
    if settings.anthropic_api_key:
        generator: Generator = AnthropicGenerator(
            settings.anthropic_api_key,
            settings.anthropic_model,
            settings.anthropic_base_url,
            max_retries=settings.anthropic_max_retries,
            timeout=float(settings.anthropic_timeout_seconds),
        )
    else:
        generator = OfflineRulesGenerator()
    choice = (settings.embedder or "auto").lower()
    if choice not in ("auto", "local", "tfidf", "voyage"):
        raise ValueError(f"FLOWPILOT_EMBEDDER must be auto, local, tfidf or voyage, not {settings.embedder!r}")
    if choice == "voyage" and not settings.voyage_api_key:
        raise ValueError("FLOWPILOT_EMBEDDER=voyage needs FLOWPILOT_VOYAGE_API_KEY")
    if choice == "voyage" or (choice == "auto" and settings.voyage_api_key):
        embedder: Embedder = VoyageEmbedder(settings.voyage_api_key, settings.voyage_model, settings.voyage_base_url)
    elif choice == "tfidf":
        embedder = TfidfEmbedder()
    else:
        embedder = LocalEmbedder()
    return Providers(generator=generator, embedder=embedder, settings=settings)


def meaningful_steps(facts: SessionFacts) -> int:
    return sum(1 for s in facts.steps if s.step_type in ("question", "action", "script_generation"))


@dataclass
class Plan:
    facts: SessionFacts
    flow: Tree | None
    walk: FlowWalk | None
    decision: Decision
    evidence: float


def plan_session(db: Session, session: AISession, facts: SessionFacts | None = None) -> Plan:
    """``facts`` read beforehand (:func:`~core.flywheel.facts.load_facts_many`) save the per-session queries."""
    if facts is None:
        facts = load_facts(db, session)
    flow = db.get(Tree, session.matched_flow_id) if session.matched_flow_id else None
    if flow is not None and flow.account_id != session.account_id:
        flow = None  # a flow of another account is never touched
    tree = flow.tree_structure if flow is not None else None
    walkable = isinstance(tree, dict) and "type" in tree and not validate_tree(tree)
    walk = walk_session(tree, facts.steps) if walkable else None
    decision = decide(facts.status, facts.tier, facts.match_score, flow is not None, walk)
    evidence = session_evidence(
        facts.tier, facts.rating, meaningful_steps(facts), facts.match_score if flow is not None else None
    )
    return Plan(facts, flow, walk, decision, evidence)


def branch_refusal(walk: FlowWalk) -> str | None:
    """Why no branch can be added where the session left the flow, or None when one can."""
    node = walk.node
    if node.get("type") == "solution":
        return f"Left the flow after its solution '{node['id']}'; a solution takes no branch."
    if node.get("type") == "question" and len(node.get("children") or []) >= MAX_OPTIONS:
        return f"Question '{node['id']}' already offers {MAX_OPTIONS} options; no room for '{walk.label}'."
    return None


@dataclass
class Prepared:
    """A model's answer obtained before the session's transaction (``result``: Generated, or Outcome deferred)."""

    kind: str  # new_flow | enhancement
    key: str | None  # the divergence key of an enhancement
    result: Generated | Outcome


def matching(prepared: Prepared | None, key: str | None) -> Prepared | None:
    if prepared is None or prepared.key != key or prepared.kind != ("enhancement" if key else "new_flow"):
        return None
    return prepared
