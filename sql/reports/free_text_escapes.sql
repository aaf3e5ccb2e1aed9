-- title: Free-text escapes per flow node
-- description: Steps where the engineer typed an answer instead of choosing an offered option, per flow and node:
-- description: the places where a flow is missing a branch.
-- param: since date = today-30 | Sessions since
-- param: min_escapes int = 1 | At least this many escapes
-- chart: bar x=flow_node_id y=escapes colour=flow
SELECT
    COALESCE(t.name, '(no flow)') AS flow,
    COALESCE(st.flow_node_id, '(none)') AS flow_node_id,
    COUNT(*) AS escapes,
    COUNT(DISTINCT st.session_id) AS sessions,
    MAX(st.free_text_input) AS example_input
FROM ai_session_steps st
JOIN ai_sessions s ON s.id = st.session_id AND s.account_id = :account_id
LEFT JOIN trees t ON t.id = s.matched_flow_id AND t.account_id = :account_id
WHERE st.account_id = :account_id
  AND st.was_free_text = TRUE
  AND s.created_at >= :since
GROUP BY t.id, t.name, st.flow_node_id
HAVING COUNT(*) >= :min_escapes
ORDER BY escapes DESC, flow, flow_node_id
