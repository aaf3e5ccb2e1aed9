-- name: gaps_question_answers
-- description: Answered question steps of one account's sessions created in [start, end), per question (trimmed, lower-cased text): answers, free-text answers, sessions.
-- params: account_id, start, end
SELECT
    LOWER(TRIM(json_extract(st.content, '$.question'))) AS question_key,
    MIN(TRIM(json_extract(st.content, '$.question'))) AS question,
    MIN(COALESCE(s.problem_domain, 'unclassified')) AS domain,
    COUNT(*) AS answers,
    SUM(CASE WHEN st.was_free_text = 1 THEN 1 ELSE 0 END) AS free_text_answers,
    COUNT(DISTINCT st.session_id) AS sessions
FROM ai_sessions AS s
JOIN ai_session_steps AS st ON st.session_id = s.id
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
  AND st.step_type = 'question'
  AND (st.was_free_text = 1 OR st.selected_option IS NOT NULL)
  AND COALESCE(TRIM(json_extract(st.content, '$.question')), '') <> ''
GROUP BY LOWER(TRIM(json_extract(st.content, '$.question')))
ORDER BY question_key
