-- name: health_llm_spend
-- description: Model calls and tokens of one account's daily budget ledger from the UTC day of :start through the UTC day of :end (the ledger keeps days, not moments).
-- params: account_id, start, end
SELECT
    COALESCE(SUM(u.calls), 0) AS calls,
    COALESCE(SUM(u.input_tokens), 0) AS input_tokens,
    COALESCE(SUM(u.output_tokens), 0) AS output_tokens
FROM llm_usage AS u
WHERE u.account_id = :account_id
  AND u.day >= utc_day(:start)
  AND u.day <= utc_day(:end)
