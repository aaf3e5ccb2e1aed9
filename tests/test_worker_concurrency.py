"""Real worker processes against PostgreSQL: four at once, and one killed with SIGKILL mid-batch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from core.config import PROJECT_ROOT
from core.db import session_scope
from core.models import AISession, AISessionStep, FlowProposal, Tree
from core.similarity.calibration import DUPLICATES
from tests.factories import NOW, make_account, make_tree

pytestmark = pytest.mark.slow


def _session_row(account_id, n, **kw):
    return {
        "id": uuid.uuid4(),
        "account_id": account_id,
        "status": "resolved",
        "confidence_tier": kw.pop("confidence_tier", "discovery"),
        "problem_summary": kw.pop("problem_summary", ""),
        "intake_content": {},
        "conversation_messages": [],
        "created_at": NOW - timedelta(days=1) + timedelta(seconds=n),
        "ended_at": NOW - timedelta(days=1) + timedelta(seconds=n, minutes=20),
        "analysis_status": "pending",
        "analysis_attempts": 0,
        **kw,
    }


def seed_workload(engine: Engine, groups: int, per_group: int, flow_sessions: int = 0) -> dict:
    """``groups`` distinct problems × ``per_group`` sessions, plus sessions that reinforce or extend one flow."""
    with session_scope(engine) as db:
        account = make_account(db)
        flow = make_tree(db, account)
        rows, steps = [], []
        n = 0
        for group in range(groups):
            for _ in range(per_group):
                rows.append(
                    _session_row(
                        account.id,
                        n,
                        problem_domain=f"domain-{group:02d}",
                        problem_summary=DUPLICATES[group % len(DUPLICATES)][0],
                    )
                )
                n += 1
        for k in range(flow_sessions):
            row = _session_row(
                account.id,
                n,
                confidence_tier="guided",
                problem_domain="exchange",
                matched_flow_id=flow.id,
                match_score=0.9,
            )
            rows.append(row)
            n += 1
            path = (
                [("q1", "Yes", False), ("q2", "Yes", False), ("a1", "Done", False)]
                if k % 2 == 0
                else [("q1", "Yes", False), ("q2", "Only on VPN", True)]
            )
            for number, (node, option, free) in enumerate(path, start=1):
                steps.append(
                    {
                        "id": uuid.uuid4(),
                        "session_id": row["id"],
                        "account_id": account.id,
                        "step_number": number,
                        "step_type": "question",
                        "content": {},
                        "flow_node_id": node,
                        "selected_option": None if free else option,
                        "was_free_text": free,
                        "free_text_input": option if free else None,
                    }
                )
            if k % 2 == 0:
                steps.append(
                    {
                        "id": uuid.uuid4(),
                        "session_id": row["id"],
                        "account_id": account.id,
                        "step_number": 4,
                        "step_type": "resolution",
                        "content": {},
                        "flow_node_id": "s1",
                        "was_free_text": False,
                    }
                )
        db.execute(insert(AISession), rows)
        if steps:
            db.execute(insert(AISessionStep), steps)
        return {"account_id": account.id, "flow_id": flow.id, "total": len(rows)}


def start_worker(engine: Engine, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), FLOWPILOT_LOG_LEVEL="INFO")
    env.pop("FLOWPILOT_ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_API_KEY", None)
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "--database-url", url, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_each_session_counted_once(engine: Engine, workload: dict, groups: int, per_group: int) -> None:
    with session_scope(engine) as db:
        statuses = Counter(db.scalars(select(AISession.analysis_status)).all())
        assert statuses == Counter({"completed": workload["total"]})
        proposals = db.scalars(select(FlowProposal).where(FlowProposal.proposal_type == "new_flow")).all()
        assert len(proposals) == groups  # zero duplicate proposals
        assert sorted(p.supporting_session_count for p in proposals) == [per_group] * groups
        supporters = [sid for p in proposals for sid in p.supporting_session_ids]
        assert len(supporters) == len(set(supporters)) == groups * per_group
        linked = db.scalars(select(AISession.analysis_proposal_id).where(AISession.problem_domain != "exchange")).all()
        assert Counter(linked) == Counter({p.id: per_group for p in proposals})


def test_four_workers_analyze_every_session_exactly_once(pg_engine: Engine) -> None:
    groups, per_group, flow_sessions = 36, 50, 200
    workload = seed_workload(pg_engine, groups, per_group, flow_sessions)
    assert workload["total"] == 2000
    started = time.monotonic()
    workers = [start_worker(pg_engine, "--once", "--batch", "20") for _ in range(4)]
    logs = [w.communicate(timeout=180)[1] for w in workers]
    elapsed = time.monotonic() - started
    assert [w.returncode for w in workers] == [0, 0, 0, 0], logs
    check_each_session_counted_once(pg_engine, workload, groups, per_group)
    with session_scope(pg_engine) as db:
        assert db.scalar(select(func.max(AISession.analysis_attempts))) == 1  # nobody processed a session twice
        flow = db.get(Tree, workload["flow_id"])
        assert (flow.times_matched, flow.times_resolved) == (flow_sessions, flow_sessions)
        kinds = Counter(db.execute(select(FlowProposal.proposal_type, FlowProposal.status)).all())
        assert kinds[("enhancement", "auto_reinforced")] == flow_sessions // 2
        [enhancement] = db.scalars(
            select(FlowProposal).where(FlowProposal.status == "pending", FlowProposal.proposal_type == "enhancement")
        ).all()
        assert enhancement.supporting_session_count == flow_sessions // 2
    busy = sum(1 for log in logs if re.search(r"claimed [1-9]\d* sessions", log))
    assert busy >= 2, "the work was not shared between processes"
    print(f"4 workers, 2000 sessions: {elapsed:.1f} s")


def test_sigkilled_worker_loses_nothing_after_the_lease(pg_engine: Engine) -> None:
    groups, per_group = 6, 50
    workload = seed_workload(pg_engine, groups, per_group)
    victim = start_worker(pg_engine, "--once", "--batch", "300")
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline:
        with session_scope(pg_engine) as db:
            done = db.scalar(select(func.count()).where(AISession.analysis_status == "completed"))
        if done >= 20 or victim.poll() is not None:
            break
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    with session_scope(pg_engine) as db:
        running = db.scalar(select(func.count()).where(AISession.analysis_status == "running"))
    assert 0 < running < workload["total"], "the worker was not killed mid-batch"
    time.sleep(2.2)
    rescuer = start_worker(pg_engine, "--once", "--batch", "50", "--lease", "2")
    assert rescuer.wait(timeout=120) == 0, rescuer.stderr.read()
    check_each_session_counted_once(pg_engine, workload, groups, per_group)
    with session_scope(pg_engine) as db:
        attempts = Counter(db.scalars(select(AISession.analysis_attempts)).all())
    assert attempts[2] == running and attempts[1] == workload["total"] - running
