-- name: gaps_question_answers
-- description: Answered question steps of one account's sessions created in [a_start, a_end) or [b_start, b_end), per UTC day of the session and question (trimmed, lower-cased text): answers and free-text answers. The gap report adds the days up; the daily rollup stores the rows of whole days as they are.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS (
    SELECT s.id, s.created_at, s.problem_domain
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
)
SELECT
    utc_day(s.created_at) AS day,
    LOWER(TRIM(st.content ->> 'question')) AS question_key,
    MIN(TRIM(st.content ->> 'question')) AS question,
    MIN(COALESCE(s.problem_domain, 'unclassified')) AS domain,
    COUNT(*) AS answers,
    SUM(CASE WHEN st.was_free_text THEN 1 ELSE 0 END) AS free_text_answers
FROM scoped AS s
JOIN ai_session_steps AS st ON st.session_id = s.id
WHERE st.step_type = 'question'
  AND (st.was_free_text OR st.selected_option IS NOT NULL)
  AND COALESCE(TRIM(st.content ->> 'question'), '') <> ''
GROUP BY utc_day(s.created_at), LOWER(TRIM(st.content ->> 'question'))
ORDER BY day, question_key
