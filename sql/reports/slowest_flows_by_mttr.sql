-- title: Slowest flows by MTTR
-- description: Mean time to resolution (minutes from start to resolution) of the sessions that followed each
-- description: flow, slowest first.
-- param: since date = today-90 | Sessions since
-- param: min_sessions int = 1 | At least this many resolved sessions
-- chart: bar x=flow y=mttr_minutes
WITH resolved AS (
    SELECT s.matched_flow_id AS flow_id, minutes_between(s.created_at, s.resolved_at) AS minutes
    FROM ai_sessions s
    WHERE s.account_id = :account_id
      AND s.status = 'resolved'
      AND s.matched_flow_id IS NOT NULL
      AND s.resolved_at IS NOT NULL
      AND s.created_at >= :since
)
SELECT
    t.name AS flow,
    COALESCE(t.problem_domain, '(none)') AS problem_domain,
    COUNT(*) AS resolved_sessions,
    ROUND(CAST(AVG(r.minutes) AS NUMERIC), 1) AS mttr_minutes,
    ROUND(CAST(MAX(r.minutes) AS NUMERIC), 1) AS longest_minutes
FROM resolved r
JOIN trees t ON t.id = r.flow_id AND t.account_id = :account_id
GROUP BY t.id, t.name, t.problem_domain
HAVING COUNT(*) >= :min_sessions
ORDER BY mttr_minutes DESC, flow
