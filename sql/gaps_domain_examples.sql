-- name: gaps_domain_examples
-- description: The newest example sessions per domain of one account, created in [start, end): escalated ones and resolved discovery-mode ones, at most per_domain of each kind.
-- params: account_id, start, end, per_domain
WITH tagged AS (
    SELECT
        CASE WHEN s.status = 'escalated' THEN 'escalated' ELSE 'discovery_resolved' END AS kind,
        COALESCE(s.problem_domain, 'unclassified') AS domain,
        CAST(s.id AS TEXT) AS session_id,
        s.problem_summary AS summary,
        s.resolution_summary,
        s.created_at
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND s.created_at >= :start
      AND s.created_at < :end
      AND (s.status = 'escalated' OR (s.status = 'resolved' AND s.confidence_tier = 'discovery'))
),
ranked AS (
    SELECT tagged.*, ROW_NUMBER() OVER (PARTITION BY kind, domain ORDER BY created_at DESC, session_id) AS newest
    FROM tagged
)
SELECT kind, domain, session_id, summary, resolution_summary
FROM ranked
WHERE newest <= :per_domain
ORDER BY kind, domain, newest
