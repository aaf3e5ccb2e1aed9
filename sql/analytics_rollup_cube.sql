-- name: analytics_rollup_cube
-- description: The rolled-up sessions and PSA pushes of one account for the UTC days in [start_day, end_day), summed per domain, tier and status.
-- params: account_id, start_day, end_day
SELECT
    domain,
    tier,
    status,
    SUM(sessions) AS sessions,
    SUM(resolve_count) AS resolve_count,
    SUM(resolve_minutes_sum) AS resolve_minutes_sum,
    SUM(duration_count) AS duration_count,
    SUM(duration_minutes_sum) AS duration_minutes_sum,
    SUM(rating_count) AS rating_count,
    SUM(rating_sum) AS rating_sum,
    SUM(ticket_linked) AS ticket_linked,
    SUM(step_sessions) AS step_sessions,
    SUM(step_sum) AS step_sum,
    SUM(pushes) AS pushes,
    SUM(first_attempt_succeeded) AS first_attempt_succeeded,
    SUM(failed_first) AS failed_first,
    SUM(retry_succeeded) AS retry_succeeded,
    SUM(time_entries) AS time_entries,
    SUM(hours_logged) AS hours_logged
FROM analytics_daily_sessions
WHERE account_id = :account_id
  AND day >= :start_day
  AND day < :end_day
GROUP BY domain, tier, status
ORDER BY domain, tier, status
