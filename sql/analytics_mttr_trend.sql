-- name: analytics_mttr_trend
-- description: Resolved sessions of one account created in [a_start, a_end) or [b_start, b_end), per UTC day of created_at and of resolved_at: count and summed minutes to resolution. The trend adds them up per day of resolution; the daily rollup stores the rows of whole days as they are.
-- params: account_id, a_start, a_end, b_start, b_end
SELECT
    utc_day(s.created_at) AS day,
    utc_day(s.resolved_at) AS resolved_day,
    COUNT(*) AS sessions,
    SUM(minutes_between(s.created_at, s.resolved_at)) AS resolve_minutes_sum
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
GROUP BY utc_day(s.created_at), utc_day(s.resolved_at)
ORDER BY day, resolved_day
