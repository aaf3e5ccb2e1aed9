-- name: health_flow_reuse
-- description: Every published flow of one account: resolved sessions created in [start, end) that matched it (its reuse), sessions that matched it since :since, and when it was created.
-- params: account_id, start, end, since
SELECT
    t.id AS flow_id,
    t.name,
    COALESCE(t.problem_domain, 'unclassified') AS domain,
    t.created_at,
    t.last_matched_at,
    COALESCE(SUM(CASE WHEN s.status = 'resolved' AND s.created_at >= :start AND s.created_at < :end THEN 1 ELSE 0 END), 0)
        AS reused,
    COALESCE(SUM(CASE WHEN s.created_at >= :since THEN 1 ELSE 0 END), 0) AS matched_recently
FROM trees AS t
LEFT JOIN ai_sessions AS s
    ON s.matched_flow_id = t.id
    AND s.account_id = t.account_id
    AND (s.created_at >= :since OR (s.created_at >= :start AND s.created_at < :end))
WHERE t.account_id = :account_id
  AND t.is_published
GROUP BY t.id, t.name, t.problem_domain, t.created_at, t.last_matched_at
ORDER BY reused DESC, t.name
