-- name: analytics_session_cube
-- description: Sessions of one account created in [a_start, a_end) or [b_start, b_end), summed per domain, tier and status; every dashboard KPI is a ratio of these sums.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS (
    SELECT
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
            THEN (SELECT COUNT(*) FROM ai_session_steps st WHERE st.session_id = s.id) END AS step_count
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
)
SELECT
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
    COUNT(step_count) AS step_sessions,
    COALESCE(SUM(step_count), 0) AS step_sum
FROM scoped
GROUP BY domain, tier, status
ORDER BY domain, tier, status
