"""The flywheel's run loop: claim due sessions in batches, analyse them, record outcomes, retry failures by policy.

With a model or a remote embedder, each session is analysed in its own transaction (the model is called before
it, :func:`~core.flywheel.prepare.prepare`). Offline, a batch is analysed in a few transactions of up to ``CHUNK``
sessions, and a chunk that fails is analysed again one session per transaction, so one bad session costs the
others nothing. Any number of runners may work on one database: claims are leased (``core.flywheel.queue``), and a
claim that expired while its runner was busy is noticed before anything is written. :func:`drain` is the entry
point for code that wants what is due analysed now, in-process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import session_scope
from core.flywheel import queue
from core.flywheel.cluster_model import generate_due
from core.flywheel.consolidate import consolidate
from core.flywheel.dedup import LockKey, lock_keys, lock_open_many
from core.flywheel.engine import Batch, analyze
from core.flywheel.facts import load_facts_many
from core.flywheel.plan import Outcome, PeekDuplicates, Plan, Providers, plan_session, route
from core.flywheel.prepare import prepare
from core.flywheel.reembed import reembed_stale
from core.models import utcnow

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
    # Open proposals joined into another of the same problem after the sessions (core.flywheel.consolidate).
    clusters_joined: int = 0
    # Proposals the model wrote for their whole cluster after the sessions (core.flywheel.cluster_model).
    clusters_written: int = 0
    # Proposals this pass created or merged a session into, each with the last session it added: what its
    # consolidation looks at again where that session is still the proposal's last (core.flywheel.consolidate).
    proposals: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            **{f"outcome_{k}": v for k, v in sorted(self.outcomes.items())},
            "retried": self.retried,
            "failed": self.failed,
            "lost": self.lost,
            "clusters_joined": self.clusters_joined,
            "clusters_written": self.clusters_written,
        }


class Runner:
    """Claims, analyses and records; never runs two passes at once. ``stopping`` ends a pass after the session in
    hand, and hands the claims not yet started back to the queue."""

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
        # Whether this worker has given the open proposals of another embedder a vector of its own (first pass).
        self._reembedded = False

    @property
    def batched(self) -> bool:
        """Whether sessions share transactions: only when nothing in an analysis leaves the machine, since a
        network call inside a shared transaction would hold every lock it took for as long as the call runs."""
        return not self.providers.model_per_session and self.providers.embedder.local

    def run_pass(self) -> RunStats:
        """Claim and process batches until nothing is due (or a stop was requested)."""
        stats = RunStats()
        if not self._busy.acquire(blocking=False):
            log.info("previous pass still running; skipped")
            return stats
        try:
            if not self._reembedded:
                reembed_stale(self.engine, self.providers)
                self._reembedded = True
            while not self.stopping.is_set():
                ids = queue.claim(self.engine, self.worker_id, self.batch, self.lease_seconds, self.clock())
                if not ids:
                    break
                stats.claimed += len(ids)
                log.info("claimed %d sessions", len(ids), extra={"claimed": len(ids), "worker": self.worker_id})
                if self.batched:
                    self.process_batch(ids, stats)
                else:
                    self.process_each(ids, {}, stats)
            if not self.stopping.is_set() and stats.claimed:
                # Before the model writes: a cluster joined now is written once, from all its sessions.
                stats.clusters_joined = consolidate(self.engine, self.providers, stats.proposals).joined
            if not self.stopping.is_set():
                stats.clusters_written = generate_due(self.engine, self.providers, self.clock()).written
        finally:
            self._busy.release()
        log.info("pass done: %s", stats.as_dict(), extra=stats.as_dict())
        return stats

    def process_one(self, session_id: uuid.UUID, stats: RunStats, plan: Plan | None = None) -> None:
        """Analyse one claimed session in its own transaction; a failure goes through the retry policy."""
        now = self.clock()
        try:
            # A model call happens here, before the session's transaction, so no lock is held while it runs.
            prepared = prepare(self.engine, session_id, self.worker_id, self.providers, now)
            with session_scope(self.engine) as db:
                session = queue.hold_claim(db, session_id, self.worker_id, now)
                if session is None:
                    self.count_lost(session_id, stats)
                    return
                if prepared is not None:
                    plan = prepared.plan
                elif plan is None:
                    plan = plan_session(db, session)
                batch = Batch()
                outcome = analyze(db, plan, self.providers, now, batch, prepared)
                batch.finish(db)
                queue.record_outcomes(db, [(session_id, outcome)], now)
            self.count(session_id, outcome, stats)
        except Exception as exc:  # noqa: BLE001 - every failure goes through the retry policy
            self._record_failure(session_id, exc, now, stats)

    def process_each(self, ids: list[uuid.UUID], plans: dict[uuid.UUID, Plan], stats: RunStats) -> int:
        """One transaction per session; returns how many were taken (the rest released on a stop request)."""
        for index, session_id in enumerate(ids):
            if self.stopping.is_set():
                # Unstarted claims go back at once instead of waiting out the lease.
                self.release(ids[index:])
                return index
            self.process_one(session_id, stats, plans.get(session_id))
        return len(ids)

    def process_batch(self, ids: list[uuid.UUID], stats: RunStats) -> None:
        """Analyse claimed sessions (offline generator) in shared transactions (:class:`SharedBatch`)."""
        SharedBatch(self, ids, stats).run()

    def release(self, ids: list[uuid.UUID]) -> None:
        with session_scope(self.engine) as db:
            queue.release(db, ids, self.worker_id)

    def count_lost(self, session_id: uuid.UUID, stats: RunStats) -> None:
        stats.lost += 1
        log.warning("claim lost", extra={"session_id": str(session_id), "worker": self.worker_id})

    @staticmethod
    def count(session_id: uuid.UUID, outcome: Outcome, stats: RunStats) -> None:
        """Count and log an outcome its transaction committed."""
        stats.outcomes[outcome.kind] += 1
        if outcome.proposal_id is not None:
            stats.proposals[outcome.proposal_id] = session_id
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


@dataclass
class Chunk:
    """Sessions analysed in one transaction, in the order they are analysed: first those that take no lock other
    workers queue for (merges into the proposals they are expected to join, ``targets``, which are locked up front,
    reinforcements, recorded outcomes), then, from index ``serial`` on, those expected to take one (a new proposal's
    duplicate check), under the locks of ``keys`` taken together just before them. ``wait``: whether the chunk
    queues for a target another worker holds (else its sessions are left for later)."""

    ids: list[uuid.UUID]
    targets: dict[uuid.UUID, uuid.UUID]
    keys: set[LockKey]
    serial: int
    wait: bool = False


class SharedBatch:
    """A claimed batch analysed offline, many sessions per transaction: round trips and commits are shared,
    while a failure is still one session's alone (its chunk is redone one session per transaction)."""

    def __init__(self, runner: Runner, ids: list[uuid.UUID], stats: RunStats) -> None:
        self.runner = runner
        self.ids = ids
        self.stats = stats
        self.plans: dict[uuid.UUID, Plan] = {}
        # Sessions put off once because another worker held the proposal they merge into: next time they wait.
        self.put_off: set[uuid.UUID] = set()

    def run(self) -> None:
        """Analyse the batch in transactions of up to ``CHUNK`` sessions.

        The batch's sessions, steps and flows are read and planned once. Each chunk (:class:`Chunk`) re-takes its
        claims in one statement (locking the rows, so no other worker can finish them) and locks the proposals it
        will merge into in one ordered statement; a session whose proposal another worker holds is put off to the
        end of the batch instead of the whole chunk waiting (the second time, its chunk waits). The chunk analyses
        the sessions that queue for no other worker, writes them, then takes the duplicate-check locks of those
        that do, in one order, and analyses them: the locks that serialise workers are held only for the end of
        the chunk, and a worker's new proposals of one domain share one lock and one look at what the others
        added. Outcomes and flow statistics are written a statement each before the commit. If anything in a chunk
        fails, the chunk is rolled back and its sessions are analysed one per transaction, where a failure is that
        session's alone.
        """
        with self.runner.engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as db:
            self.plans = self._plan_ahead(db)
            pending = list(self.ids)
            while pending:
                if self.runner.stopping.is_set():
                    self.runner.release(pending)
                    return
                upcoming = pending[:CHUNK]
                ordered: list[uuid.UUID] = []
                later: list[uuid.UUID] = []
                try:
                    chunk = self._next_chunk(db, upcoming)
                    ordered = chunk.ids
                    done, later = self._process_chunk(db, chunk)
                except Exception as exc:  # noqa: BLE001 - the chunk is redone one session at a time
                    db.rollback()
                    ordered = ordered or upcoming[:1]
                    first_line = str(exc).splitlines()[0] if str(exc) else ""
                    log.warning(
                        "chunk of %d redone one session at a time after %s: %s",
                        len(ordered),
                        type(exc).__name__,
                        first_line,
                    )
                    log.debug("chunk failure", exc_info=True)
                    taken = self.runner.process_each(ordered, self.plans, self.stats)
                    if taken < len(ordered):  # a stop: process_each handed back the rest of the chunk
                        self.runner.release([i for i in pending if i not in set(ordered)])
                        return
                    done, later = set(ordered), []
                # What a chunk did not take (after a session that unexpectedly took a serialising lock) comes next;
                # what it put off comes last.
                self.put_off.update(later)
                pending = [i for i in pending if i not in done and i not in later] + later

    def _plan_ahead(self, db: Session) -> dict[uuid.UUID, Plan]:
        """The batch's sessions read (in four queries) and planned, by id. A session missing here (the read
        failed, or its plan did) is planned in the transaction that analyses it, where a failure is its own."""
        try:
            sessions = queue.claimed_sessions(db, self.ids, self.runner.worker_id)
            flows = queue.matched_flows(db, sessions)
            facts = load_facts_many(db, sessions)
            db.commit()
        except Exception:  # noqa: BLE001 - an optimisation only
            db.rollback()
            log.warning("could not read the batch's sessions ahead", exc_info=True)
            return {}
        plans: dict[uuid.UUID, Plan] = {}
        for session in sessions:
            try:
                plans[session.id] = plan_session(db, session, facts[session.id])
            except Exception:  # noqa: BLE001 - planned again, alone, when its turn comes
                log.debug("could not plan session %s ahead", session.id, exc_info=True)
        if db.in_transaction():
            # A flow not read ahead was fetched; commit, as a rollback would expire what the plans hold.
            db.commit()
        del flows  # the plans hold the flows they need
        return plans

    def _next_chunk(self, db: Session, upcoming: list[uuid.UUID]) -> Chunk:
        """``upcoming`` as a :class:`Chunk`, routed with what the cached index says (no query, no lock): the
        sessions expected to serialise go last, in their order, with the keys of their locks; the others' merge
        targets are the proposals to lock up front. A chunk holding a session put off before waits for them."""
        plain: list[uuid.UUID] = []
        serial: list[uuid.UUID] = []
        targets: dict[uuid.UUID, uuid.UUID] = {}
        keys: set[LockKey] = set()
        guess = PeekDuplicates(self.runner.providers, fresh=False)
        for session_id in upcoming:
            plan = self.plans.get(session_id)
            routed = route(db, plan, guess) if plan is not None else None
            if routed is not None and routed.serialising:
                serial.append(session_id)
                keys.add(routed.lock_key)
                continue
            plain.append(session_id)
            if routed is not None and routed.kind == "merged":
                targets[session_id] = routed.duplicate
        if db.in_transaction():
            # The index's first load read here; SQLite's write lock must be the chunk's first lock, not an upgrade.
            db.commit()
        wait = any(session_id in self.put_off for session_id in upcoming)
        return Chunk(plain + serial, targets, keys, len(plain), wait)

    def _process_chunk(self, db: Session, chunk: Chunk) -> tuple[set[uuid.UUID], list[uuid.UUID]]:
        """Analyse the sessions of ``chunk`` in one transaction, in its order; returns the sessions it took and
        those it put off (whose proposal another worker held). Those after a stop request, or after a session
        before the serialising part that unexpectedly took a serialising lock, are neither."""
        now = self.runner.clock()
        held = queue.hold_claims(db, chunk.ids, self.runner.worker_id, now)
        batch = Batch(locks=lock_open_many(db, set(chunk.targets.values()), skip_locked=not chunk.wait))
        locked = batch.locks.prelocked
        later = [] if chunk.wait else [i for i in chunk.ids if i in chunk.targets and chunk.targets[i] not in locked]
        outcomes: list[tuple[uuid.UUID, Outcome]] = []
        lost: list[uuid.UUID] = []
        taken: set[uuid.UUID] = set()
        for index, session_id in enumerate(chunk.ids):
            if taken and self.runner.stopping.is_set():
                break
            if index == chunk.serial:
                # What the chunk wrote so far goes now, not while it holds the locks that serialise workers.
                db.flush()
                lock_keys(db, batch.locks, chunk.keys)
            if session_id in later:
                continue
            taken.add(session_id)
            session = held.get(session_id)
            if session is None:
                lost.append(session_id)
                continue
            plan = self.plans.get(session_id) or plan_session(db, session)
            outcomes.append((session_id, analyze(db, plan, self.runner.providers, now, batch)))
            if index < chunk.serial and batch.locks.serialising:
                break
        batch.finish(db)
        queue.record_outcomes(db, outcomes, now)
        db.commit()
        for session_id in lost:
            self.runner.count_lost(session_id, self.stats)
        for session_id, outcome in outcomes:
            self.runner.count(session_id, outcome, self.stats)
        return taken, later


def drain(
    engine: Engine,
    providers: Providers,
    *,
    clock: Callable[[], datetime] = utcnow,
    batch: int | None = None,
    worker_id: str = "drain",
) -> RunStats:
    """Analyse, in this process, every session due at ``clock()`` and return the counts.

    The clock decides what is due and stamps every outcome, so a caller anchored at a fixed "now" (a demo
    workspace) gets the same outcomes on every run. A failed attempt is due again only after its backoff, so the
    pass ends even when a session keeps failing.
    """
    return Runner(engine, providers, worker_id=worker_id, batch=batch, clock=clock).run_pass()
