-- title: Proposal review turnaround
-- description: How long flow proposals waited for a reviewer, by proposal type (auto-reinforcements excluded).
-- param: since date = today-90 | Reviewed since
-- chart: bar x=proposal_type y=avg_hours
WITH reviewed AS (
    SELECT p.proposal_type, p.status, minutes_between(p.created_at, p.reviewed_at) / 60.0 AS hours
    FROM flow_proposals p
    WHERE p.account_id = :account_id
      AND p.reviewed_at IS NOT NULL
      AND p.status <> 'auto_reinforced'
      AND p.reviewed_at >= :since
)
SELECT
    proposal_type,
    COUNT(*) AS reviewed,
    SUM(CASE WHEN status IN ('approved', 'modified') THEN 1 ELSE 0 END) AS published,
    SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected,
    SUM(CASE WHEN status = 'dismissed' THEN 1 ELSE 0 END) AS dismissed,
    ROUND(CAST(AVG(hours) AS NUMERIC), 1) AS avg_hours,
    ROUND(CAST(MAX(hours) AS NUMERIC), 1) AS max_hours
FROM reviewed
GROUP BY proposal_type
ORDER BY proposal_type
