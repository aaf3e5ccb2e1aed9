-- name: gaps_rollup_question_answers
-- description: Rolled-up answers per question of one account for the UTC days in [start_day, end_day): answers and free-text answers.
-- params: account_id, start_day, end_day
SELECT
    question_key,
    MIN(question) AS question,
    MIN(domain) AS domain,
    SUM(answers) AS answers,
    SUM(free_text_answers) AS free_text_answers
FROM analytics_daily_questions
WHERE account_id = :account_id
  AND day >= :start_day
  AND day < :end_day
GROUP BY question_key
ORDER BY question_key
