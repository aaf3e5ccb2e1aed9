"""Model calls under the daily budget (:func:`generate`), made outside the session's transaction (:func:`prepare`)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import session_scope
from core.flywheel.dedup import peek_enhancement, peek_similar
from core.flywheel.generators import (
    BudgetExhausted,
    EnhancementTarget,
    Generated,
    GenerationError,
    Generator,
    Usage,
)
from core.flywheel.plan import Outcome, Prepared, Providers, branch_refusal, plan_session
from core.llm import budget
from core.models import AISession


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
            vector = facts.dedup_vector(embedder)
            if peek_similar(
                db, providers.index, facts.account_id, facts.domain, embedder.name, vector, embedder.threshold
            ):
                return None
            key = None

            def make(gen, reserve):
                return gen.new_flow(facts, reserve)

        elif plan.decision.kind == "enhancement":
            if branch_refusal(walk) is not None:
                return None
            node = walk.node
            key = walk.key
            if peek_enhancement(db, facts.account_id, flow.id, node["id"], walk.label or ""):
                return None
            target = EnhancementTarget(flow.name, copy.deepcopy(flow.tree_structure), node["id"], walk.label or "")
            after = walk.after

            def make(gen, reserve):
                return gen.enhancement(facts, target, after, reserve)

        else:
            return None

    def reserve() -> bool:
        with session_scope(engine) as ledger:
            return budget.reserve_call(ledger, facts.account_id, now, providers.settings.daily_llm_budget)

    def record(spent: Usage) -> None:
        with session_scope(engine) as ledger:
            record_spent(ledger, facts.account_id, now, spent)

    return Prepared(plan.decision.kind, key, generate(providers, now, make, reserve, record))


def record_spent(db: Session, account_id: uuid.UUID, now: datetime, spent: Usage) -> None:
    """Add what a generator spent to the account's ledger for today."""
    budget.record_usage(
        db,
        account_id,
        now,
        input_tokens=spent.input_tokens,
        output_tokens=spent.output_tokens,
        cache_read_tokens=spent.cache_read_tokens,
    )


def generate(
    providers: Providers,
    now: datetime,
    make: Callable[[Generator, Callable[[], bool] | None], Generated],
    reserve: Callable[[], bool],
    record: Callable[[Usage], None],
) -> Generated | Outcome:
    """Run ``make(generator, reserve)`` under the daily budget: the model's answer, or an Outcome ``deferred``.

    ``reserve`` counts a call before it is made (False when the budget is spent); ``record`` adds the tokens
    spent, whether the generator succeeded, gave up (:class:`GenerationError`, raised again) or met the spent
    budget. With ``budget_fallback_offline`` a spent budget falls back to the offline generator instead of deferring.
    """
    generator = providers.generator
    if not generator.uses_llm:
        return make(generator, None)
    settings = providers.settings
    try:
        generated = make(generator, reserve)
    except BudgetExhausted as exc:
        record(exc.usage or Usage())
        if settings.budget_fallback_offline:
            return make(providers.offline, None)
        until = budget.next_utc_midnight(now)
        reason = f"Daily LLM budget of {settings.daily_llm_budget} calls used up; deferred to {until:%Y-%m-%d} UTC."
        return Outcome("deferred", reason, deferred_until=until)
    except GenerationError as exc:
        # The calls were counted when reserved; the tokens they used are counted here.
        record(exc.usage or Usage())
        raise
    record(generated.usage)
    return generated
