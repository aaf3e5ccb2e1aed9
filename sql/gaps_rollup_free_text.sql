-- name: gaps_rollup_free_text
-- description: Rolled-up free-text answers of one account for the UTC days in [start_day, end_day), per question and answer, with the newest example session.
-- params: account_id, start_day, end_day
WITH ranked AS (
    SELECT
        f.*,
        ROW_NUMBER() OVER (
            PARTITION BY question_key, answer_key ORDER BY example_created_at DESC, example_session_id
        ) AS newest
    FROM analytics_daily_free_text AS f
    WHERE f.account_id = :account_id
      AND f.day >= :start_day
      AND f.day < :end_day
)
SELECT
    question_key,
    answer_key,
    MIN(answer) AS answer,
    SUM(answers) AS answers,
    MAX(CASE WHEN newest = 1 THEN example_session_id END) AS example_session_id,
    MAX(CASE WHEN newest = 1 THEN example_created_at END) AS example_created_at
FROM ranked
GROUP BY question_key, answer_key
ORDER BY question_key, answers DESC, answer_key
