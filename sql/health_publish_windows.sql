-- name: health_publish_windows
-- description: Closed sessions around one publish of a flow, created in [before_start, published_at) ('before') or [published_at, after_end) ('after'): sessions, resolved, escalated and the median minutes to resolution. The sessions are those that matched the flow; for a new flow (new_flow = 1) the 'before' side is the sessions of its domain that matched no flow.
-- params: account_id, flow_id, domain, new_flow, before_start, published_at, after_end
WITH windowed AS (
    SELECT
        CASE WHEN s.created_at < :published_at THEN 'before' ELSE 'after' END AS side,
        s.status,
        minutes_between(s.created_at, s.resolved_at) AS minutes
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND s.status <> 'active'
      AND s.created_at >= :before_start
      AND s.created_at < :after_end
      AND (
          s.matched_flow_id = :flow_id
          OR (
              :new_flow = 1
              AND s.created_at < :published_at
              AND s.matched_flow_id IS NULL
              AND s.problem_domain = CAST(:domain AS TEXT)
          )
      )
),

ranked AS (
    SELECT
        side,
        minutes,
        ROW_NUMBER() OVER (PARTITION BY side ORDER BY minutes) AS position,
        COUNT(*) OVER (PARTITION BY side) AS resolved_count
    FROM windowed
    WHERE status = 'resolved' AND minutes IS NOT NULL
),

medians AS (
    -- The middle row, or the mean of the two middle rows: integer division picks them on both databases.
    SELECT side, AVG(minutes) AS mttr_median
    FROM ranked
    WHERE position IN ((resolved_count + 1) / 2, (resolved_count + 2) / 2)
    GROUP BY side
),

counts AS (
    SELECT
        side,
        COUNT(*) AS sessions,
        SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END) AS resolved,
        SUM(CASE WHEN status = 'escalated' THEN 1 ELSE 0 END) AS escalated
    FROM windowed
    GROUP BY side
),

final AS (
    SELECT c.side, c.sessions, c.resolved, c.escalated, m.mttr_median
    FROM counts AS c
    LEFT JOIN medians AS m ON m.side = c.side
)

SELECT * FROM final
ORDER BY side
