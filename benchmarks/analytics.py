"""Analytics at scale: 1,000,000 sessions (~8M steps) in a fresh PostgreSQL database, then the rollups (the one-off
full build and the hourly refresh of the last 3 days), the dashboard for each period side by side with hand-written
raw SQL of the same figures, and the gap report, with the peak process memory growth.

    python -m benchmarks.analytics [--sessions 1000000] [--server postgresql+psycopg://postgres@127.0.0.1:5432]
                                   [--keep] [--database EXISTING] [--no-rollups]

Rows are generated inside PostgreSQL (``generate_series``), not through the ORM, and the tables are analysed (VACUUM
ANALYZE) after the load, as autovacuum would after a bulk load. Goals: hourly refresh <= 0.5 s; dashboard <= 1.5x
the raw SQL per period (warm, median of 3, the two run alternately); dashboard <= 1 s cold; gap report <= 3 s;
memory growth <= 200 MB. "Cold" is the first call on a new connection: PostgreSQL's shared buffers still hold
whatever the load (and earlier periods) left there.

The raw SQL (``RAW_*``) is what someone would write by hand for the dashboard's figures over the raw tables, with no
rollups: the session figures per period, domain, tier and status in one pass; the PSA pushes of both periods; the
MTTR trend; the coverage counts. It runs on the same engine (same connection settings) as the dashboard.
``--no-rollups`` measures the dashboard's own queries over raw rows alone.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from benchmarks import scratch
from benchmarks._goals import figure
from core.db import make_engine, session_scope, upgrade
from core.insights import analytics, gaps
from core.insights.rollups import RECENT_DAYS, refresh_rollups
from core.models import AnalyticsRollupState
from demo import catalogue

REFRESH_GOAL_S = 0.5
RAW_RATIO_GOAL = 1.5
DASHBOARD_COLD_GOAL_S = 1.0
GAP_REPORT_GOAL_S = 3.0
MEMORY_GOAL_MB = 200.0

RAW_SESSIONS = """
SELECT CASE WHEN s.created_at >= :start THEN 'current' ELSE 'previous' END AS period,
       COALESCE(s.problem_domain, 'unclassified') AS domain, s.confidence_tier AS tier, s.status,
       COUNT(*) AS sessions,
       AVG(EXTRACT(EPOCH FROM s.resolved_at - s.created_at) / 60) FILTER (WHERE s.status = 'resolved') AS mttr,
       AVG(EXTRACT(EPOCH FROM s.ended_at - s.created_at) / 60) FILTER (WHERE s.status <> 'active') AS duration,
       AVG(s.rating) AS rating,
       COUNT(*) FILTER (WHERE s.psa_ticket_id <> '') AS ticket_linked,
       AVG((SELECT COUNT(*) FROM ai_session_steps AS st WHERE st.session_id = s.id))
           FILTER (WHERE s.status = 'resolved') AS steps
FROM ai_sessions AS s
WHERE s.account_id = :account_id AND s.created_at >= :previous_start AND s.created_at < :end
GROUP BY 1, 2, 3, 4
"""
RAW_PUSHES = """
SELECT CASE WHEN s.created_at >= :start THEN 'current' ELSE 'previous' END AS period,
       COUNT(*) AS pushes,
       COUNT(*) FILTER (WHERE p.first_attempt_ok AND p.status = 'succeeded') AS first_attempt_succeeded,
       COUNT(*) FILTER (WHERE NOT p.first_attempt_ok) AS failed_first,
       COUNT(*) FILTER (WHERE NOT p.first_attempt_ok AND p.status = 'succeeded') AS retry_succeeded,
       SUM(p.hours) FILTER (WHERE p.status = 'succeeded') AS hours_logged
FROM psa_pushes AS p
JOIN ai_sessions AS s ON s.id = p.session_id
WHERE s.account_id = :account_id AND s.created_at >= :previous_start AND s.created_at < :end AND p.attempts >= 1
GROUP BY 1
"""
RAW_MTTR_TREND = """
SELECT (s.resolved_at AT TIME ZONE 'UTC')::date AS day,
       AVG(EXTRACT(EPOCH FROM s.resolved_at - s.created_at) / 60) AS mttr
FROM ai_sessions AS s
WHERE s.account_id = :account_id AND s.created_at >= :start AND s.created_at < :end AND s.status = 'resolved'
GROUP BY 1
"""
RAW_COVERAGE = """
SELECT (SELECT COUNT(*) FROM psa_connections WHERE account_id = :account_id AND is_active) AS psa,
       (SELECT COUNT(*) FROM trees WHERE account_id = :account_id AND is_published) AS published,
       (SELECT COUNT(*) FROM trees WHERE account_id = :account_id AND is_published
            AND origin IN ('ai_generated', 'ai_enhanced')) AS ai_flows,
       (SELECT COUNT(*) FROM flow_proposals WHERE account_id = :account_id AND status = 'pending') AS pending,
       (SELECT COUNT(*) FROM flow_proposals WHERE account_id = :account_id AND status IN ('approved', 'modified')
            AND reviewed_at >= :start AND reviewed_at < :end) AS approved,
       (SELECT COUNT(*) FROM flow_proposals WHERE account_id = :account_id AND status = 'rejected'
            AND reviewed_at >= :start AND reviewed_at < :end) AS rejected
"""
RAW_FLOWS = """
SELECT COALESCE(problem_domain, 'unclassified') AS domain, COUNT(*) AS flows
FROM trees WHERE account_id = :account_id AND is_published GROUP BY 1
"""

# The demo workspace's nine domains, in catalogue order, and one it has no flow for.
DOMAINS = [*dict.fromkeys(flow.domain for flow in catalogue()), "identity"]
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
    """The one-off full build, then the hourly refresh the worker runs (the last 3 days), three times."""
    engine = make_engine(url)
    timings = {}
    started = time.perf_counter()
    with session_scope(engine) as db:
        refresh_rollups(db, account_id, now, full=True)
    timings["rollup_full_build_s"] = round(time.perf_counter() - started, 2)
    figure("rollup full build", timings["rollup_full_build_s"], "s")
    hourly = []
    for _ in range(3):
        started = time.perf_counter()
        with session_scope(engine) as db:
            refresh_rollups(db, account_id, now)
        hourly.append(time.perf_counter() - started)
    timings["rollup_hourly_refresh_s"] = round(statistics.median(hourly), 3)
    figure("rollup hourly refresh (3 days, median of 3)", timings["rollup_hourly_refresh_s"], "s", REFRESH_GOAL_S)
    # A worker that was down for most of a month catches up 30 days in one refresh: the cost follows the days.
    with session_scope(engine) as db:
        state = db.get(AnalyticsRollupState, account_id)
        state.rolled_through -= timedelta(days=30 - RECENT_DAYS)
    started = time.perf_counter()
    with session_scope(engine) as db:
        refresh_rollups(db, account_id, now)
    timings["rollup_refresh_30_days_s"] = round(time.perf_counter() - started, 3)
    figure("rollup refresh of 30 days", timings["rollup_refresh_30_days_s"], "s")
    engine.dispose()
    return timings


def raw_dashboard(engine: Engine, account_id: uuid.UUID, period: int, now: datetime) -> int:
    """The dashboard's figures by hand-written SQL over the raw tables; returns the period's session count."""
    previous_start, start, end = analytics.period_bounds(period, now)
    params = {"account_id": account_id, "previous_start": previous_start, "start": start, "end": end}
    with engine.connect() as conn:
        sessions = conn.execute(text(RAW_SESSIONS), params).all()
        conn.execute(text(RAW_PUSHES), params).all()
        conn.execute(text(RAW_MTTR_TREND), params).all()
        conn.execute(text(RAW_COVERAGE), params).all()
        conn.execute(text(RAW_FLOWS), params).all()
    return sum(row.sessions for row in sessions if row.period == "current")


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def measure(url: str, account_id: uuid.UUID, now: datetime) -> dict[str, object]:
    baseline = _rss_mb()
    results: dict[str, object] = {"periods": {}}

    def dashboard(engine: Engine, period: int) -> int:
        with session_scope(engine) as db:
            return analytics.dashboard(db, account_id, period, now)["kpis"]["total_sessions"]

    for period in analytics.PERIODS:
        engine, raw_engine = make_engine(url), make_engine(url)  # new pools: the first calls are on new connections
        cold, sessions = _timed(lambda: dashboard(engine, period))  # noqa: B023 - called at once
        raw_cold, raw_sessions = _timed(lambda: raw_dashboard(raw_engine, account_id, period, now))  # noqa: B023
        assert sessions == raw_sessions, (period, sessions, raw_sessions)
        warm, raw_warm = [], []
        for _ in range(3):  # alternately, so both meet the same load
            warm.append(_timed(lambda: dashboard(engine, period))[0])  # noqa: B023
            raw_warm.append(_timed(lambda: raw_dashboard(raw_engine, account_id, period, now))[0])  # noqa: B023
        engine.dispose()
        raw_engine.dispose()
        figures = {
            "cold_s": round(cold, 3),
            "warm_s": round(statistics.median(warm), 3),
            "raw_sql_cold_s": round(raw_cold, 3),
            "raw_sql_warm_s": round(statistics.median(raw_warm), 3),
            "sessions": sessions,
        }
        figures["ratio_to_raw_sql"] = round(figures["warm_s"] / figures["raw_sql_warm_s"], 2)
        results["periods"][period] = figures
        figure(f"dashboard {period} days, cold", figures["cold_s"], "s", DASHBOARD_COLD_GOAL_S)
        figure(
            f"dashboard {period} days / raw SQL (warm {figures['warm_s']:.3f} s / {figures['raw_sql_warm_s']:.3f} s)",
            figures["ratio_to_raw_sql"],
            "x",
            RAW_RATIO_GOAL,
        )
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as db:
        report = gaps.gap_report(db, account_id, now)
    results["gap_report_s"] = round(time.perf_counter() - started, 3)
    figure("gap report", results["gap_report_s"], "s", GAP_REPORT_GOAL_S)
    results["gaps"] = len(report)
    engine.dispose()
    results["peak_rss_growth_mb"] = round(_rss_mb() - baseline, 1)
    figure("peak memory growth", results["peak_rss_growth_mb"], "MB", MEMORY_GOAL_MB)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = scratch.argument_parser(__doc__)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--database", help="measure an existing benchmark database instead of generating one")
    parser.add_argument("--no-rollups", action="store_true", help="measure the raw queries without rollups")
    args = parser.parse_args(argv)
    existing = (args.database, f"{args.server}/{args.database}")
    database = nullcontext(existing) if args.database else scratch.database(args, "flowpilot_bench")
    with database as (name, url):
        results: dict[str, object] = {"database": name}
        if args.database:
            engine = make_engine(url)
            upgrade(engine)
            with engine.connect() as conn:
                account_id = conn.execute(text("SELECT id FROM accounts WHERE slug = 'bench'")).scalar_one()
                newest = conn.execute(text("SELECT MAX(created_at) FROM ai_sessions")).scalar_one()
            now = newest.replace(microsecond=0) + timedelta(seconds=1)
        else:
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
        print(f"analytics: {results['sessions']:,} sessions, {results['steps']:,} steps, PostgreSQL", flush=True)
        if not args.no_rollups:
            results.update(build_rollups(url, account_id, now))
        results.update(measure(url, account_id, now))
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
