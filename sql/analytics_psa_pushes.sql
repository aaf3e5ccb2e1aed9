-- name: analytics_psa_pushes
-- description: PSA time-entry pushes of sessions created in [a_start, a_end) or [b_start, b_end). One row per push, so a push that took several attempts counts once; pushes never attempted are left out.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS (
    SELECT
        p.status,
        p.first_attempt_ok,
        p.hours
    FROM psa_pushes AS p
    JOIN ai_sessions AS s ON s.id = p.session_id
    WHERE p.account_id = :account_id
      AND s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
      AND p.attempts >= 1
)
SELECT
    COUNT(*) AS pushes,
    SUM(CASE WHEN first_attempt_ok = TRUE AND status = 'succeeded' THEN 1 ELSE 0 END) AS first_attempt_succeeded,
    SUM(CASE WHEN first_attempt_ok = FALSE THEN 1 ELSE 0 END) AS failed_first,
    SUM(CASE WHEN first_attempt_ok = FALSE AND status = 'succeeded' THEN 1 ELSE 0 END) AS retry_succeeded,
    SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END) AS time_entries,
    COALESCE(SUM(CASE WHEN status = 'succeeded' THEN hours END), 0) * 1.0 AS hours_logged
FROM scoped
