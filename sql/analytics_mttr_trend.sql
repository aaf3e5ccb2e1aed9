-- name: analytics_mttr_trend
-- description: Resolved sessions of one account created in [a_start, a_end) or [b_start, b_end), per UTC day of resolved_at: count and summed minutes to resolution.
-- params: account_id, a_start, a_end, b_start, b_end
SELECT
    utc_day(s.resolved_at) AS day,
    COUNT(*) AS sessions,
    SUM(minutes_between(s.created_at, s.resolved_at)) AS resolve_minutes_sum
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
GROUP BY 1
ORDER BY 1
