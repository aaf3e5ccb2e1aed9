-- name: analytics_mttr_trend
-- description: Mean time to resolution per UTC day of resolved_at, over resolved sessions created in [start, end).
-- params: account_id, start, end
SELECT
    substr(s.resolved_at, 1, 10) AS day,
    COUNT(*) AS sessions,
    AVG((julianday(s.resolved_at) - julianday(s.created_at)) * 1440.0) AS mttr_minutes
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
GROUP BY 1
ORDER BY 1
