"""Review Queue at scale: the server time of the queue's first page with 200,000 proposals on PostgreSQL.

    python -m benchmarks.review_queue [--proposals 200000] [--server postgresql+psycopg://postgres@127.0.0.1:5432]
                                      [--keep]

"First page" is everything the page asks the database for before drawing: the stats strip, the domain filter,
the tab counts, 25 rows of the Pending tab and the detail of the first row. Measured for each sort, cold (first
call on a new connection) and warm (median of 5 repeats). Rows are generated inside PostgreSQL with
``generate_series``; the tree JSON is a realistic 10-node tree, so row width matches real proposals. The table is
analysed after the load (VACUUM ANALYZE, as autovacuum would after a bulk insert), so counts can be read from the
indexes alone. Goal: first page <= 0.15 s at 200,000 proposals.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid

from sqlalchemy import Engine, text

from benchmarks import scratch
from benchmarks._goals import figure
from core.db import make_engine, session_scope, upgrade
from core.review import proposals

GOAL_S = 0.15

TREE = {
    "id": "q1",
    "type": "question",
    "question": "Does the problem affect one user or many?",
    "children": [
        {
            "id": "q2",
            "label": "One user",
            "type": "question",
            "question": "Does it happen on every device of that user?",
            "children": [
                {"id": "s1", "label": "Yes", "type": "solution", "solution": "Reset the user's profile."},
                {
                    "id": "a1",
                    "label": "No",
                    "type": "action",
                    "action": "Reinstall the client on the affected device.",
                    "children": [{"id": "s2", "label": "Done", "type": "solution", "solution": "Verify."}],
                },
            ],
        },
        {"id": "s3", "label": "Many users", "type": "solution", "solution": "Check the service health page."},
    ],
}
DOMAINS = ["exchange", "m365", "vpn", "printers", "identity", "backup", "endpoint", "teams", "networking", "security"]


def _load(engine: Engine, count: int) -> uuid.UUID:
    account_id = uuid.uuid4()
    data = json.dumps({"title": "t", "tree_structure": TREE})
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO accounts (id, name, slug, created_at) VALUES (:id, 'Bench MSP', :slug, now())"),
            {"id": account_id, "slug": f"bench-{account_id.hex[:8]}"},
        )
        conn.execute(
            text(
                """
                INSERT INTO flow_proposals (
                    id, account_id, proposal_type, status, title, description, proposed_flow_data,
                    confidence_score, supporting_session_count, supporting_session_ids, problem_domain,
                    generator, created_at, updated_at)
                SELECT gen_random_uuid(), :account,
                       (ARRAY['new_flow','new_flow','enhancement','enhancement'])[1 + g % 4],
                       (ARRAY['pending','pending','pending','approved','modified','rejected','dismissed',
                              'auto_reinforced'])[1 + (g / 7) % 8],
                       'Proposal ' || g, 'Generated for the benchmark', CAST(:data AS jsonb),
                       (g % 100) / 100.0, 1 + g % 23, '[]'::jsonb,
                       (ARRAY[:domains])[1 + g % 10],
                       'offline rules', now() - make_interval(mins => g), now()
                FROM generate_series(1, :count) AS g
                """
            ),
            {"account": account_id, "data": data, "count": count, "domains": DOMAINS},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE flow_proposals"))
    return account_id


def first_page(engine: Engine, account_id: uuid.UUID, sort: str) -> float:
    """Seconds of database work for one render of the queue's first page."""
    started = time.perf_counter()
    with session_scope(engine) as db:
        proposals.queue_stats(db, account_id)
        proposals.proposal_domains(db, account_id)
        counts = proposals.tab_counts(db, account_id)
        page = proposals.list_proposals(
            db, account_id, tab="pending", sort=sort, page=1, page_size=25, total=counts["pending"]
        )
        proposals.get_detail(db, account_id, page.rows[0].id)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = scratch.argument_parser(__doc__)
    parser.add_argument("--proposals", type=int, default=200_000)
    args = parser.parse_args(argv)

    with scratch.database(args, "flowpilot_bench_review") as (_name, url):
        engine = make_engine(url)
        try:
            upgrade(engine)
            started = time.perf_counter()
            account_id = _load(engine, args.proposals)
            print(f"loaded {args.proposals} proposals in {time.perf_counter() - started:.1f} s")
            results = {}
            for sort in proposals.SORTS:
                engine.dispose()
                cold = first_page(engine, account_id, sort)
                warm = statistics.median(first_page(engine, account_id, sort) for _ in range(5))
                results[sort] = {"cold_s": round(cold, 4), "warm_s": round(warm, 4)}
            print(json.dumps({"proposals": args.proposals, "first_page": results}, indent=2))
            for sort, timings in results.items():
                for run in ("cold", "warm"):
                    label = f"review queue first page, {args.proposals:,} proposals, sort {sort}, {run}"
                    figure(label, timings[f"{run}_s"], "s", GOAL_S)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
