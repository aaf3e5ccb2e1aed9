-- name: analytics_rollup_mttr_trend
-- description: Rolled-up resolutions of one account's sessions created on the UTC days in [start_day, end_day), per UTC day of resolution: count and summed minutes to resolution.
-- params: account_id, start_day, end_day
SELECT
    resolved_day,
    SUM(sessions) AS sessions,
    SUM(resolve_minutes_sum) AS resolve_minutes_sum
FROM analytics_daily_resolutions
WHERE account_id = :account_id
  AND day >= :start_day
  AND day < :end_day
GROUP BY resolved_day
ORDER BY resolved_day
