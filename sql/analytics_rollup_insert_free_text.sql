-- name: analytics_rollup_insert_free_text
-- description: Roll the free-text answers of one account's sessions created in [from_ts, to_ts) up into analytics_daily_free_text, per UTC day, question and answer (trimmed, lower-cased), keeping the day's newest session as the example.
-- params: account_id, from_ts, to_ts
WITH answers AS (
    SELECT
        s.account_id,
        utc_day(s.created_at) AS day,
        LOWER(TRIM(st.content ->> 'question')) AS question_key,
        LOWER(TRIM(COALESCE(st.free_text_input, ''))) AS answer_key,
        TRIM(COALESCE(st.free_text_input, '')) AS answer,
        CAST(s.id AS TEXT) AS session_id,
        s.created_at
    FROM ai_sessions AS s
    JOIN ai_session_steps AS st ON st.session_id = s.id
    WHERE s.account_id = :account_id
      AND s.created_at >= :from_ts
      AND s.created_at < :to_ts
      AND st.step_type = 'question'
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
INSERT INTO analytics_daily_free_text (
    account_id, day, question_key, answer_key, answer, answers, example_session_id, example_created_at
)
SELECT
    account_id, day, question_key, answer_key, MIN(answer), COUNT(*),
    MAX(CASE WHEN newest = 1 THEN session_id END),
    MAX(CASE WHEN newest = 1 THEN created_at END)
FROM ranked
GROUP BY account_id, day, question_key, answer_key
