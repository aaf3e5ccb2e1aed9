-- name: reader_columns
-- description: Columns of the tables the reader role flowpilot_reader may SELECT, with the column confining each to one account.
-- What row-level security then shows of each is one account's rows (core/reports/tenant_views.py).
-- A catalogue query, so one text per database.
-- params: none
WITH granted AS (
  SELECT t.table_name
  FROM information_schema.tables AS t
  WHERE t.table_schema = current_schema()
    AND t.table_type = 'BASE TABLE'
    AND has_table_privilege('flowpilot_reader', format('%I.%I', t.table_schema, t.table_name), 'SELECT')
),
final AS (
  SELECT c.table_name,
         c.column_name,
         c.data_type,
         c.column_name = CASE WHEN c.table_name = 'accounts' THEN 'id' ELSE 'account_id' END AS is_tenant_column,
         c.is_nullable = 'YES' AS nullable,
         c.ordinal_position AS position
  FROM information_schema.columns AS c
  JOIN granted AS g ON g.table_name = c.table_name
  WHERE c.table_schema = current_schema()
)
SELECT CAST(table_name AS text) AS table_name, CAST(column_name AS text) AS column_name,
       CAST(data_type AS text) AS data_type, is_tenant_column, nullable
FROM final
ORDER BY table_name, position
