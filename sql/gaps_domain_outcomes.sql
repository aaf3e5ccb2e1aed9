-- name: gaps_domain_outcomes
-- description: Per problem domain (NULL as 'unclassified') of one account's sessions created in [start, end): closed, escalated, and resolved discovery-mode sessions.
-- params: account_id, start, end
SELECT
    COALESCE(s.problem_domain, 'unclassified') AS domain,
    SUM(CASE WHEN s.status IN ('resolved', 'escalated', 'abandoned') THEN 1 ELSE 0 END) AS closed,
    SUM(CASE WHEN s.status = 'escalated' THEN 1 ELSE 0 END) AS escalated,
    SUM(CASE WHEN s.status = 'resolved' AND s.confidence_tier = 'discovery' THEN 1 ELSE 0 END) AS discovery_resolved
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
GROUP BY COALESCE(s.problem_domain, 'unclassified')
ORDER BY domain
