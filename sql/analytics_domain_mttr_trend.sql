-- name: analytics_domain_mttr_trend
-- description: Resolved sessions of one account and one domain ('unclassified' is a NULL domain) created in [start, end), per UTC day of resolved_at: count and summed minutes to resolution. The daily rollups keep no domain for resolutions, so a domain's trend reads the raw rows of its window.
-- params: account_id, start, end, domain
SELECT
    utc_day(s.resolved_at) AS resolved_day,
    COUNT(*) AS sessions,
    SUM(minutes_between(s.created_at, s.resolved_at)) * 1.0 AS resolve_minutes_sum
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
  AND COALESCE(s.problem_domain, 'unclassified') = :domain
GROUP BY utc_day(s.resolved_at)
ORDER BY resolved_day
