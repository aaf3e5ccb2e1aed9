-- name: analytics_resolve_percentiles
-- description: Minutes to resolution of one account's sessions created in [start, end) and resolved (in one domain, or all when domain is null; 'unclassified' is a NULL domain), only the ranks the median and the 90th percentile interpolate between: 0-based position, how many there are, minutes.
-- params: account_id, start, end, domain
WITH resolved AS (
    SELECT minutes_between(s.created_at, s.resolved_at) AS minutes
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
-- Integer division floors on both databases: the ranks below and above (n - 1) * 0.5 and (n - 1) * 0.9.
final AS (
    SELECT position, total, minutes * 1.0 AS minutes
    FROM ranked
    WHERE position IN (
        (total - 1) * 5 / 10, ((total - 1) * 5 + 9) / 10,
        (total - 1) * 9 / 10, ((total - 1) * 9 + 9) / 10
    )
)
SELECT * FROM final ORDER BY position
