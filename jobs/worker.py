"""The flywheel worker: ``python -m jobs.worker [--once] [--batch N] [--interval S] [--lease S] [--database-url URL]``.

Runs one pass at start, then every ``--interval`` seconds (default ``FLOWPILOT_WORKER_INTERVAL_SECONDS``, 300) on a
``schedule`` loop; the knowledge-gap reports are refreshed hourly. A pass claims due sessions in batches until none
is left. With a model or a remote embedder, each session is analysed in its own transaction (the model is called
before it); offline, a batch is analysed in a few transactions of up to ``CHUNK`` sessions, and a chunk that fails is analysed again one
session per transaction, so one bad session costs the others nothing. Any number of workers may run against one
database.
``--once`` drains what is due and exits (exit code 0). SIGTERM/SIGINT stop after the session in hand.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import make_engine, session_scope
from core.flywheel import queue
from core.flywheel.dedup import PRELOCKED, SERIALISING_LOCK, lock_open_many
from core.flywheel.engine import (
    FlowStats,
    Outcome,
    Providers,
    analyze_session,
    build_providers,
    merge_candidate,
    prepare,
)
from core.flywheel.facts import SessionFacts, load_facts_many
from core.models import AISession, Tree, utcnow
from core.similarity.embedders import LocalEmbedder

log = logging.getLogger("flowpilot.worker")

# Sessions per transaction on the offline path: round trips and commits are shared by the chunk, while locks on
# merged proposals are held no longer than a few milliseconds.
CHUNK = 50


@dataclass
class RunStats:
    """Counts of one pass, logged at its end."""

    claimed: int = 0
    outcomes: Counter = field(default_factory=Counter)
    retried: int = 0
    failed: int = 0
    lost: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            **{f"outcome_{k}": v for k, v in sorted(self.outcomes.items())},
            "retried": self.retried,
            "failed": self.failed,
            "lost": self.lost,
        }


@dataclass
class _ReadAhead:
    """A batch's sessions, their facts and their flows, read once (the list keeps the flows in the identity map)."""

    sessions: dict[uuid.UUID, AISession]
    facts: dict[uuid.UUID, SessionFacts]
    flows: list[Tree]


class Worker:
    """One worker process: claims, analyses and records; never runs two passes at once."""

    def __init__(
        self,
        engine: Engine,
        providers: Providers,
        *,
        worker_id: str | None = None,
        batch: int | None = None,
        lease_seconds: int | None = None,
        max_attempts: int | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        settings = providers.settings
        self.engine = engine
        self.providers = providers
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch = batch or settings.worker_batch_size
        self.lease_seconds = lease_seconds or settings.worker_lease_seconds
        self.max_attempts = max_attempts or settings.worker_max_attempts
        self.clock = clock
        self.stopping = threading.Event()
        self._busy = threading.Lock()

    def process_one(self, session_id: uuid.UUID, stats: RunStats) -> None:
        now = self.clock()
        try:
            # A model call happens here, before the session's transaction, so no lock is held while it runs.
            prepared = prepare(self.engine, session_id, self.worker_id, self.providers, now)
            with session_scope(self.engine) as db:
                session = queue.hold_claim(db, session_id, self.worker_id, now)
                if session is None:
                    stats.lost += 1
                    log.warning("claim lost", extra={"session_id": str(session_id), "worker": self.worker_id})
                    return
                outcome = analyze_session(db, session, self.providers, now, prepared)
                queue.record_outcomes(db, [(session_id, outcome)], now)
            self._count(session_id, outcome, stats)
        except Exception as exc:  # noqa: BLE001 - every failure goes through the retry policy
            self._record_failure(session_id, exc, now, stats)

    @staticmethod
    def _count(session_id: uuid.UUID, outcome: Outcome, stats: RunStats) -> None:
        """Count and log an outcome its transaction committed."""
        stats.outcomes[outcome.kind] += 1
        log.info(
            "session %s: %s",
            session_id,
            outcome.kind,
            extra={"session_id": str(session_id), "outcome": outcome.kind, "proposal_id": str(outcome.proposal_id)},
        )

    def _record_failure(self, session_id: uuid.UUID, exc: Exception, now: datetime, stats: RunStats) -> None:
        error = f"{type(exc).__name__}: {exc}"
        try:
            with session_scope(self.engine) as db:
                verdict = queue.mark_failure(db, session_id, self.worker_id, error, now, self.max_attempts)
        except Exception:  # noqa: BLE001 - the lease will hand the session to a worker again
            log.exception("could not record failure", extra={"session_id": str(session_id)})
            return
        extra = {"session_id": str(session_id), "error": error, "verdict": verdict}
        if verdict == "retry":
            stats.retried += 1
            log.info("session %s: will retry after %s", session_id, error, extra=extra)
        elif verdict == "failed":
            stats.failed += 1
            log.error("session %s: failed after the last attempt: %s", session_id, error, extra=extra)
        else:
            stats.lost += 1

    def run_pass(self) -> RunStats:
        """Claim and process batches until nothing is due (or a stop was requested)."""
        stats = RunStats()
        if not self._busy.acquire(blocking=False):
            log.info("previous pass still running; skipped")
            return stats
        try:
            while not self.stopping.is_set():
                ids = queue.claim(self.engine, self.worker_id, self.batch, self.lease_seconds, self.clock())
                if not ids:
                    break
                stats.claimed += len(ids)
                log.info("claimed %d sessions", len(ids), extra={"claimed": len(ids), "worker": self.worker_id})
                if self.batched:
                    self.process_batch(ids, stats)
                else:
                    self._process_each(ids, stats)
        finally:
            self._busy.release()
        log.info("pass done: %s", stats.as_dict(), extra=stats.as_dict())
        return stats

    @property
    def batched(self) -> bool:
        """Whether sessions share transactions: only when nothing in an analysis leaves the machine, since a
        network call inside a shared transaction would hold every lock it took for as long as the call runs."""
        return not self.providers.generator.uses_llm and isinstance(self.providers.embedder, LocalEmbedder)

    def _process_each(self, ids: list[uuid.UUID], stats: RunStats) -> int:
        """One transaction per session; returns how many were taken (the rest released on a stop request)."""
        for index, session_id in enumerate(ids):
            if self.stopping.is_set():
                # Unstarted claims go back at once instead of waiting out the lease.
                self._release(ids[index:])
                return index
            self.process_one(session_id, stats)
        return len(ids)

    def process_batch(self, ids: list[uuid.UUID], stats: RunStats) -> None:
        """Analyse claimed sessions (offline generator) in transactions of up to ``CHUNK`` sessions.

        The batch's sessions, steps and flows are read once. A chunk ends with the first session expected to take
        a lock other workers queue for (a new proposal's duplicate check), so that lock is held only briefly. Each
        chunk re-takes its claims in one statement (locking the rows, so no other worker can finish them), locks
        the proposals it will merge into in one ordered statement, analyses, and writes merges, outcomes and flow
        statistics a statement each before it commits. If anything in a chunk fails, the chunk is rolled back and
        its sessions are analysed one per transaction, where a failure is that session's alone.
        """
        with self.engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as db:
            ahead = self._read_ahead(db, ids)
            done = 0
            while done < len(ids):
                if self.stopping.is_set():
                    self._release(ids[done:])
                    return
                chunk: list[uuid.UUID] = []
                try:
                    chunk, candidates = self._plan_chunk(db, ids[done : done + CHUNK], ahead)
                    taken = self._process_chunk(db, chunk, candidates, ahead, stats)
                except Exception as exc:  # noqa: BLE001 - the chunk is redone one session at a time
                    db.rollback()
                    db.info.pop(PRELOCKED, None)
                    chunk = chunk or ids[done : done + 1]
                    log.warning(
                        "chunk of %d redone one session at a time after %s: %s",
                        len(chunk),
                        type(exc).__name__,
                        str(exc).splitlines()[0] if str(exc) else "",
                    )
                    log.debug("chunk failure", exc_info=True)
                    taken = self._process_each(chunk, stats)
                    if taken < len(chunk):
                        self._release(ids[done + len(chunk) :])
                        return
                done += taken

    def _read_ahead(self, db: Session, ids: list[uuid.UUID]) -> _ReadAhead:
        """The batch's sessions, facts and flows in four queries; empty on failure (each analysis reads its own)."""
        try:
            sessions = db.scalars(
                select(AISession).where(AISession.id.in_(ids), AISession.claimed_by == self.worker_id)
            ).all()
            flow_ids = {s.matched_flow_id for s in sessions if s.matched_flow_id is not None}
            flows = db.scalars(select(Tree).where(Tree.id.in_(flow_ids))).all() if flow_ids else []
            facts = load_facts_many(db, list(sessions))
            db.commit()
        except Exception:  # noqa: BLE001 - an optimisation only
            db.rollback()
            log.warning("could not read the batch's sessions ahead", exc_info=True)
            return _ReadAhead({}, {}, [])
        return _ReadAhead({s.id: s for s in sessions}, facts, list(flows))

    def _plan_chunk(
        self, db: Session, upcoming: list[uuid.UUID], ahead: _ReadAhead
    ) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
        """The next chunk (ending after the first session expected to serialise) and the proposals it will merge
        into, from what was read ahead and the cached index."""
        chunk: list[uuid.UUID] = []
        candidates: set[uuid.UUID] = set()
        for session_id in upcoming:
            chunk.append(session_id)
            session, facts = ahead.sessions.get(session_id), ahead.facts.get(session_id)
            if session is None or facts is None:
                continue
            candidate, serialising = merge_candidate(db, session, facts, self.providers)
            if candidate is not None:
                candidates.add(candidate)
            if serialising:
                break
        if db.in_transaction():
            # The index's first load read here; SQLite's write lock must be the chunk's first lock, not an upgrade.
            db.commit()
        return chunk, candidates

    def _process_chunk(
        self,
        db: Session,
        chunk: list[uuid.UUID],
        candidates: set[uuid.UUID],
        ahead: _ReadAhead,
        stats: RunStats,
    ) -> int:
        """Analyse sessions of ``chunk`` in one transaction; returns how many it took (all but those after a stop
        request or after a session that unexpectedly took a serialising lock)."""
        now = self.clock()
        held = queue.hold_claims(db, chunk, self.worker_id, now)
        flow_ids = {s.matched_flow_id for s in held.values() if s.matched_flow_id is not None}
        # Re-read under this transaction; the analyses find them in the session's identity map, which holds them
        # only while something else does (hence the variable).
        flows = (
            db.scalars(select(Tree).where(Tree.id.in_(flow_ids)).execution_options(populate_existing=True)).all()
            if flow_ids
            else []
        )
        lock_open_many(db, candidates)
        flow_stats = FlowStats()
        outcomes: list[tuple[uuid.UUID, Outcome]] = []
        lost: list[uuid.UUID] = []
        taken = 0
        db.info.pop(SERIALISING_LOCK, None)
        for session_id in chunk:
            if taken and self.stopping.is_set():
                break
            taken += 1
            session = held.get(session_id)
            if session is None:
                lost.append(session_id)
                continue
            outcome = analyze_session(
                db, session, self.providers, now, facts=ahead.facts.get(session_id), flow_stats=flow_stats
            )
            outcomes.append((session_id, outcome))
            if db.info.pop(SERIALISING_LOCK, False):
                break
        db.flush()
        flow_stats.write(db)
        queue.record_outcomes(db, outcomes, now)
        db.commit()
        db.info.pop(PRELOCKED, None)
        del flows
        for session_id in lost:
            stats.lost += 1
            log.warning("claim lost", extra={"session_id": str(session_id), "worker": self.worker_id})
        for session_id, outcome in outcomes:
            self._count(session_id, outcome, stats)
        return taken

    def _release(self, ids: list[uuid.UUID]) -> None:
        with session_scope(self.engine) as db:
            db.execute(
                update(AISession)
                .where(AISession.id.in_(ids), AISession.claimed_by == self.worker_id)
                .values(
                    analysis_status="pending",
                    claimed_by=None,
                    claimed_at=None,
                    analysis_attempts=AISession.analysis_attempts - 1,
                )
            )


def flywheel_job(worker: Worker) -> None:
    try:
        worker.run_pass()
    except Exception:  # noqa: BLE001 - an exception escaping run_pending would unschedule the job
        log.exception("flywheel pass failed")


def gaps_job(engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
    try:
        from core.insights.gaps import refresh_all_accounts

        count = refresh_all_accounts(engine, clock())
        log.info("knowledge-gap reports refreshed", extra={"accounts": count})
    except Exception:  # noqa: BLE001 - a broken gaps module must not stop the flywheel
        log.exception("knowledge-gap refresh failed")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="process what is due, then exit")
    parser.add_argument("--batch", type=int, help="sessions claimed per statement")
    parser.add_argument("--interval", type=float, help="seconds between passes")
    parser.add_argument("--lease", type=int, help="seconds after which another worker may reclaim a session")
    parser.add_argument("--database-url", help="overrides FLOWPILOT_DATABASE_URL")
    args = parser.parse_args(argv)
    for name in ("batch", "interval", "lease"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name} must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    import schedule

    args = parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("FLOWPILOT_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    settings = Settings.from_env({"database_url": args.database_url} if args.database_url else None)
    engine = make_engine(settings.database_url)
    worker = Worker(engine, build_providers(settings), batch=args.batch, lease_seconds=args.lease)

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the session in hand", signum)
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker %s started", worker.worker_id, extra={"worker": worker.worker_id})
    if args.once:
        worker.run_pass()
        engine.dispose()
        return 0
    interval = args.interval or settings.worker_interval_seconds
    scheduler = schedule.Scheduler()
    scheduler.every(interval).seconds.do(flywheel_job, worker)
    scheduler.every().hour.do(gaps_job, engine)
    flywheel_job(worker)
    gaps_job(engine)
    while not worker.stopping.is_set():
        scheduler.run_pending()
        worker.stopping.wait(min(1.0, max(scheduler.idle_seconds or 1.0, 0.05)))
    engine.dispose()
    log.info("worker %s stopped", worker.worker_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
