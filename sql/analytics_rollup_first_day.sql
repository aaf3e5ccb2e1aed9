-- name: analytics_rollup_first_day
-- description: When one account's oldest session was created (where a full rollup rebuild starts).
-- params: account_id
SELECT MIN(s.created_at) AS first_created_at
FROM ai_sessions AS s
WHERE s.account_id = :account_id
