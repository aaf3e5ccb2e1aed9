-- name: analytics_mttr_trend
-- description: Mean time to resolution per UTC day of resolved_at, over resolved sessions created in [start, end).
-- params: account_id, start, end
SELECT
    to_char((s.resolved_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
    COUNT(*) AS sessions,
    AVG(EXTRACT(EPOCH FROM (s.resolved_at - s.created_at)) / 60.0) AS mttr_minutes
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
GROUP BY 1
ORDER BY 1
