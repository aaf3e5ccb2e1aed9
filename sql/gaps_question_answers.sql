-- name: gaps_question_answers
-- description: Answered question steps of one account's sessions created in [a_start, a_end) or [b_start, b_end), per UTC day of the session and question (trimmed, lower-cased text): answers and free-text answers. The gap report adds the days up; the daily rollup stores the rows of whole days as they are.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS (
    SELECT s.id, s.created_at, s.problem_domain
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
),
-- Counted first per question text as stored, a cheap key: a few dozen texts a day, where trimming and lower-casing
-- each of tens of thousands of answers (and sorting them by that key) cost most of the query.
by_text AS (
    SELECT
        utc_day(s.created_at) AS day,
        st.content ->> 'question' AS question_text,
        MIN(COALESCE(s.problem_domain, 'unclassified')) AS domain,
        COUNT(*) AS answers,
        SUM(CASE WHEN st.was_free_text THEN 1 ELSE 0 END) AS free_text_answers
    FROM scoped AS s
    JOIN ai_session_steps AS st ON st.session_id = s.id
    WHERE st.step_type = 'question'
      AND (st.was_free_text OR st.selected_option IS NOT NULL)
    GROUP BY utc_day(s.created_at), st.content ->> 'question'
)
SELECT
    day,
    LOWER(TRIM(question_text)) AS question_key,
    MIN(TRIM(question_text)) AS question,
    MIN(domain) AS domain,
    CAST(SUM(answers) AS INTEGER) AS answers,
    CAST(SUM(free_text_answers) AS INTEGER) AS free_text_answers
FROM by_text
WHERE COALESCE(TRIM(question_text), '') <> ''
GROUP BY day, LOWER(TRIM(question_text))
ORDER BY day, question_key
