-- name: analytics_session_cube
-- description: Sessions of one account created in [a_start, a_end) or [b_start, b_end), summed per UTC day of created_at, domain, tier and status, with their step counts and PSA pushes. Every dashboard KPI is a ratio of these sums; the daily rollup stores the rows of whole days as they are.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS NOT MATERIALIZED (
    SELECT s.*
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
),
-- One psa_pushes row is one push however many attempts it took; a push never attempted is left out.
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
per_session AS (
    SELECT
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
        CASE WHEN s.status = 'resolved' THEN 1 ELSE 0 END AS step_session,
        -- Referenced once below, so the count runs once per resolved session (an index probe by session).
        CASE WHEN s.status = 'resolved'
            THEN (SELECT COUNT(*) FROM ai_session_steps AS st WHERE st.session_id = s.id) ELSE 0 END AS step_count,
        COALESCE(p.pushes, 0) AS pushes,
        COALESCE(p.first_ok, 0) AS first_ok,
        COALESCE(p.failed_first, 0) AS failed_first,
        COALESCE(p.retry_ok, 0) AS retry_ok,
        COALESCE(p.time_entries, 0) AS time_entries,
        COALESCE(p.hours, 0) AS hours
    FROM scoped AS s
    LEFT JOIN pushes AS p ON p.session_id = s.id
)
SELECT
    day,
    domain,
    tier,
    status,
    COUNT(*) AS sessions,
    COUNT(resolve_minutes) AS resolve_count,
    COALESCE(SUM(resolve_minutes), 0) * 1.0 AS resolve_minutes_sum,
    COUNT(duration_minutes) AS duration_count,
    COALESCE(SUM(duration_minutes), 0) * 1.0 AS duration_minutes_sum,
    COUNT(rating) AS rating_count,
    COALESCE(SUM(rating), 0) AS rating_sum,
    SUM(ticket_linked) AS ticket_linked,
    SUM(step_session) AS step_sessions,
    SUM(step_count) AS step_sum,
    SUM(pushes) AS pushes,
    SUM(first_ok) AS first_attempt_succeeded,
    SUM(failed_first) AS failed_first,
    SUM(retry_ok) AS retry_succeeded,
    SUM(time_entries) AS time_entries,
    SUM(hours) * 1.0 AS hours_logged
FROM per_session
GROUP BY day, domain, tier, status
ORDER BY day, domain, tier, status
