"""Tenant isolation for ad-hoc SQL on PostgreSQL: row-level security under a dedicated non-owner role.

Mechanism:
* a ``NOLOGIN`` role ``flowpilot_reader`` holds ``SELECT`` on every table that has an ``account_id`` column
  (plus ``accounts``) and nothing else — no other table, no write;
* each such table has row-level security enabled and a ``flowpilot_tenant`` policy for that role:
  ``account_id = current_setting('flowpilot.account_id')::uuid`` (rows whose ``account_id`` is NULL — global
  script templates and categories — are visible to every account; ``accounts`` matches on ``id``);
* a second policy ``flowpilot_others`` keeps every other role unaffected (``current_user <> 'flowpilot_reader'``),
  so enabling RLS cannot hide rows from an application role that does not own the tables;
* ad-hoc SQL runs in a read-only transaction that sets ``flowpilot.account_id`` and then switches to the role,
  both transaction-local (:mod:`core.reports.execute`).

Limits: the setting is an ordinary custom GUC, so SQL that can call ``set_config`` (or run SQL text through a
function such as ``query_to_xml``) could change it; :mod:`core.reports.adhoc` refuses those functions by parsing before
anything runs. Tables created after :func:`ensure_tenant_security` last ran are not granted to the reader role
(a query on them fails with "permission denied" rather than leaking). The connecting role must be allowed to
``SET ROLE flowpilot_reader`` (superuser, or a member: this module grants membership when it can).

The DDL is one static PL/pgSQL block; table names come from the catalogue and are quoted by ``format('%I')``
inside the server, so no SQL is assembled in Python. SQLite has no roles or RLS: there the same tables are read
through temporary views over one account's rows on a read-only connection (:mod:`core.reports.sqlite_tenant`).

:func:`readable_tables` lists what an analyst may read, on both databases, for the ad-hoc editor and for the SQLite
views.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from core import sqlfiles

READER_ROLE = "flowpilot_reader"
SETTING_NAME = "flowpilot.account_id"
POLICY_NAME = "flowpilot_tenant"

_TENANT_TABLES = """
SELECT c.table_name AS table_name, c.column_name AS column_name, c.is_nullable = 'YES' AS nullable
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema()
  AND t.table_type = 'BASE TABLE'
  AND (c.column_name = 'account_id' OR (c.table_name = 'accounts' AND c.column_name = 'id'))
ORDER BY c.table_name
"""

_ENSURE = r"""
DO $flowpilot$
DECLARE
  t record;
  tenant_filter text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowpilot_reader') THEN
    BEGIN
      CREATE ROLE flowpilot_reader NOLOGIN NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;  -- created meanwhile by a migration of another database in the same cluster
    END;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
     AND NOT pg_has_role(current_user, 'flowpilot_reader', 'MEMBER') THEN
    EXECUTE format('GRANT flowpilot_reader TO %I', current_user);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO flowpilot_reader', current_schema());
  FOR t IN
    SELECT c.table_name, c.column_name, c.is_nullable = 'YES' AS nullable
    FROM information_schema.columns c
    JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
    WHERE c.table_schema = current_schema()
      AND tb.table_type = 'BASE TABLE'
      AND (c.column_name = 'account_id' OR (c.table_name = 'accounts' AND c.column_name = 'id'))
  LOOP
    tenant_filter := format('%I = NULLIF(current_setting(''flowpilot.account_id'', true), '''')::uuid',
                            t.column_name);
    IF t.nullable THEN
      tenant_filter := format('%I IS NULL OR ', t.column_name) || tenant_filter;
    END IF;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.table_name);
    EXECUTE format('DROP POLICY IF EXISTS flowpilot_tenant ON %I', t.table_name);
    EXECUTE format('CREATE POLICY flowpilot_tenant ON %I FOR SELECT TO flowpilot_reader USING (%s)',
                   t.table_name, tenant_filter);
    EXECUTE format('DROP POLICY IF EXISTS flowpilot_others ON %I', t.table_name);
    EXECUTE format('CREATE POLICY flowpilot_others ON %I USING (current_user <> ''flowpilot_reader'') '
                   'WITH CHECK (current_user <> ''flowpilot_reader'')', t.table_name);
    EXECUTE format('GRANT SELECT ON %I TO flowpilot_reader', t.table_name);
  END LOOP;
END
$flowpilot$
"""

_DROP = r"""
DO $flowpilot$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT DISTINCT tablename FROM pg_policies
    WHERE schemaname = current_schema() AND policyname IN ('flowpilot_tenant', 'flowpilot_others')
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS flowpilot_tenant ON %I', t.tablename);
    EXECUTE format('DROP POLICY IF EXISTS flowpilot_others ON %I', t.tablename);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t.tablename);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowpilot_reader') THEN
      EXECUTE format('REVOKE SELECT ON %I FROM flowpilot_reader', t.tablename);
    END IF;
  END LOOP;
END
$flowpilot$
"""

_PROTECTED = """
SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = :policy
"""


def ensure_tenant_security(conn: Connection) -> None:
    """Create the reader role, grants and policies (idempotent). No-op on SQLite. Needs DDL rights."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(_ENSURE))


def drop_tenant_security(conn: Connection) -> None:
    """Remove the policies and grants (the cluster-wide role stays: other databases may use it)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(_DROP))


def unprotected_tables(conn: Connection) -> list[str]:
    """Tenant tables that have no tenant policy yet (empty when everything is protected)."""
    if conn.dialect.name != "postgresql":
        return []
    role = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": READER_ROLE}).first()
    protected = {row.tablename for row in conn.execute(text(_PROTECTED), {"policy": POLICY_NAME})}
    missing = [table for table in tenant_tables(conn) if table not in protected]
    if role is None:
        return missing or ["(role flowpilot_reader missing)"]
    return missing


def tenant_tables(conn: Connection) -> list[str]:
    """Tables the reader role can see, each confined to one account."""
    if conn.dialect.name != "postgresql":
        return []
    return [row.table_name for row in conn.execute(text(_TENANT_TABLES))]


_ready: set[str] = set()


def ensure_ready(engine: Engine) -> None:
    """Once per process and database: make sure every tenant table is protected (tables added by later
    migrations get their policy here). Raises RuntimeError with the missing tables when that is impossible."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _ready or engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        missing = unprotected_tables(conn)
    if missing:
        try:
            with engine.begin() as conn:
                ensure_tenant_security(conn)
        except Exception as exc:  # noqa: BLE001 - the message below says what to do
            raise RuntimeError(
                f"Row-level security is not set up for {', '.join(missing)} and could not be created "
                f"({type(exc).__name__}). Run the migrations (alembic upgrade heads) as the table owner."
            ) from exc
    _ready.add(key)


@dataclass(frozen=True)
class ReadableColumn:
    name: str
    data_type: str


@dataclass(frozen=True)
class ReadableTable:
    """A table an analyst's ad-hoc SQL may read, confined to one account by ``tenant_column`` (``id`` for
    ``accounts``, else ``account_id``; a NULL there, when ``shared_when_null``, is a row every account sees)."""

    name: str
    columns: tuple[ReadableColumn, ...]
    tenant_column: str
    shared_when_null: bool


def readable_tables(conn: Connection) -> list[ReadableTable]:
    """The tables and columns ad-hoc SQL may read, by name: on PostgreSQL what the reader role is granted, on SQLite
    the same rule applied to the schema (every table with an ``account_id`` column, and ``accounts``)."""
    tables: dict[str, tuple[list[ReadableColumn], list[tuple[str, bool]]]] = {}
    for row in sqlfiles.run(conn, "reader_columns"):
        columns, tenant = tables.setdefault(row["table_name"], ([], []))
        columns.append(ReadableColumn(row["column_name"], row["data_type"] or ""))
        if row["is_tenant_column"]:
            tenant.append((row["column_name"], bool(row["nullable"])))
    return [
        ReadableTable(name, tuple(columns), tenant[0][0], tenant[0][1])
        for name, (columns, tenant) in sorted(tables.items())
        if tenant
    ]
