"""Model calls under the daily budget (:func:`generate`), made outside the session's transaction (:func:`prepare`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from core.db import session_scope
from core.flywheel.generators import BudgetExhausted, Generated, Generator
from core.flywheel.plan import Outcome, PeekDuplicates, Prepared, Providers, plan_session, route
from core.llm import budget
from core.llm.client import EngineLedger, Ledger
from core.models import AISession


def prepare(
    engine: Engine, session_id: uuid.UUID, worker_id: str, providers: Providers, now: datetime
) -> Prepared | None:
    """Plan the session in a short read and, if it needs the model, call it with no database transaction open.

    A model call takes seconds; inside the session's transaction it would hold SQLite's write lock (blocking the
    app) or PostgreSQL's dedup lock that long. So the session is planned and routed here with a look for
    duplicates that takes no lock; when it leads to a new proposal, the model is asked now, and the analysis
    uses the plan and the answer, routing again under its locks. None when no model is called for a session (the
    analysis plans in its own transaction then) or when the worker no longer holds the claim.
    """
    if not providers.model_per_session:
        return None
    with session_scope(engine) as db:
        session = db.get(AISession, session_id)
        if session is None or session.claimed_by != worker_id:
            return None
        plan = plan_session(db, session)
        routed = route(db, plan, PeekDuplicates(providers))
    if routed.build is None:
        return Prepared(plan)
    ledger = EngineLedger(engine, plan.facts.account_id, now, providers.settings.daily_llm_budget)
    return Prepared(plan, generate(providers, now, routed.build, ledger))


def generate(
    providers: Providers,
    now: datetime,
    build: Callable[[Generator, Ledger | None], Generated],
    ledger: Ledger,
) -> Generated | Outcome:
    """Run ``build(generator, ledger)`` under the daily budget: the model's answer, or an Outcome ``deferred``.

    The ledger counts each call before it is made and its tokens after, whether the generator succeeds or gives
    up (:class:`~core.flywheel.generators.GenerationError`, raised on). With ``budget_fallback_offline`` a spent budget falls back to the
    offline generator instead of deferring the session to the next UTC day.
    """
    generator = providers.session_generator
    if not generator.uses_llm:
        return build(generator, None)
    settings = providers.settings
    try:
        return build(generator, ledger)
    except BudgetExhausted:
        if settings.budget_fallback_offline:
            return build(providers.offline, None)
        until = budget.next_utc_midnight(now)
        reason = f"Daily LLM budget of {settings.daily_llm_budget} calls used up; deferred to {until:%Y-%m-%d} UTC."
        return Outcome("deferred", reason, deferred_until=until)
