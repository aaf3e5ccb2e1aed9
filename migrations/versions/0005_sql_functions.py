"""sql functions: utc_day, utc_week and minutes_between on PostgreSQL

The SQL files under sql/ call these instead of dialect idioms (``AT TIME ZONE 'UTC'``, ``date_trunc``,
``EXTRACT(EPOCH ...)``), so one file serves both databases; SQLite registers the same functions on every connection
(core/sqlfunctions.py states their meaning). Each is a single-expression ``LANGUAGE sql`` function, IMMUTABLE and
not STRICT, so the planner inlines it: the rollups over a million sessions pay nothing for the call. Ad-hoc report
SQL runs as flowpilot_reader, which is granted EXECUTE explicitly (in case PUBLIC's default grant was revoked).
Nothing happens on SQLite.

Revision ID: 0005_sql_functions
Revises: 0004_flywheel_refresh_index
"""

from alembic import op

revision = "0005_sql_functions"
down_revision = "0004_flywheel_refresh_index"
branch_labels = None
depends_on = None

# Frozen here, not imported: a migration must keep creating what it created the day it was written.
FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION utc_day(ts timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (ts AT TIME ZONE 'UTC')::date $$
    """,
    """
    CREATE OR REPLACE FUNCTION utc_week(ts timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT date_trunc('week', ts AT TIME ZONE 'UTC')::date $$
    """,
    """
    CREATE OR REPLACE FUNCTION minutes_between(a timestamptz, b timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT EXTRACT(EPOCH FROM (b - a))::double precision / 60 $$
    """,
)
DROPS = (
    "DROP FUNCTION IF EXISTS utc_day(timestamptz)",
    "DROP FUNCTION IF EXISTS utc_week(timestamptz)",
    "DROP FUNCTION IF EXISTS minutes_between(timestamptz, timestamptz)",
)

GRANT_READER = """
DO $flowpilot$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowpilot_reader') THEN
    GRANT EXECUTE ON FUNCTION utc_day(timestamptz), utc_week(timestamptz),
      minutes_between(timestamptz, timestamptz) TO flowpilot_reader;
  END IF;
END
$flowpilot$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in FUNCTIONS:
        op.execute(statement)
    op.execute(GRANT_READER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DROPS:
        op.execute(statement)
