-- name: review_proposal_domains
-- description: The problem domains of one account's proposals, one index probe per domain (the index on account_id, problem_domain leads there; a DISTINCT would read every proposal), and one row with missing = 1 when some proposal has no domain.
-- params: account_id
WITH RECURSIVE domains (domain) AS (
    SELECT MIN(p.problem_domain)
    FROM flow_proposals AS p
    WHERE p.account_id = :account_id
    UNION ALL
    SELECT (
        SELECT MIN(p.problem_domain)
        FROM flow_proposals AS p
        WHERE p.account_id = :account_id
          AND p.problem_domain > d.domain
    )
    FROM domains AS d
    WHERE d.domain IS NOT NULL
)
SELECT domain, 0 AS missing
FROM domains
WHERE domain IS NOT NULL
UNION ALL
SELECT NULL, 1
WHERE EXISTS (SELECT 1 FROM flow_proposals AS p WHERE p.account_id = :account_id AND p.problem_domain IS NULL)
