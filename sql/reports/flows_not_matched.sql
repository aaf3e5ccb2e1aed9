-- title: Flows not matched recently
-- description: Published flows, older than the date, that no session has matched since then.
-- param: since date = today-90 | Not matched since
SELECT
    t.name AS flow,
    COALESCE(t.problem_domain, '(none)') AS problem_domain,
    t.version AS version,
    (
        SELECT COUNT(*)
        FROM ai_sessions s
        WHERE s.account_id = :account_id AND s.matched_flow_id = t.id
    ) AS sessions_ever,
    t.last_matched_at AS last_matched_at
FROM trees t
WHERE t.account_id = :account_id
  AND t.is_published = TRUE
  AND t.created_at < :since
  AND (t.last_matched_at IS NULL OR t.last_matched_at < :since)
  AND NOT EXISTS (
      SELECT 1
      FROM ai_sessions s
      WHERE s.account_id = :account_id AND s.matched_flow_id = t.id AND s.created_at >= :since
  )
ORDER BY t.name
