-- name: health_weak_option_answers
-- description: Free-text answers to one question (trimmed, lower-cased text :question_key) in sessions of one account created in [start, end) that matched a flow, with the flow node they stood on and how the session ended.
-- params: account_id, question_key, start, end
SELECT
    CAST(s.matched_flow_id AS TEXT) AS flow_id,
    st.flow_node_id AS node_id,
    TRIM(st.free_text_input) AS answer,
    LOWER(TRIM(st.free_text_input)) AS answer_key,
    CAST(s.id AS TEXT) AS session_id,
    s.status,
    s.resolution_summary
FROM ai_sessions AS s
JOIN ai_session_steps AS st ON st.session_id = s.id
WHERE s.account_id = :account_id
  AND s.created_at >= :start
  AND s.created_at < :end
  AND s.matched_flow_id IS NOT NULL
  AND st.step_type = 'question'
  AND st.was_free_text
  AND st.flow_node_id IS NOT NULL
  AND LOWER(TRIM(st.content ->> 'question')) = :question_key
  AND COALESCE(TRIM(st.free_text_input), '') <> ''
ORDER BY s.created_at, s.id
