-- name: analytics_rollup_insert_sessions
-- description: Roll one account's sessions created in [from_ts, to_ts) up into analytics_daily_sessions (UTC day of created_at, domain, tier, status), with their step counts and PSA pushes. The caller deletes those days first.
-- params: account_id, from_ts, to_ts
WITH scoped AS (
    SELECT s.*
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND s.created_at >= :from_ts
      AND s.created_at < :to_ts
),
pushes AS (
    SELECT
        p.session_id,
        COUNT(*) AS pushes,
        SUM(CASE WHEN p.first_attempt_ok = TRUE AND p.status = 'succeeded' THEN 1 ELSE 0 END) AS first_ok,
        SUM(CASE WHEN p.first_attempt_ok = FALSE THEN 1 ELSE 0 END) AS failed_first,
        SUM(CASE WHEN p.first_attempt_ok = FALSE AND p.status = 'succeeded' THEN 1 ELSE 0 END) AS retry_ok,
        SUM(CASE WHEN p.status = 'succeeded' THEN 1 ELSE 0 END) AS time_entries,
        COALESCE(SUM(CASE WHEN p.status = 'succeeded' THEN p.hours END), 0) AS hours
    FROM psa_pushes AS p
    JOIN scoped AS s ON s.id = p.session_id
    WHERE p.account_id = :account_id
      AND p.attempts >= 1
    GROUP BY p.session_id
),
rows AS (
    SELECT
        s.account_id,
        utc_day(s.created_at) AS day,
        COALESCE(s.problem_domain, 'unclassified') AS domain,
        s.confidence_tier AS tier,
        s.status,
        s.rating,
        CASE WHEN s.psa_ticket_id IS NOT NULL AND s.psa_ticket_id <> '' THEN 1 ELSE 0 END AS ticket_linked,
        CASE WHEN s.status = 'resolved' AND s.resolved_at IS NOT NULL
            THEN minutes_between(s.created_at, s.resolved_at) END AS resolve_minutes,
        CASE WHEN s.status IN ('resolved', 'escalated', 'abandoned') AND s.ended_at IS NOT NULL
            THEN minutes_between(s.created_at, s.ended_at) END AS duration_minutes,
        CASE WHEN s.status = 'resolved'
            THEN (SELECT COUNT(*) FROM ai_session_steps AS st WHERE st.session_id = s.id) END AS step_count,
        COALESCE(p.pushes, 0) AS pushes,
        COALESCE(p.first_ok, 0) AS first_ok,
        COALESCE(p.failed_first, 0) AS failed_first,
        COALESCE(p.retry_ok, 0) AS retry_ok,
        COALESCE(p.time_entries, 0) AS time_entries,
        COALESCE(p.hours, 0) AS hours
    FROM scoped AS s
    LEFT JOIN pushes AS p ON p.session_id = s.id
)
INSERT INTO analytics_daily_sessions (
    account_id, day, domain, tier, status, sessions, resolve_count, resolve_minutes_sum, duration_count,
    duration_minutes_sum, rating_count, rating_sum, ticket_linked, step_sessions, step_sum, pushes,
    first_attempt_succeeded, failed_first, retry_succeeded, time_entries, hours_logged
)
SELECT
    account_id, day, domain, tier, status,
    COUNT(*),
    COUNT(resolve_minutes),
    COALESCE(SUM(resolve_minutes), 0),
    COUNT(duration_minutes),
    COALESCE(SUM(duration_minutes), 0),
    COUNT(rating),
    COALESCE(SUM(rating), 0),
    SUM(ticket_linked),
    COUNT(step_count),
    COALESCE(SUM(step_count), 0),
    SUM(pushes),
    SUM(first_ok),
    SUM(failed_first),
    SUM(retry_ok),
    SUM(time_entries),
    SUM(hours)
FROM rows
GROUP BY account_id, day, domain, tier, status
