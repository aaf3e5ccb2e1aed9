-- title: Escalations by domain and week
-- description: Escalated sessions per problem domain and week (weeks start on Monday, UTC).
-- param: since date = today-90 | Sessions since
-- param: domain text = null | Problem domain (empty = all)
-- chart: bar x=week y=escalations colour=problem_domain
WITH escalated AS (
    SELECT
        utc_week(s.created_at) AS week,
        COALESCE(s.problem_domain, '(none)') AS problem_domain
    FROM ai_sessions s
    WHERE s.account_id = :account_id
      AND s.status = 'escalated'
      AND s.created_at >= :since
      AND (CAST(:domain AS TEXT) IS NULL OR s.problem_domain = CAST(:domain AS TEXT))
)
SELECT week, problem_domain, COUNT(*) AS escalations
FROM escalated
GROUP BY week, problem_domain
ORDER BY week, problem_domain
