-- name: health_backlog
-- description: Pending proposals of one account at :now: how many, the median and the largest age in hours.
-- params: account_id, now
WITH pending AS (
    SELECT minutes_between(p.created_at, :now) / 60.0 AS hours
    FROM flow_proposals AS p
    WHERE p.account_id = :account_id
      AND p.status = 'pending'
),

ranked AS (
    SELECT
        hours,
        ROW_NUMBER() OVER (ORDER BY hours) AS position,
        COUNT(*) OVER () AS total
    FROM pending
),

final AS (
    SELECT
        (SELECT COUNT(*) FROM pending) AS pending,
        (SELECT AVG(hours) FROM ranked WHERE position IN ((total + 1) / 2, (total + 2) / 2)) AS median_hours,
        (SELECT MAX(hours) FROM pending) AS oldest_hours
)

SELECT * FROM final
