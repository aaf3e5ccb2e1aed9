-- name: analytics_psa_connected
-- description: How many active PSA connections one account has (none means no PSA metrics).
-- params: account_id
SELECT COUNT(*) AS connections
FROM psa_connections AS c
WHERE c.account_id = :account_id
  AND c.is_active = TRUE
