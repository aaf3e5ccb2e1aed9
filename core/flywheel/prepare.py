"""Model calls made outside the session's transaction (see :func:`prepare`)."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime

from sqlalchemy import Engine

from core.db import session_scope
from core.flywheel import budget
from core.flywheel.dedup import peek_enhancement, peek_similar
from core.flywheel.plan import MAX_OPTIONS, Outcome, Prepared, Providers, plan_session
from core.models import AISession
from core.providers.generators import BudgetExhausted, EnhancementTarget, GenerationError, Usage


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
        plan = plan_session(db, session)
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
