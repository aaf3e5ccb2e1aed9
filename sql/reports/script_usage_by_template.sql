-- title: Script usage by template
-- description: Scripts generated per template, and how often engineers reported that they worked.
-- param: since date = today-30 | Generated since
-- chart: bar x=template y=generations
SELECT
    COALESCE(tp.name, '(deleted template)') AS template,
    COUNT(*) AS generations,
    COUNT(DISTINCT g.user_id) AS engineers,
    SUM(CASE WHEN g.result = 'worked' THEN 1 ELSE 0 END) AS worked,
    SUM(CASE WHEN g.result = 'failed' THEN 1 ELSE 0 END) AS failed,
    ROUND(
        100.0 * SUM(CASE WHEN g.result = 'worked' THEN 1 ELSE 0 END)
        / NULLIF(SUM(CASE WHEN g.result IS NOT NULL THEN 1 ELSE 0 END), 0),
        1
    ) AS worked_pct
FROM script_generations g
LEFT JOIN script_templates tp
    ON tp.id = g.template_id AND (tp.account_id = :account_id OR tp.account_id IS NULL)
WHERE g.account_id = :account_id
  AND g.created_at >= :since
GROUP BY tp.id, tp.name
ORDER BY generations DESC, template
