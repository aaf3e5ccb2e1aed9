-- name: analytics_resolved_window
-- description: Resolved sessions of one account created in [start, end), in one domain or all when domain is null ('unclassified' is a NULL domain). Rows of kind 'day', for a domain only: count and summed minutes to resolution per UTC day of resolved_at (the daily rollups keep no domain for resolutions). Rows of kind 'rank': only the ranks the median and the 90th percentile interpolate between, with their 0-based position, how many there are and the minutes.
-- params: account_id, start, end, domain
WITH resolved AS (
    SELECT
        utc_day(s.resolved_at) AS resolved_day,
        minutes_between(s.created_at, s.resolved_at) * 1.0 AS minutes
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND s.created_at >= :start
      AND s.created_at < :end
      AND s.status = 'resolved'
      AND s.resolved_at IS NOT NULL
      AND (CAST(:domain AS TEXT) IS NULL OR COALESCE(s.problem_domain, 'unclassified') = CAST(:domain AS TEXT))
),
ranked AS (
    SELECT
        minutes,
        ROW_NUMBER() OVER (ORDER BY minutes) - 1 AS position,
        COUNT(*) OVER () AS total
    FROM resolved
),
days AS (
    SELECT 'day' AS kind, resolved_day, COUNT(*) AS total, SUM(minutes) AS minutes, -1 AS position
    FROM resolved
    -- Without a domain the trend comes from the rollups: a constant false condition skips this grouping.
    WHERE CAST(:domain AS TEXT) IS NOT NULL
    GROUP BY resolved_day
),
-- Integer division floors on both databases: the ranks below and above (n - 1) * 0.5 and (n - 1) * 0.9.
ranks AS (
    SELECT 'rank' AS kind, CAST(NULL AS DATE) AS resolved_day, total, minutes, position
    FROM ranked
    WHERE position IN (
        (total - 1) * 5 / 10, ((total - 1) * 5 + 9) / 10,
        (total - 1) * 9 / 10, ((total - 1) * 9 + 9) / 10
    )
),
final AS (
    SELECT * FROM days
    UNION ALL
    SELECT * FROM ranks
)
SELECT * FROM final ORDER BY kind, resolved_day, position
