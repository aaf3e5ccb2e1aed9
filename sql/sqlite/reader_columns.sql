-- name: reader_columns
-- description: Columns of the tables an analyst's ad-hoc SQL may read on SQLite, with the column confining each to one account.
-- The tables with an account_id column, and accounts (its own row, by id): the set the PostgreSQL reader role
-- is granted. A NULL in a nullable account_id is a row every account shares. A catalogue query, so one text
-- per database.
-- params: none
WITH tenant AS (
  SELECT m.name AS table_name,
         CASE WHEN m.name = 'accounts' THEN 'id' ELSE 'account_id' END AS tenant_column
  FROM sqlite_master AS m
  WHERE m.type = 'table'
    AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
    AND (m.name = 'accounts'
         OR EXISTS (SELECT 1 FROM pragma_table_info(m.name) AS k WHERE k.name = 'account_id'))
),
final AS (
  SELECT t.table_name,
         c.name AS column_name,
         lower(c.type) AS data_type,
         c.name = t.tenant_column AS is_tenant_column,
         c."notnull" = 0 AND c.pk = 0 AS nullable,
         c.cid AS position
  FROM tenant AS t, pragma_table_info(t.table_name) AS c
)
SELECT table_name, column_name, data_type, is_tenant_column, nullable
FROM final
ORDER BY table_name, position
