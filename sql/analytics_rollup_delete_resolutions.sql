-- name: analytics_rollup_delete_resolutions
-- description: Drop one account's rows of analytics_daily_resolutions for the days in [from_day, to_day), before they are rolled up again.
-- params: account_id, from_day, to_day
DELETE FROM analytics_daily_resolutions
WHERE account_id = :account_id
  AND day >= :from_day
  AND day < :to_day
