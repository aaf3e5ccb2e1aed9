"""Analytics at scale: 1,000,000 sessions (~8M steps) in a fresh PostgreSQL database, then the dashboard for each
period (cold = first call on a fresh connection, warm = the call repeated) and the gap report, with the peak
process memory growth.

    python -m benchmarks.analytics [--sessions 1000000] [--server postgresql+psycopg://postgres@127.0.0.1:5432]
                                   [--keep] [--database EXISTING] [--no-rollups]

Rows are generated inside PostgreSQL (``generate_series``), not through the ORM. Targets: dashboard <= 1 s cold
per period, gap report <= 3 s, memory growth <= 200 MB. Note that "cold" is the first call on a new connection:
PostgreSQL's shared buffers still hold whatever the load (and earlier periods) left there.

With rollups (the default) the daily aggregates are built first (timed: the one-off full build, then the hourly
incremental refresh the worker runs); ``--no-rollups`` measures the raw queries alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, create_engine, text

from core.db import make_engine, session_scope, upgrade
from core.insights import analytics, gaps
from core.insights.rollups import refresh_rollups

DOMAINS = [
    "active_directory",
    "m365",
    "exchange",
    "networking",
    "vpn",
    "printers",
    "endpoint",
    "backup",
    "security",
    "identity",
]
SUMMARIES = [
    "Outlook keeps prompting for a password",
    "Printer offline after Windows update",
    "VPN disconnects every few minutes",
    "User locked out of Active Directory account",
    "Teams camera not detected",
    "OneDrive sync stuck on processing changes",
    "Shared mailbox missing in Outlook",
    "Backup job failed with VSS error",
    "Laptop cannot join the Wi-Fi network",
    "MFA prompt never arrives on the phone",
    "Mapped drive disconnected at logon",
    "BitLocker recovery key requested at boot",
    "Slow login on the terminal server",
    "Excel crashes when opening large files",
    "Antivirus blocks the line-of-business app",
    "DNS resolution fails for internal sites",
]
QUESTIONS = [f"Diagnostic question {n} about the reported symptom?" for n in range(1, 41)]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(engine: Engine, sessions: int, now: datetime) -> uuid.UUID:
    """Fill the database; returns the id of the account that holds the sessions."""
    account_id, other_id = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        for acc, slug in ((account_id, "bench"), (other_id, "bench-other")):
            conn.execute(
                text("INSERT INTO accounts (id, name, slug, created_at) VALUES (:id, :slug, :slug, :now)"),
                {"id": acc, "slug": slug, "now": now},
            )
        conn.execute(
            text(
                "INSERT INTO psa_connections (id, account_id, provider, name, is_active, created_at) "
                "VALUES (gen_random_uuid(), :a, 'connectwise', 'CW', TRUE, :now)"
            ),
            {"a": account_id, "now": now},
        )
        conn.execute(
            text(
                """
                INSERT INTO trees (id, account_id, name, description, tree_type, tree_structure, problem_domain,
                    match_keywords, origin, version, times_matched, times_resolved, success_rate, is_published,
                    created_at, updated_at)
                SELECT gen_random_uuid(), :a, 'Flow ' || n, '', 'troubleshooting',
                    '{"id": "q1", "type": "question", "question": "Q?", "children": [
                      {"id": "s1", "label": "A", "type": "solution", "solution": "Fix A"},
                      {"id": "s2", "label": "B", "type": "solution", "solution": "Fix B"}]}'::jsonb,
                    (CAST(:domains AS text[]))[1 + n % 10], '[]'::jsonb,
                    CASE WHEN n % 4 = 0 THEN 'ai_generated' ELSE 'manual' END, 1, 0, 0, 0, TRUE, :now, :now
                FROM generate_series(1, 30) AS n
                """
            ),
            {"a": account_id, "now": now, "domains": DOMAINS},
        )
        conn.execute(
            text(
                """
                INSERT INTO flow_proposals (id, account_id, proposal_type, status, title, description,
                    proposed_flow_data, confidence_score, supporting_session_count, supporting_session_ids,
                    problem_domain, generator, created_at, updated_at, reviewed_at)
                SELECT gen_random_uuid(), :a, 'new_flow',
                    (ARRAY['pending', 'approved', 'modified', 'rejected', 'dismissed'])[1 + n % 5],
                    'Proposal ' || n, '', '{}'::jsonb, 0.5, 1, '[]'::jsonb, NULL, 'offline rules',
                    :now - n * interval '1 hour', :now - n * interval '1 hour',
                    CASE WHEN n % 5 = 0 THEN NULL ELSE :now - n * interval '30 minutes' END
                FROM generate_series(1, 500) AS n
                """
            ),
            {"a": account_id, "now": now},
        )
        # Spread over a year, newest first; statuses 62 % resolved, 18 % escalated, 15 % abandoned, 5 % active.
        conn.execute(
            text(
                """
                WITH t AS (SELECT array_agg(id ORDER BY name) AS ids FROM trees WHERE account_id = :a),
                g AS (
                    SELECT i, (i * 37) % 100 AS r, (i * 13) % 3 AS tier, (i * 7) % 11 AS dom,
                        :now - (i * 365.0 / :n) * interval '1 day' AS created,
                        ((i * 17) % 120 + 5) * interval '1 minute' AS took
                    FROM generate_series(1, :n) AS i
                )
                INSERT INTO ai_sessions (id, account_id, status, confidence_tier, problem_domain, problem_summary,
                    intake_content, conversation_messages, matched_flow_id, match_score, rating, psa_ticket_id,
                    created_at, resolved_at, ended_at, analysis_attempts)
                SELECT gen_random_uuid(), :a,
                    CASE WHEN r < 62 THEN 'resolved' WHEN r < 80 THEN 'escalated' WHEN r < 95 THEN 'abandoned'
                         ELSE 'active' END,
                    (ARRAY['guided', 'exploring', 'discovery'])[1 + tier],
                    CASE WHEN dom = 10 THEN NULL ELSE (CAST(:domains AS text[]))[1 + dom] END,
                    (CAST(:summaries AS text[]))[1 + i % 16] || CASE WHEN i % 7 = 0 THEN ' again' ELSE '' END,
                    '{}'::jsonb, '[]'::jsonb,
                    CASE WHEN tier = 2 THEN NULL ELSE t.ids[1 + i % 30] END,
                    CASE WHEN tier = 2 THEN NULL ELSE 0.9 END,
                    CASE WHEN i % 3 = 0 THEN 1 + i % 5 END,
                    CASE WHEN i % 2 = 0 THEN 'T' || i END,
                    created,
                    CASE WHEN r < 62 THEN created + took END,
                    CASE WHEN r < 95 THEN created + took END,
                    0
                FROM g CROSS JOIN t
                """
            ),
            {"a": account_id, "n": sessions, "now": now, "domains": DOMAINS, "summaries": SUMMARIES},
        )
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        # 4..12 steps per session (mean 8); one answer in ten is free text.
        conn.execute(
            text(
                """
                INSERT INTO ai_session_steps (id, session_id, account_id, step_number, step_type, content,
                    selected_option, was_free_text, free_text_input, created_at)
                SELECT gen_random_uuid(), s.id, s.account_id, k,
                    CASE WHEN k = steps AND s.status = 'resolved' THEN 'resolution' ELSE 'question' END,
                    jsonb_build_object('question', (CAST(:questions AS text[]))[1 + (h + k) % 40]),
                    CASE WHEN (h + k) % 10 = 0 THEN NULL ELSE 'Yes' END,
                    (h + k) % 10 = 0,
                    CASE WHEN (h + k) % 10 = 0 THEN 'typed answer ' || (h % 7) END,
                    s.created_at + k * interval '1 minute'
                FROM (
                    SELECT id, account_id, status, created_at, abs(hashtext(id::text)) AS h,
                        4 + abs(hashtext(id::text)) % 9 AS steps
                    FROM ai_sessions
                ) AS s
                CROSS JOIN LATERAL generate_series(1, s.steps) AS k
                """
            ),
            {"questions": QUESTIONS},
        )
        conn.execute(
            text(
                """
                INSERT INTO psa_pushes (id, account_id, session_id, ticket_id, hours, attempts, first_attempt_ok,
                    status, created_at, succeeded_at)
                SELECT gen_random_uuid(), s.account_id, s.id, s.psa_ticket_id, 0.25, 1 + (h % 4 = 0)::int * 2,
                    h % 4 <> 0, CASE WHEN h % 16 = 0 THEN 'failed' ELSE 'succeeded' END, s.ended_at, s.ended_at
                FROM (SELECT *, abs(hashtext(id::text)) AS h FROM ai_sessions
                      WHERE psa_ticket_id IS NOT NULL AND ended_at IS NOT NULL) AS s
                """
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return account_id


def build_rollups(url: str, account_id: uuid.UUID, now: datetime) -> dict[str, float]:
    engine = make_engine(url)
    timings = {}
    for label, full in (("rollup_full_build_s", True), ("rollup_hourly_refresh_s", False)):
        started = time.perf_counter()
        with session_scope(engine) as db:
            refresh_rollups(db, account_id, now, full=full)
        timings[label] = round(time.perf_counter() - started, 2)
    engine.dispose()
    return timings


def measure(url: str, account_id: uuid.UUID, now: datetime) -> dict[str, object]:
    baseline = _rss_mb()
    results: dict[str, object] = {"periods": {}}
    for period in analytics.PERIODS:
        engine = make_engine(url)  # a new pool: the first call is on a fresh connection
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            with session_scope(engine) as db:
                data = analytics.dashboard(db, account_id, period, now)
            timings.append(time.perf_counter() - started)
        engine.dispose()
        results["periods"][period] = {
            "cold_s": round(timings[0], 3),
            "warm_s": round(timings[1], 3),
            "sessions": data["kpis"]["total_sessions"],
        }
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as db:
        report = gaps.gap_report(db, account_id, now)
    results["gap_report_s"] = round(time.perf_counter() - started, 3)
    results["gaps"] = len(report)
    engine.dispose()
    results["peak_rss_growth_mb"] = round(_rss_mb() - baseline, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure an existing benchmark database instead of generating one")
    parser.add_argument("--no-rollups", action="store_true", help="measure the raw queries without rollups")
    args = parser.parse_args(argv)
    admin = create_engine(f"{args.server}/postgres", isolation_level="AUTOCOMMIT")
    name = args.database or f"flowpilot_bench_{uuid.uuid4().hex[:8]}"
    url = f"{args.server}/{name}"
    results: dict[str, object] = {"database": name}
    try:
        if args.database:
            engine = make_engine(url)
            upgrade(engine)
            with engine.connect() as conn:
                account_id = conn.execute(text("SELECT id FROM accounts WHERE slug = 'bench'")).scalar_one()
                newest = conn.execute(text("SELECT MAX(created_at) FROM ai_sessions")).scalar_one()
            now = newest.replace(microsecond=0) + timedelta(seconds=1)
        else:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            now = datetime.now(UTC).replace(microsecond=0)
            engine = make_engine(url)
            upgrade(engine)
            started = time.perf_counter()
            account_id = generate(engine, args.sessions, now)
            results["load_s"] = round(time.perf_counter() - started, 1)
        with engine.connect() as conn:
            results["sessions"] = conn.execute(text("SELECT COUNT(*) FROM ai_sessions")).scalar_one()
            results["steps"] = conn.execute(text("SELECT COUNT(*) FROM ai_session_steps")).scalar_one()
        engine.dispose()
        if not args.no_rollups:
            results.update(build_rollups(url, account_id, now))
        results.update(measure(url, account_id, now))
        print(json.dumps(results, indent=2))
    finally:
        if not args.keep and not args.database:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
