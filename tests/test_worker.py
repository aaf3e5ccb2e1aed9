"""The worker and the queue: claim, lease, retry with backoff, failure, re-queue (SQLite and PostgreSQL)."""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import session_scope
from core.flywheel import queue, runner
from core.flywheel.dedup import (
    LockBusy,
    Locks,
    Problem,
    ProposalIndex,
    find_similar,
    lock,
    lock_keys,
    lock_open_many,
    problem_key,
)
from core.flywheel.engine import Providers
from core.flywheel.generators import GenerationError, OfflineRulesGenerator
from core.flywheel.runner import Runner
from core.models import Account, AISession, FlowProposal, Tree
from core.similarity.embedders import LocalEmbedder, from_bytes
from jobs.worker import main, parse_args, run_process
from tests.factories import NOW, OUTLOOK_FOLLOWED_STEPS, OUTLOOK_NO_STEPS, make_account, make_session, make_tree


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


class BrokenGenerator(OfflineRulesGenerator):
    """Fails like a generator whose model keeps answering nonsense."""

    def new_flow(self, facts, reserve=None):
        raise GenerationError("model output still invalid after one repair round: root: missing id")


def offline(**settings) -> Providers:
    return Providers(OfflineRulesGenerator(), LocalEmbedder(), Settings(**settings))


def seed(engine: Engine, **kw) -> uuid.UUID:
    with session_scope(engine) as db:
        account = make_account(db)
        session = make_session(db, account, **kw)
        return session.id


QUEUED_DISCOVERY = {"confidence_tier": "discovery", "analysis_status": "pending"}


def queue_problems(db: Session, account: Account, problems: list[str]) -> list[uuid.UUID]:
    """One discovery session per problem summary, queued for the flywheel and created a second apart in order."""
    return [
        make_session(db, account, problem_summary=p, created_at=NOW + timedelta(seconds=n), **QUEUED_DISCOVERY).id
        for n, p in enumerate(problems)
    ]


def load(engine: Engine, session_id: uuid.UUID) -> AISession:
    with session_scope(engine) as db:
        session = db.get(AISession, session_id)
        db.expunge(session)
        return session


def test_pass_processes_due_sessions_and_records_outcomes(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        steps = OUTLOOK_NO_STEPS
        reinforced = make_session(
            db, account, matched_flow_id=flow.id, match_score=0.95, steps=steps, analysis_status="pending"
        ).id
        new = make_session(
            db,
            account,
            confidence_tier="discovery",
            analysis_status="pending",
            problem_summary="BitLocker recovery key prompt at boot",
        ).id
        later = make_session(
            db, account, confidence_tier="discovery", analysis_status="pending", analysis_after=NOW + timedelta(hours=1)
        ).id
        active = make_session(db, account, status="active").id
    worker = Runner(engine, offline(), worker_id="w1", batch=1, clock=Clock())
    stats = worker.run_pass()
    assert (stats.claimed, dict(stats.outcomes), stats.failed) == (2, {"auto_reinforced": 1, "new_flow": 1}, 0)
    done = load(engine, reinforced)
    assert (done.analysis_status, done.analysis_outcome, done.analysis_attempts) == ("completed", "auto_reinforced", 1)
    assert done.analysis_reason == "Followed the flow to a solution (match 0.95)."
    assert done.analyzed_at == NOW and done.claimed_by is None and done.analysis_error is None
    created = load(engine, new)
    assert created.analysis_outcome == "new_flow" and created.analysis_proposal_id is not None
    with session_scope(engine) as db:
        assert db.get(FlowProposal, created.analysis_proposal_id).title == "BitLocker recovery key prompt at boot"
    assert load(engine, later).analysis_status == "pending"
    assert load(engine, active).analysis_status is None


def test_claim_takes_expired_leases_only(engine: Engine) -> None:
    stale = seed(engine, analysis_status="running", claimed_by="dead", claimed_at=NOW - timedelta(minutes=11))
    fresh = seed(engine, analysis_status="running", claimed_by="alive", claimed_at=NOW - timedelta(minutes=9))
    deferred_due = seed(engine, analysis_status="deferred", analysis_after=NOW)
    claimed = queue.claim(engine, "w2", 10, 600, NOW)
    assert sorted(claimed) == sorted([stale, deferred_due])
    assert load(engine, stale).claimed_by == "w2" and load(engine, fresh).claimed_by == "alive"
    assert queue.claim(engine, "w3", 10, 600, NOW) == []
    with pytest.raises(ValueError, match="batch must be at least 1"):
        queue.claim(engine, "w3", 0, 600, NOW)


def test_failures_retry_with_backoff_then_fail_and_can_be_requeued(engine: Engine) -> None:
    session_id = seed(engine, confidence_tier="discovery", analysis_status="pending")
    clock = Clock()
    broken = Providers(BrokenGenerator(), LocalEmbedder(), Settings())
    worker = Runner(engine, broken, worker_id="w1", max_attempts=3, clock=clock)
    history = []
    for _ in range(3):
        stats = worker.run_pass()
        s = load(engine, session_id)
        history.append((stats.retried, stats.failed, s.analysis_status, s.analysis_attempts, s.analysis_after))
        clock.now = (s.analysis_after or clock.now) + timedelta(seconds=1)
    assert worker.run_pass().claimed == 0  # failed is final
    assert history == [
        (1, 0, "pending", 1, NOW + timedelta(seconds=60)),
        (1, 0, "pending", 2, NOW + timedelta(seconds=61 + 120)),
        (0, 1, "failed", 3, None),
    ]
    failed = load(engine, session_id)
    assert failed.analysis_error == (
        "GenerationError: model output still invalid after one repair round: root: missing id"
    )
    assert failed.analysis_reason == "Failed after 3 attempts."
    with session_scope(engine) as db:
        queue.requeue(db, failed.account_id, session_id)
    again = load(engine, session_id)
    assert (again.analysis_status, again.analysis_attempts, again.analysis_after) == ("pending", 0, None)
    assert again.analysis_reason.startswith("Re-queued after: GenerationError")
    worker.providers = offline()
    assert dict(worker.run_pass().outcomes) == {"new_flow": 1}


def test_requeue_refuses_other_statuses_and_accounts(engine: Engine) -> None:
    done = seed(engine, analysis_status="completed")
    failed = seed(engine, analysis_status="failed")
    with session_scope(engine) as db:
        account = load(engine, done).account_id
        with pytest.raises(queue.NotRequeueable, match="this one is completed"):
            queue.requeue(db, account, done)
        with pytest.raises(queue.SessionNotFound):
            queue.requeue(db, account, failed)  # belongs to another account
        with pytest.raises(queue.SessionNotFound):
            queue.requeue(db, account, uuid.uuid4())


def test_a_lost_claim_is_not_processed_twice(engine: Engine) -> None:
    session_id = seed(engine, confidence_tier="discovery", analysis_status="pending")
    first = Runner(engine, offline(), worker_id="slow", clock=Clock())
    assert queue.claim(engine, "slow", 5, 600, NOW) == [session_id]
    # the lease expires and another worker takes and finishes it
    later = Runner(engine, offline(), worker_id="fast", clock=Clock(NOW + timedelta(minutes=11)))
    assert dict(later.run_pass().outcomes) == {"new_flow": 1}
    stats = first.run_pass()
    first.process_one(session_id, stats)
    assert stats.lost == 1
    with session_scope(engine) as db:
        assert db.scalar(select(FlowProposal.supporting_session_count)) == 1


def test_a_claim_lost_inside_a_batch_is_not_processed_twice(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        ids = queue_problems(db, account, PROBLEMS)
    slow = Runner(engine, offline(), worker_id="slow", clock=Clock())
    assert queue.claim(engine, "slow", 5, 600, NOW) == ids
    # the lease expires; another worker takes the oldest session and finishes it before the slow one starts
    later = NOW + timedelta(minutes=11)
    fast = Runner(engine, offline(), worker_id="fast", clock=Clock(later))
    assert queue.claim(engine, "fast", 1, 600, later) == ids[:1]
    fast.process_batch(ids[:1], runner.RunStats())
    stats = runner.RunStats()
    slow.process_batch(ids, stats)
    assert (stats.lost, dict(stats.outcomes)) == (1, {"new_flow": 2})
    states = [load(engine, i) for i in ids]
    assert [(s.analysis_status, s.analysis_outcome) for s in states] == [("completed", "new_flow")] * 3
    with session_scope(engine) as db:
        proposals = db.scalars(select(FlowProposal).order_by(FlowProposal.title)).all()
        assert [(p.title, p.supporting_session_ids) for p in proposals] == sorted(
            (p, [str(i)]) for p, i in zip(PROBLEMS, ids, strict=True)
        )


def test_stop_request_releases_unstarted_claims(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [seed(engine, confidence_tier="discovery", analysis_status="pending") for _ in range(3)]
    worker = Runner(engine, offline(), worker_id="w1", batch=3, clock=Clock())
    original = runner.analyze

    def analyze_then_stop(*args, **kwargs):
        worker.stopping.set()  # SIGTERM arrives while the first session is in hand
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "analyze", analyze_then_stop)
    stats = worker.run_pass()
    assert stats.claimed == 3 and sum(stats.outcomes.values()) == 1
    states = sorted((load(engine, i).analysis_status, load(engine, i).analysis_attempts) for i in ids)
    assert states == [("completed", 1), ("pending", 0), ("pending", 0)]


def test_cli_once_drains_the_queue(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    session_id = seed(engine, confidence_tier="exploring", analysis_status="pending")
    monkeypatch.delenv("FLOWPILOT_ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--once", "--batch", "5", "--database-url", url]) == 0
    assert load(engine, session_id).analysis_outcome == "new_flow"


def test_the_worker_process_runs_with_its_start_up_heap_frozen_and_ends_with_all_of_it_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert gc.get_freeze_count() == 0
    frozen_while_working: list[int] = []

    def work(argv: list[str] | None = None) -> int:
        frozen_while_working.append(gc.get_freeze_count())
        garbage = [[] for _ in range(1000)]
        for item in garbage:
            item.append(item)  # cycles the passes made: collectable while the process works
        return 3

    monkeypatch.setattr("jobs.worker.main", work)
    try:
        assert run_process(["--once"]) == 3
        assert frozen_while_working[0] > 0
        # Everything left, the passes' cycles too, is out of the collector's sight: the teardown traces nothing.
        assert gc.collect() == 0
    finally:
        gc.unfreeze()
    assert gc.collect() >= 1000


def test_cli_rejects_bad_options() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--batch", "0"])
    assert parse_args(["--once", "--interval", "2.5"]).interval == 2.5


def test_sigterm_stops_the_schedule_loop_cleanly(engine: Engine) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from core.config import PROJECT_ROOT

    if engine.dialect.name != "sqlite":
        pytest.skip("signal handling does not depend on the database")
    session_id = seed(engine, confidence_tier="discovery", analysis_status="pending")
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    for name in ("FLOWPILOT_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"):
        env.pop(name, None)
    url = engine.url.render_as_string(hide_password=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "--interval", "60", "--database-url", url],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while load(engine, session_id).analysis_status != "completed" and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = process.stderr.read()
    assert "pass done" in log and "stopping after the session in hand" in log and "stopped" in log


PROBLEMS = [
    "BitLocker recovery key prompt at boot",
    "Printer jams on tray 2",
    "VPN error 809 when connecting from home",
]


def test_a_batch_of_merges_costs_fewer_statements_than_sessions(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        firsts = [
            make_session(
                db, account, problem_summary=p, created_at=NOW - timedelta(hours=1, minutes=i), **QUEUED_DISCOVERY
            ).id
            for i, p in enumerate(PROBLEMS)
        ]
    assert dict(Runner(engine, offline(), worker_id="w1", clock=Clock()).run_pass().outcomes) == {"new_flow": 3}
    with session_scope(engine) as db:
        account = db.get(Account, db.get(AISession, firsts[0]).account_id)
        repeats = [
            make_session(
                db, account, problem_summary=PROBLEMS[n % 3], created_at=NOW + timedelta(seconds=n), **QUEUED_DISCOVERY
            ).id
            for n in range(30)
        ]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        stats = Runner(engine, offline(), worker_id="w1", batch=50, clock=Clock()).run_pass()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (stats.claimed, dict(stats.outcomes)) == (30, {"merged": 30})
    # about seven statements per session was the cost before sessions shared transactions; now a batch costs a
    # fixed handful (claims, reads, one lock, one flush, outcomes, commits), whatever its size, and the pass a few
    # more to look for clusters that met (the touched proposals, the index's changed rows: two transactions)
    assert len(statements) <= 19, statements
    with session_scope(engine) as db:
        for n, first in enumerate(firsts):
            proposal = db.get(FlowProposal, db.get(AISession, first).analysis_proposal_id)
            expected = [str(first)] + [str(r) for r in repeats[n::3]]
            assert (proposal.supporting_session_count, proposal.supporting_session_ids) == (11, expected)
            assert {db.get(AISession, r).analysis_proposal_id for r in repeats[n::3]} == {proposal.id}


def test_flow_statistics_of_a_batch_are_exact(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account, times_matched=4, times_resolved=3, success_rate=0.75)
        followed = OUTLOOK_FOLLOWED_STEPS
        kw = {"matched_flow_id": flow.id, "match_score": 0.92, "analysis_status": "pending"}
        latest = make_session(db, account, steps=followed, created_at=NOW - timedelta(hours=3), **kw)
        make_session(db, account, steps=followed, created_at=NOW - timedelta(hours=4), **kw)
        make_session(db, account, steps=followed[:2], status="escalated", created_at=NOW - timedelta(hours=2), **kw)
        flow_id, latest_end = flow.id, latest.ended_at
    stats = Runner(engine, offline(), worker_id="w1", clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"auto_reinforced": 2, "flow_failure_recorded": 1}
    with session_scope(engine) as db:
        flow = db.get(Tree, flow_id)
        assert (flow.times_matched, flow.times_resolved) == (7, 5)
        assert flow.success_rate == pytest.approx(5 / 7)
        assert flow.last_matched_at == max(latest_end, flow.last_matched_at) and flow.last_matched_at is not None


class ExplodingGenerator(OfflineRulesGenerator):
    def new_flow(self, facts, reserve=None):
        if "explodes" in facts.summary:
            raise GenerationError("this session cannot be turned into a flow")
        return super().new_flow(facts, reserve)


def test_one_failing_session_costs_the_others_of_its_batch_nothing(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        ids = queue_problems(db, account, [PROBLEMS[0], "The laptop explodes on boot", PROBLEMS[1], PROBLEMS[0]])
    providers = Providers(ExplodingGenerator(), LocalEmbedder(), Settings())
    stats = Runner(engine, providers, worker_id="w1", batch=10, clock=Clock()).run_pass()
    assert (stats.claimed, dict(stats.outcomes), stats.retried) == (4, {"new_flow": 2, "merged": 1}, 1)
    states = [load(engine, i) for i in ids]
    assert [s.analysis_outcome for s in states] == ["new_flow", None, "new_flow", "merged"]
    assert states[3].analysis_proposal_id == states[0].analysis_proposal_id
    assert (states[1].analysis_status, states[1].analysis_attempts) == ("pending", 1)
    assert states[1].analysis_error == "GenerationError: this session cannot be turned into a flow"
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(FlowProposal)) == 2
        assert db.get(FlowProposal, states[0].analysis_proposal_id).supporting_session_count == 2


def test_a_chunk_holding_ordered_locks_never_waits_for_another_proposal(pg_engine: Engine) -> None:
    session_id = seed(pg_engine, confidence_tier="discovery", analysis_status="pending", problem_summary=PROBLEMS[0])
    assert dict(Runner(pg_engine, offline(), worker_id="w1", clock=Clock()).run_pass().outcomes) == {"new_flow": 1}
    with session_scope(pg_engine) as db:
        proposal = db.get(FlowProposal, load(pg_engine, session_id).analysis_proposal_id)
        key = (proposal.account_id, proposal.problem_domain, proposal.embedder, from_bytes(proposal.embedding))
    embedder = LocalEmbedder()
    with pg_engine.connect() as reviewer:
        reviewer.execute(select(FlowProposal.id).where(FlowProposal.id == proposal.id).with_for_update())
        # a reviewer's transaction holds the proposal; a chunk that already holds its ordered locks fails at once
        # (and is redone one session at a time) instead of waiting, which could close a deadlock cycle
        with session_scope(pg_engine) as db:
            db.execute(text("SET LOCAL lock_timeout = '3s'"))  # a wait fails this test instead of hanging it
            locks = lock_open_many(db, set())
            started = time.monotonic()
            with pytest.raises(OperationalError, match="could not obtain lock"):
                find_similar(db, ProposalIndex(), Problem(*key, embedder.threshold), locks)
            assert time.monotonic() - started < 1
            db.rollback()
        reviewer.rollback()


def test_new_problems_of_one_domain_in_one_chunk_look_for_others_proposals_once(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        seed_id = queue_problems(db, account, [PROBLEMS[0]])[0]
    # the pass loads the domain's proposals into this process's index
    providers = offline()
    assert dict(Runner(engine, providers, worker_id="w1", clock=Clock()).run_pass().outcomes) == {"new_flow": 1}
    with session_scope(engine) as db:
        account = db.get(Account, load(engine, seed_id).account_id)
        ids = queue_problems(db, account, [PROBLEMS[1], PROBLEMS[2], "Printer jams on tray 2", PROBLEMS[0]])
    looks: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "flow_proposals.updated_at > " in statement:  # not the after-pass look at touched proposals (>=)
            looks.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        stats = Runner(engine, providers, worker_id="w1", batch=50, clock=Clock()).run_pass()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (stats.claimed, dict(stats.outcomes)) == (4, {"new_flow": 2, "merged": 2})
    # one look at what other workers added since the last one, for the chunk's two new problems and the repeat of
    # one of them: while the chunk holds the domain's lock, nobody else adds a proposal there
    assert len(looks) == 1
    states = [load(engine, i) for i in ids]
    assert [s.analysis_outcome for s in states] == ["new_flow", "new_flow", "merged", "merged"]
    assert states[2].analysis_proposal_id == states[0].analysis_proposal_id
    assert states[3].analysis_proposal_id == load(engine, seed_id).analysis_proposal_id
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(FlowProposal)) == 3


def test_a_chunk_of_new_problems_merges_into_what_another_worker_proposed_since_its_cache_was_read(
    engine: Engine,
) -> None:
    mine, theirs = offline(), offline()  # two workers, each with its own cache of the domain's proposals
    with session_scope(engine) as db:
        account = make_account(db)
        queue_problems(db, account, [PROBLEMS[0]])
    assert dict(Runner(engine, mine, worker_id="w1", clock=Clock()).run_pass().outcomes) == {"new_flow": 1}
    with session_scope(engine) as db:
        account = db.get(Account, account.id)
        theirs_ids = queue_problems(db, account, [PROBLEMS[1], PROBLEMS[2]])
    assert dict(Runner(engine, theirs, worker_id="w2", clock=Clock()).run_pass().outcomes) == {"new_flow": 2}
    with session_scope(engine) as db:
        account = db.get(Account, account.id)
        ids = queue_problems(db, account, [PROBLEMS[2], "Outlook keeps prompting for a password", PROBLEMS[1]])
    # w1's cache predates w2's proposals, so all three look new to it: one look under the domain's lock finds both
    stats = Runner(engine, mine, worker_id="w1", batch=50, clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"merged": 2, "new_flow": 1}
    states = [load(engine, i) for i in ids]
    assert [s.analysis_outcome for s in states] == ["merged", "new_flow", "merged"]
    assert states[0].analysis_proposal_id == load(engine, theirs_ids[1]).analysis_proposal_id
    assert states[2].analysis_proposal_id == load(engine, theirs_ids[0]).analysis_proposal_id
    with session_scope(engine) as db:
        assert db.scalar(select(func.count()).select_from(FlowProposal)) == 4


def test_a_chunk_holding_its_locks_in_order_gives_up_at_once_on_another_domains_lock(pg_engine: Engine) -> None:
    with session_scope(pg_engine) as db:
        account_id = make_account(db).id
    mine, theirs = problem_key(account_id, "printers"), problem_key(account_id, "vpn")
    with session_scope(pg_engine) as other:
        lock(other, Locks(), theirs)  # another worker adds a VPN proposal
        with session_scope(pg_engine) as db:
            db.execute(text("SET LOCAL lock_timeout = '3s'"))  # a wait fails this test instead of hanging it
            locks = Locks()
            lock_keys(db, locks, {mine})
            statements: list[str] = []
            event.listen(db.get_bind(), "before_cursor_execute", lambda *args: statements.append(args[2]))
            lock(db, locks, mine)  # held already: no statement
            assert statements == []
            started = time.monotonic()
            # waiting here while holding the printers lock could close a cycle with a worker that holds the VPN
            # lock and waits for the printers one: the chunk fails at once and is redone one session at a time
            with pytest.raises(LockBusy, match="vpn"):
                lock(db, locks, theirs)
            assert time.monotonic() - started < 1
            db.rollback()


def test_a_chunk_puts_off_a_merge_into_a_proposal_another_worker_holds_and_analyses_the_rest(
    pg_engine: Engine,
) -> None:
    providers = offline()
    with session_scope(pg_engine) as db:
        account = make_account(db)
        firsts = queue_problems(db, account, PROBLEMS[:2])
    assert dict(Runner(pg_engine, providers, worker_id="w1", clock=Clock()).run_pass().outcomes) == {"new_flow": 2}
    busy, free = (load(pg_engine, first).analysis_proposal_id for first in firsts)
    with session_scope(pg_engine) as db:
        account = db.get(Account, account.id)
        waiting, merging = queue_problems(db, account, PROBLEMS[:2])
    passes: list[runner.RunStats] = []
    with pg_engine.connect() as other:
        # another worker merging into the first proposal holds it until it commits
        other.execute(select(FlowProposal.id).where(FlowProposal.id == busy).with_for_update())
        worker = threading.Thread(
            target=lambda: passes.append(Runner(pg_engine, providers, worker_id="w1", clock=Clock()).run_pass())
        )
        worker.start()
        deadline = time.monotonic() + 10
        while load(pg_engine, merging).analysis_status != "completed" and time.monotonic() < deadline:
            time.sleep(0.05)
        # the session whose proposal is free was analysed and committed meanwhile; the other one waits its turn
        assert (load(pg_engine, merging).analysis_outcome, load(pg_engine, merging).analysis_proposal_id) == (
            "merged",
            free,
        )
        assert load(pg_engine, waiting).analysis_status == "running"
        other.rollback()
        worker.join(timeout=20)
    assert [dict(p.outcomes) for p in passes] == [{"merged": 2}]
    assert (load(pg_engine, waiting).analysis_outcome, load(pg_engine, waiting).analysis_proposal_id) == (
        "merged",
        busy,
    )


def test_drain_at_a_fixed_now_analyses_what_is_due_then_and_ends(engine: Engine) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        due = make_session(
            db, account, problem_summary=PROBLEMS[0], created_at=NOW - timedelta(hours=2), **QUEUED_DISCOVERY
        ).id
        failing = make_session(
            db,
            account,
            problem_summary="The laptop explodes on boot",
            created_at=NOW - timedelta(hours=1),
            **QUEUED_DISCOVERY,
        ).id
        later = make_session(db, account, analysis_after=NOW + timedelta(hours=1), **QUEUED_DISCOVERY).id
    providers = Providers(ExplodingGenerator(), LocalEmbedder(), Settings())
    stats = runner.drain(engine, providers, clock=lambda: NOW, batch=10)
    # the failing session is due again only after its backoff, so the pass ends at the fixed now
    assert (stats.claimed, dict(stats.outcomes), stats.retried) == (2, {"new_flow": 1}, 1)
    done, retried = load(engine, due), load(engine, failing)
    assert (done.analysis_outcome, done.analyzed_at, done.claimed_by) == ("new_flow", NOW, None)
    assert (retried.analysis_status, retried.analysis_after) == ("pending", NOW + timedelta(seconds=60))
    assert load(engine, later).analysis_status == "pending"
    assert runner.drain(engine, providers, clock=lambda: NOW).claimed == 0


def count_plans(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count plan_session calls per session, wherever the flywheel calls it from."""
    from core.flywheel import engine as engine_module
    from core.flywheel import plan as plan_module
    from core.flywheel import prepare as prepare_module

    calls: Counter = Counter()
    original = plan_module.plan_session

    def counted(db, session, facts=None):
        calls[session.id] += 1
        return original(db, session, facts)

    for module in (runner, engine_module, prepare_module):
        monkeypatch.setattr(module, "plan_session", counted)
    return calls


def test_a_batch_plans_each_session_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        followed = OUTLOOK_NO_STEPS
        ids = queue_problems(db, account, [PROBLEMS[n % 3] for n in range(7)])
        ids.append(
            make_session(
                db, account, matched_flow_id=flow.id, match_score=0.95, steps=followed, analysis_status="pending"
            ).id
        )
    calls = count_plans(monkeypatch)
    stats = Runner(engine, offline(), worker_id="w1", batch=50, clock=Clock()).run_pass()
    assert dict(stats.outcomes) == {"new_flow": 3, "merged": 4, "auto_reinforced": 1}
    assert calls == Counter(dict.fromkeys(ids, 1))


def test_the_retry_policy_backs_off_doubling_to_an_hour_then_gives_up() -> None:
    assert [queue.retry_delay(n, 8) for n in range(1, 10)] == [60, 120, 240, 480, 960, 1920, 3600, None, None]
