"""Knowledge health at scale: the analytics benchmark's 1,000,000 sessions in a fresh PostgreSQL database, one of
its flows made a 40-node tree whose sessions record their paths through it, then (cold = first call on a fresh
connection, warm = repeated) the Knowledge Health page's data for each period and the edge outcomes of that flow.

    python -m benchmarks.health [--sessions 1000000] [--server postgresql+psycopg://postgres@127.0.0.1:5432] [--keep]

Target: each <= 1 s cold. "Cold" is the first call on a new connection; PostgreSQL's shared buffers still hold what
the load left there.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from benchmarks import scratch
from benchmarks.analytics import generate
from core.db import make_engine, session_scope, upgrade
from core.insights.edges import OUTCOME_PERIODS, flow_outcomes
from core.insights.health import PERIODS, knowledge_health
from core.trees import ensure_valid

NODES = 40
DEPTH = 6  # heap numbering: node i's options lead to 2i and 2i+1, so a path is at most six nodes deep


def heap_tree(i: int = 1) -> dict[str, Any]:
    """Node ``n<i>`` of a 40-node tree in heap order: questions with two options, one action, solutions at leaves."""
    children = [c for c in (2 * i, 2 * i + 1) if c <= NODES]
    node: dict[str, Any] = {"id": f"n{i}"}
    if len(children) == 2:
        node.update(type="question", question=f"Question {i}?", children=[heap_tree(c) for c in children])
        node["children"][0]["label"], node["children"][1]["label"] = "Yes", "No"
    elif children:
        node.update(type="action", action=f"Action {i}", children=[heap_tree(children[0])])
        node["children"][0]["label"] = "Done"
    else:
        node.update(type="solution", solution=f"Fix {i}")
    return node


def plant_paths(engine: Engine, account_id: uuid.UUID) -> uuid.UUID:
    """Make the first flow the 40-node tree and give its sessions' steps the nodes of a path through it."""
    tree = heap_tree()
    ensure_valid(tree)
    with engine.begin() as conn:
        flow_id = conn.execute(
            text("SELECT id FROM trees WHERE account_id = :a ORDER BY name LIMIT 1"), {"a": account_id}
        ).scalar_one()
        conn.execute(
            text("UPDATE trees SET tree_structure = CAST(:t AS jsonb) WHERE id = :f"),
            {"t": json.dumps(tree), "f": flow_id},
        )
        # Step k stands on node 2^(k-1) + the top k-1 bits of a per-session hash: each next node is a child of the
        # one before, and the path ends where the heap has no node any more.
        conn.execute(
            text(
                """
                UPDATE ai_session_steps AS st
                SET flow_node_id = 'n' || ((1 << (st.step_number - 1))
                                   + ((abs(hashtext(s.id::text)) % 1073741824) >> (31 - st.step_number)))
                FROM ai_sessions AS s
                WHERE st.session_id = s.id AND s.matched_flow_id = :f AND st.step_number <= :depth
                  AND ((1 << (st.step_number - 1))
                       + ((abs(hashtext(s.id::text)) % 1073741824) >> (31 - st.step_number))) <= :nodes
                """
            ),
            {"f": flow_id, "depth": DEPTH, "nodes": NODES},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ai_session_steps"))
    return flow_id


def _timed(url: str, call: Any) -> tuple[float, float, Any]:
    engine = make_engine(url)  # a new pool: the first call is on a fresh connection
    timings, result = [], None
    for _ in range(2):
        started = time.perf_counter()
        with session_scope(engine) as db:
            result = call(db)
        timings.append(round(time.perf_counter() - started, 3))
    engine.dispose()
    return timings[0], timings[1], result


def measure(url: str, account_id: uuid.UUID, flow_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    results: dict[str, Any] = {"health": {}, "edges": {}}
    for period in PERIODS:
        cold, warm, h = _timed(url, lambda db, p=period: knowledge_health(db, account_id, p, now))
        results["health"][period] = {"cold_s": cold, "warm_s": warm, "closed_sessions": h.closed}
    with make_engine(url).connect() as conn:
        tree = conn.execute(text("SELECT tree_structure FROM trees WHERE id = :f"), {"f": flow_id}).scalar_one()
    for period in OUTCOME_PERIODS:
        cold, warm, o = _timed(
            url, lambda db, p=period: flow_outcomes(db, account_id, flow_id, tree, period_days=p, now=now)
        )
        taken = sum(1 for e in o.edges.values() if e.sessions)
        results["edges"][period] = {"cold_s": cold, "warm_s": warm, "sessions": o.sessions, "edges_taken": taken}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = scratch.argument_parser(__doc__)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with scratch.database(args, "flowpilot_bench") as (name, url):
        results: dict[str, Any] = {"database": name}
        now = datetime.now(UTC).replace(microsecond=0)
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        account_id = generate(engine, args.sessions, now)
        flow_id = plant_paths(engine, account_id)
        results["load_s"] = round(time.perf_counter() - started, 1)
        engine.dispose()
        results.update(measure(url, account_id, flow_id, now))
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
