-- name: health_flow_drift
-- description: Every published flow of one account with closed sessions that matched it: sessions and resolved sessions created in [recent_start, end) (recent) and in [earlier_start, recent_start) (earlier).
-- params: account_id, earlier_start, recent_start, end
SELECT
    t.id AS flow_id,
    SUM(CASE WHEN s.created_at >= :recent_start THEN 1 ELSE 0 END) AS recent_sessions,
    SUM(CASE WHEN s.created_at >= :recent_start AND s.status = 'resolved' THEN 1 ELSE 0 END) AS recent_resolved,
    SUM(CASE WHEN s.created_at < :recent_start THEN 1 ELSE 0 END) AS earlier_sessions,
    SUM(CASE WHEN s.created_at < :recent_start AND s.status = 'resolved' THEN 1 ELSE 0 END) AS earlier_resolved
FROM trees AS t
JOIN ai_sessions AS s ON s.matched_flow_id = t.id AND s.account_id = t.account_id
WHERE t.account_id = :account_id
  AND t.is_published
  AND s.status <> 'active'
  AND s.created_at >= :earlier_start
  AND s.created_at < :end
GROUP BY t.id
ORDER BY t.id
