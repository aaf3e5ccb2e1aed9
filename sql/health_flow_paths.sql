-- name: health_flow_paths
-- description: The recorded paths through one flow of closed sessions created in [start, end) that matched it. kind 'edge': per pair of consecutive flow nodes on a path (node_id then next_node_id), distinct sessions and how many resolved. kind 'node': per node, distinct sessions that stood on it, answered it in free text, or ended their path there escalated or abandoned.
-- params: account_id, flow_id, start, end
WITH path AS (
    SELECT
        st.session_id,
        s.status,
        st.flow_node_id AS node_id,
        st.was_free_text,
        LEAD(st.flow_node_id) OVER (PARTITION BY st.session_id ORDER BY st.step_number) AS next_node_id
    FROM ai_sessions AS s
    JOIN ai_session_steps AS st ON st.session_id = s.id
    WHERE s.account_id = :account_id
      AND s.matched_flow_id = :flow_id
      AND s.created_at >= :start
      AND s.created_at < :end
      AND s.status <> 'active'
      AND st.flow_node_id IS NOT NULL
),

edges AS (
    SELECT
        'edge' AS kind,
        node_id,
        next_node_id,
        COUNT(DISTINCT session_id) AS sessions,
        COUNT(DISTINCT CASE WHEN status = 'resolved' THEN session_id END) AS resolved,
        0 AS free_text,
        0 AS escalated,
        0 AS abandoned
    FROM path
    WHERE next_node_id IS NOT NULL
    GROUP BY node_id, next_node_id
),

nodes AS (
    SELECT
        'node' AS kind,
        node_id,
        NULL AS next_node_id,
        COUNT(DISTINCT session_id) AS sessions,
        COUNT(DISTINCT CASE WHEN status = 'resolved' THEN session_id END) AS resolved,
        COUNT(DISTINCT CASE WHEN was_free_text THEN session_id END) AS free_text,
        COUNT(DISTINCT CASE WHEN next_node_id IS NULL AND status = 'escalated' THEN session_id END) AS escalated,
        COUNT(DISTINCT CASE WHEN next_node_id IS NULL AND status = 'abandoned' THEN session_id END) AS abandoned
    FROM path
    GROUP BY node_id
),

final AS (
    SELECT * FROM edges
    UNION ALL
    SELECT * FROM nodes
)

SELECT * FROM final
ORDER BY kind, node_id, next_node_id
