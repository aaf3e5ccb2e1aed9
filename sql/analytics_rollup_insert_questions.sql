-- name: analytics_rollup_insert_questions
-- description: Roll the answered question steps of one account's sessions created in [from_ts, to_ts) up into analytics_daily_questions, per UTC day and question (trimmed, lower-cased).
-- params: account_id, from_ts, to_ts
INSERT INTO analytics_daily_questions (account_id, day, question_key, question, domain, answers, free_text_answers)
SELECT
    s.account_id,
    utc_day(s.created_at),
    LOWER(TRIM(st.content ->> 'question')),
    MIN(TRIM(st.content ->> 'question')),
    MIN(COALESCE(s.problem_domain, 'unclassified')),
    COUNT(*),
    SUM(CASE WHEN st.was_free_text THEN 1 ELSE 0 END)
FROM ai_sessions AS s
JOIN ai_session_steps AS st ON st.session_id = s.id
WHERE s.account_id = :account_id
  AND s.created_at >= :from_ts
  AND s.created_at < :to_ts
  AND st.step_type = 'question'
  AND (st.was_free_text OR st.selected_option IS NOT NULL)
  AND COALESCE(TRIM(st.content ->> 'question'), '') <> ''
GROUP BY s.account_id, utc_day(s.created_at), LOWER(TRIM(st.content ->> 'question'))
