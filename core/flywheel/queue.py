"""The analysis queue on ``ai_sessions``: claim, lease, retry policy, and the one place outcomes are persisted.

Statuses: ``pending`` → ``running`` (claimed, leased) → ``completed`` | ``deferred`` (budget, due next UTC day) |
``pending`` again with ``analysis_after`` (retry with backoff) | ``failed`` (after the last attempt, error kept).
A ``running`` session whose claim is older than the lease is due again, so a killed worker loses nothing; the worker
that finishes must still hold the claim (:func:`hold_claim`, or :func:`hold_claims` for a worker's chunk of
sessions; :func:`record_outcomes` writes their outcomes in the same transaction), so a session is never analysed
twice. Every statement the run loop (``core.flywheel.runner``) makes on the queue is here: claim, hold, release,
the batch's read-ahead, outcomes, failures by the retry policy (:func:`retry_delay`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, or_, select, text, update
from sqlalchemy.orm import Session

from core.models import AISession, Tree

DUE_STATUSES = ("pending", "deferred")
REQUEUEABLE = ("failed", "deferred")
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 3600


class NotRequeueable(ValueError):
    """Only failed or deferred analyses can be sent back to the queue."""


class SessionNotFound(LookupError):
    """No such session in this account."""


def claim_statement(worker_id: str, batch: int, lease_seconds: int, now: datetime, dialect: str) -> Any:
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    due = or_(
        and_(
            AISession.analysis_status.in_(DUE_STATUSES),
            or_(AISession.analysis_after.is_(None), AISession.analysis_after <= now),
        ),
        and_(AISession.analysis_status == "running", AISession.claimed_at < now - timedelta(seconds=lease_seconds)),
    )
    candidates = select(AISession.id).where(due).order_by(AISession.created_at, AISession.id).limit(batch)
    if dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return (
        update(AISession)
        .where(AISession.id.in_(candidates.scalar_subquery()))
        .values(
            analysis_status="running",
            claimed_by=worker_id,
            claimed_at=now,
            analysis_attempts=AISession.analysis_attempts + 1,
        )
        .returning(AISession.id, AISession.created_at)
        .execution_options(synchronize_session=False)
    )


def claim(
    engine_or_conn: Engine | Connection | Session, worker_id: str, batch: int, lease_seconds: int, now: datetime
) -> list[uuid.UUID]:
    """Claim up to ``batch`` due sessions in ONE statement; returns their ids (oldest first).

    PostgreSQL skips rows other workers hold (``FOR UPDATE SKIP LOCKED``); SQLite serialises writers, so the same
    statement without the locking clause is safe there. An ``Engine`` gets its own transaction; a ``Connection``
    or ``Session`` runs it in the caller's.
    """
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return claim(conn, worker_id, batch, lease_seconds, now)
    bind = engine_or_conn.get_bind() if isinstance(engine_or_conn, Session) else engine_or_conn
    stmt = claim_statement(worker_id, batch, lease_seconds, now, bind.dialect.name)
    # RETURNING comes back in no particular order; the oldest session goes first.
    rows = sorted(engine_or_conn.execute(stmt).all(), key=lambda row: (row[1], str(row[0])))
    return [row[0] for row in rows]


def hold_claims(db: Session, session_ids: list[uuid.UUID], worker_id: str, now: datetime) -> dict[uuid.UUID, AISession]:
    """Lock, for this transaction, the sessions whose claim ``worker_id`` still holds; by id (a lost one is absent).

    As the transaction's first write it also takes SQLite's write lock, so what follows reads fresh data. On
    PostgreSQL the transaction commits without waiting for its WAL flush: if the server crashes before the flush,
    the sessions are simply still ``running`` and the lease hands them out again — their outcomes and proposals are
    written in this same transaction, so nothing half-done survives.
    """
    if not session_ids:
        return {}
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))
    held = db.scalars(
        update(AISession)
        .where(AISession.id.in_(session_ids), AISession.claimed_by == worker_id, AISession.analysis_status == "running")
        .values(claimed_at=now)
        .returning(AISession)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    return {session.id: session for session in held}


def hold_claim(db: Session, session_id: uuid.UUID, worker_id: str, now: datetime) -> AISession | None:
    """:func:`hold_claims` for one session: it, locked, or None when the claim was lost."""
    return hold_claims(db, [session_id], worker_id, now).get(session_id)


def release(db: Session, session_ids: list[uuid.UUID], worker_id: str) -> None:
    """Hand back claims ``worker_id`` took but will not start (a stop was requested): due again at once, and the
    attempt the claim counted is given back."""
    if not session_ids:
        return
    db.execute(
        update(AISession)
        .where(AISession.id.in_(session_ids), AISession.claimed_by == worker_id)
        .values(
            analysis_status="pending",
            claimed_by=None,
            claimed_at=None,
            analysis_attempts=AISession.analysis_attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )


def claimed_sessions(db: Session, session_ids: list[uuid.UUID], worker_id: str) -> list[AISession]:
    """The sessions of ``session_ids`` whose claim ``worker_id`` holds (read, not locked)."""
    return list(
        db.scalars(select(AISession).where(AISession.id.in_(session_ids), AISession.claimed_by == worker_id)).all()
    )


def matched_flows(db: Session, sessions: list[AISession]) -> list[Tree]:
    """The flows ``sessions`` matched, in one query (kept in the identity map while the list is held)."""
    flow_ids = {s.matched_flow_id for s in sessions if s.matched_flow_id is not None}
    return list(db.scalars(select(Tree).where(Tree.id.in_(flow_ids))).all()) if flow_ids else []


def record_outcomes(db: Session, outcomes: list[tuple[uuid.UUID, Any]], now: datetime) -> None:
    """Persist the outcomes of sessions this transaction holds (:func:`hold_claim`, :func:`hold_claims`): one
    statement per kind.

    An outcome ``deferred`` (budget spent) makes the session due again at ``deferred_until``, and that attempt does
    not count against the retry policy; any other outcome completes the analysis.
    """
    table = AISession.__table__
    by_id = bindparam("b_id", type_=table.c.id.type)
    reason = bindparam("b_reason", type_=table.c.analysis_reason.type)
    completed = [
        {"b_id": sid, "b_outcome": o.kind, "b_reason": o.reason, "b_proposal": o.proposal_id, "b_now": now}
        for sid, o in outcomes
        if o.kind != "deferred"
    ]
    deferred = [
        {"b_id": sid, "b_reason": o.reason, "b_until": o.deferred_until} for sid, o in outcomes if o.kind == "deferred"
    ]

    def release(rows: list[dict[str, Any]], **values: Any) -> None:
        # One executemany per kind: set ``values`` and the reason on each row's session and release its claim.
        if rows:
            statement = update(table).where(table.c.id == by_id)
            db.execute(statement.values(analysis_reason=reason, claimed_by=None, **values), rows)

    release(
        completed,
        analysis_status="completed",
        analysis_outcome=bindparam("b_outcome", type_=table.c.analysis_outcome.type),
        analysis_proposal_id=bindparam("b_proposal", type_=table.c.analysis_proposal_id.type),
        analysis_error=None,
        analysis_after=None,
        analyzed_at=bindparam("b_now", type_=table.c.analyzed_at.type),
    )
    attempts = table.c.analysis_attempts
    release(
        deferred,
        analysis_status="deferred",
        analysis_after=bindparam("b_until", type_=table.c.analysis_after.type),
        analysis_outcome="deferred",
        analysis_attempts=case((attempts > 1, attempts - 1), else_=0),
    )


def backoff_seconds(attempt: int) -> int:
    """Delay before retry number ``attempt`` (1-based): 1, 2, 4 … minutes, capped at an hour."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)


def retry_delay(attempts: int, max_attempts: int) -> int | None:
    """The retry policy: seconds before the next attempt after ``attempts`` failed ones, or None when none is
    left."""
    return None if attempts >= max_attempts else backoff_seconds(attempts)


def mark_failure(
    db: Session, session_id: uuid.UUID, worker_id: str, error: str, now: datetime, max_attempts: int
) -> str:
    """Record a failed attempt: ``"retry"`` (pending again after a backoff) or ``"failed"`` (no attempts left).

    Does nothing (returns ``"lost"``) when the worker no longer holds the claim.
    """
    session = hold_claim(db, session_id, worker_id, now)
    if session is None:
        return "lost"
    session.analysis_error = error[:4000]
    session.claimed_by = None
    delay = retry_delay(session.analysis_attempts, max_attempts)
    if delay is None:
        session.analysis_status = "failed"
        session.analysis_outcome = "failed"
        session.analysis_reason = f"Failed after {session.analysis_attempts} attempts."
        session.analysis_after = None
        db.flush()
        return "failed"
    session.analysis_status = "pending"
    session.analysis_after = now + timedelta(seconds=delay)
    session.analysis_reason = f"Attempt {session.analysis_attempts} failed; retrying in {delay} s."
    db.flush()
    return "retry"


def requeue(db: Session, account_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """Send a failed or deferred analysis back to the queue, due now, with a fresh retry budget."""
    session = db.get(AISession, session_id)
    if session is None or session.account_id != account_id:
        raise SessionNotFound(f"Session {session_id} was not found in this account.")
    if session.analysis_status not in REQUEUEABLE:
        current = session.analysis_status or "not queued"
        raise NotRequeueable(f"Only failed or deferred analyses can be re-queued; this one is {current}.")
    session.analysis_status = "pending"
    session.analysis_after = None
    session.analysis_attempts = 0
    session.claimed_by = None
    session.claimed_at = None
    session.analysis_reason = f"Re-queued after: {session.analysis_error or session.analysis_reason or 'deferral'}"
    db.flush()
