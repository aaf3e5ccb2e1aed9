-- name: health_link_reuse
-- description: Closed sessions of one account created in [start, end): how many followed a flow or produced one that was published (linked), resolved, resolved on a flow they matched (reused), and per confidence tier.
-- params: account_id, start, end
SELECT
    COUNT(*) AS closed,
    COALESCE(SUM(CASE WHEN s.matched_flow_id IS NOT NULL OR p.id IS NOT NULL THEN 1 ELSE 0 END), 0) AS linked,
    COALESCE(SUM(CASE WHEN s.status = 'resolved' THEN 1 ELSE 0 END), 0) AS resolved,
    COALESCE(SUM(CASE WHEN s.status = 'resolved' AND s.matched_flow_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS reused,
    COALESCE(SUM(CASE WHEN s.confidence_tier = 'guided' THEN 1 ELSE 0 END), 0) AS guided,
    COALESCE(SUM(CASE WHEN s.confidence_tier = 'exploring' THEN 1 ELSE 0 END), 0) AS exploring,
    COALESCE(SUM(CASE WHEN s.confidence_tier = 'discovery' THEN 1 ELSE 0 END), 0) AS discovery
FROM ai_sessions AS s
LEFT JOIN flow_proposals AS p
    ON p.id = s.analysis_proposal_id
    AND p.status IN ('approved', 'modified')
    AND p.account_id = s.account_id
WHERE s.account_id = :account_id
  AND s.status <> 'active'
  AND s.created_at >= :start
  AND s.created_at < :end
