-- title: Engineers' resolution rates
-- description: Closed sessions per engineer and the share they resolved (escalated and abandoned count against).
-- param: since date = today-30 | Sessions since
-- param: min_sessions int = 1 | At least this many closed sessions
-- chart: bar x=engineer y=resolution_rate_pct
WITH closed AS (
    SELECT s.engineer_id, s.status
    FROM ai_sessions s
    WHERE s.account_id = :account_id
      AND s.status IN ('resolved', 'escalated', 'abandoned')
      AND s.created_at >= :since
),
per_engineer AS (
    SELECT
        COALESCE(u.name, '(unassigned)') AS engineer,
        COUNT(*) AS closed_sessions,
        SUM(CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END) AS resolved,
        SUM(CASE WHEN c.status = 'escalated' THEN 1 ELSE 0 END) AS escalated,
        SUM(CASE WHEN c.status = 'abandoned' THEN 1 ELSE 0 END) AS abandoned
    FROM closed c
    LEFT JOIN users u ON u.id = c.engineer_id AND u.account_id = :account_id
    GROUP BY u.id, u.name
)
SELECT
    engineer,
    closed_sessions,
    resolved,
    escalated,
    abandoned,
    ROUND(100.0 * resolved / closed_sessions, 1) AS resolution_rate_pct
FROM per_engineer
WHERE closed_sessions >= :min_sessions
ORDER BY resolution_rate_pct DESC, engineer
