-- name: analytics_flows_by_domain
-- description: Published flows of one account per problem domain (NULL domain as 'unclassified').
-- params: account_id
SELECT
    COALESCE(t.problem_domain, 'unclassified') AS domain,
    COUNT(*) AS flow_count
FROM trees AS t
WHERE t.account_id = :account_id
  AND t.is_published = TRUE
GROUP BY COALESCE(t.problem_domain, 'unclassified')
ORDER BY domain
