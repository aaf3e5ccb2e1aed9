-- name: health_decided_proposals
-- description: Proposals of one account (not re-reviews) decided by a reviewer in [start, end), per decision (approved = approved or modified; turned down = dismissed or rejected), all and those the model wrote, and the model calls spent on them.
-- params: account_id, start, end
SELECT
    CASE WHEN p.status IN ('approved', 'modified') THEN 'approved' ELSE 'turned_down' END AS decision,
    COUNT(*) AS proposals,
    SUM(CASE WHEN p.generator <> 'offline rules' AND p.generator NOT LIKE 'none%' THEN 1 ELSE 0 END) AS model_made,
    COALESCE(SUM(p.model_calls), 0) AS model_calls
FROM flow_proposals AS p
WHERE p.account_id = :account_id
  AND p.status IN ('approved', 'modified', 'dismissed', 'rejected')
  AND p.proposal_type <> 'review'
  AND p.reviewed_at >= :start
  AND p.reviewed_at < :end
GROUP BY 1
ORDER BY 1
