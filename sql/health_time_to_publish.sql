-- name: health_time_to_publish
-- description: Proposals of one account (not re-reviews) published (approved or modified) in [start, end): how many, and the median hours from their first session (the source session, else the proposal itself) to the decision.
-- params: account_id, start, end
WITH published AS (
    SELECT minutes_between(COALESCE(s.created_at, p.created_at), p.reviewed_at) / 60.0 AS hours
    FROM flow_proposals AS p
    LEFT JOIN ai_sessions AS s ON s.id = p.source_session_id
    WHERE p.account_id = :account_id
      AND p.status IN ('approved', 'modified')
      AND p.proposal_type <> 'review'
      AND p.reviewed_at >= :start
      AND p.reviewed_at < :end
),

ranked AS (
    SELECT
        hours,
        ROW_NUMBER() OVER (ORDER BY hours) AS position,
        COUNT(*) OVER () AS total
    FROM published
),

final AS (
    SELECT
        (SELECT COUNT(*) FROM published) AS published,
        -- The middle row, or the mean of the two middle rows (integer division picks them on both databases).
        (SELECT AVG(hours) FROM ranked WHERE position IN ((total + 1) / 2, (total + 2) / 2)) AS median_hours
)

SELECT * FROM final
