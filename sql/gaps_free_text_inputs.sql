-- name: gaps_free_text_inputs
-- description: Free-text answers to question steps of one account's sessions created in [a_start, a_end) or [b_start, b_end), counted per UTC day of the session, question and answer (both trimmed and lower-cased), with the day's newest session as an example. The gap report adds the days up; the daily rollup stores the rows of whole days as they are.
-- params: account_id, a_start, a_end, b_start, b_end
WITH scoped AS (
    SELECT s.id, s.created_at
    FROM ai_sessions AS s
    WHERE s.account_id = :account_id
      AND ((s.created_at >= :a_start AND s.created_at < :a_end) OR (s.created_at >= :b_start AND s.created_at < :b_end))
),
answers AS (
    SELECT
        utc_day(s.created_at) AS day,
        LOWER(TRIM(st.content ->> 'question')) AS question_key,
        LOWER(TRIM(COALESCE(st.free_text_input, ''))) AS answer_key,
        TRIM(COALESCE(st.free_text_input, '')) AS answer,
        CAST(s.id AS TEXT) AS session_id,
        s.created_at
    FROM scoped AS s
    JOIN ai_session_steps AS st ON st.session_id = s.id
    WHERE st.step_type = 'question'
      AND st.was_free_text
      AND COALESCE(TRIM(st.content ->> 'question'), '') <> ''
),
ranked AS (
    SELECT
        answers.*,
        ROW_NUMBER() OVER (
            PARTITION BY day, question_key, answer_key ORDER BY created_at DESC, session_id
        ) AS newest
    FROM answers
)
SELECT
    day,
    question_key,
    answer_key,
    MIN(answer) AS answer,
    COUNT(*) AS answers,
    MAX(CASE WHEN newest = 1 THEN session_id END) AS example_session_id,
    MAX(CASE WHEN newest = 1 THEN created_at END) AS example_created_at
FROM ranked
GROUP BY day, question_key, answer_key
ORDER BY day, question_key, answers DESC, answer_key
