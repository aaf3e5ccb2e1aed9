-- name: analytics_rollup_insert_resolutions
-- description: Roll one account's resolved sessions created in [from_ts, to_ts) up into analytics_daily_resolutions, per UTC day of created_at and of resolved_at.
-- params: account_id, from_ts, to_ts
INSERT INTO analytics_daily_resolutions (account_id, day, resolved_day, sessions, resolve_minutes_sum)
SELECT
    s.account_id,
    utc_day(s.created_at),
    utc_day(s.resolved_at),
    COUNT(*),
    SUM(minutes_between(s.created_at, s.resolved_at))
FROM ai_sessions AS s
WHERE s.account_id = :account_id
  AND s.created_at >= :from_ts
  AND s.created_at < :to_ts
  AND s.status = 'resolved'
  AND s.resolved_at IS NOT NULL
GROUP BY s.account_id, utc_day(s.created_at), utc_day(s.resolved_at)
