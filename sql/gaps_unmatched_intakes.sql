-- name: gaps_unmatched_intakes
-- description: Closed sessions of one account created in [start, end) that matched no flow, grouped by their problem summary (trimmed, lower-cased): how often each recurs, its domain and the newest session; the max_rows most frequent.
-- params: account_id, start, end, max_rows
WITH unmatched AS (
    SELECT
        LOWER(TRIM(s.problem_summary)) AS summary_key,
        TRIM(s.problem_summary) AS summary,
        COALESCE(s.problem_domain, 'unclassified') AS domain,
        CAST(s.id AS TEXT) AS session_id,
        ROW_NUMBER() OVER (
            PARTITION BY LOWER(TRIM(s.problem_summary)) ORDER BY s.created_at DESC, CAST(s.id AS TEXT)
        ) AS newest
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND s.created_at >= :start
      AND s.created_at < :end
      AND s.matched_flow_id IS NULL
      AND s.status IN ('resolved', 'escalated', 'abandoned')
      AND TRIM(COALESCE(s.problem_summary, '')) <> ''
)
SELECT
    summary_key,
    MIN(summary) AS summary,
    COUNT(*) AS sessions,
    MAX(CASE WHEN newest = 1 THEN domain END) AS domain,
    MAX(CASE WHEN newest = 1 THEN session_id END) AS example_session_id
FROM unmatched
GROUP BY summary_key
ORDER BY sessions DESC, summary_key
LIMIT :max_rows
