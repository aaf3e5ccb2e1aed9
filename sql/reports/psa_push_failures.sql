-- title: PSA push failures
-- description: Time entries pushed to the PSA that needed retries or failed for good, newest first.
-- param: since date = today-30 | Pushed since
-- param: only_failed bool = false | Only pushes that finally failed
SELECT
    p.ticket_id,
    p.status,
    p.attempts,
    p.hours,
    COALESCE(p.last_error, '') AS last_error,
    s.problem_summary AS session,
    p.created_at AS pushed_at
FROM psa_pushes p
JOIN ai_sessions s ON s.id = p.session_id AND s.account_id = :account_id
WHERE p.account_id = :account_id
  AND p.created_at >= :since
  AND (p.status = 'failed' OR (p.first_attempt_ok = FALSE AND NOT :only_failed))
ORDER BY p.created_at DESC, p.ticket_id
