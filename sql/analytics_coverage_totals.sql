-- name: analytics_coverage_totals
-- description: Knowledge coverage of one account: published flows, AI-made flows, pending proposals (now), and proposals approved (incl. modified) or rejected with reviewed_at in [start, end).
-- params: account_id, start, end
SELECT
    (SELECT COUNT(*) FROM trees t
      WHERE t.account_id = :account_id AND t.is_published = TRUE) AS published_flows,
    (SELECT COUNT(*) FROM trees t
      WHERE t.account_id = :account_id AND t.is_published = TRUE
        AND t.origin IN ('ai_generated', 'ai_enhanced')) AS ai_flows,
    (SELECT COUNT(*) FROM flow_proposals p
      WHERE p.account_id = :account_id AND p.status = 'pending') AS pending_proposals,
    (SELECT COUNT(*) FROM flow_proposals p
      WHERE p.account_id = :account_id AND p.status IN ('approved', 'modified')
        AND p.reviewed_at >= :start AND p.reviewed_at < :end) AS approved_proposals,
    (SELECT COUNT(*) FROM flow_proposals p
      WHERE p.account_id = :account_id AND p.status = 'rejected'
        AND p.reviewed_at >= :start AND p.reviewed_at < :end) AS rejected_proposals
