-- name: gaps_session_detail
-- description: One session of one account, for the drill-down behind a gap (no row when it belongs to another account).
-- params: account_id, session_id
SELECT
    CAST(s.id AS TEXT) AS session_id,
    s.status,
    s.confidence_tier,
    COALESCE(s.problem_domain, 'unclassified') AS domain,
    s.problem_summary AS summary,
    s.created_at,
    s.rating
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.id = :session_id
