"""external ids and the unknown confidence tier for imported sessions

* ``ai_sessions.external_id`` (up to 200 characters, unique per account): the id the source system gave a session.
  The primary key stays an internal UUID.
* ``ai_sessions.ingest_digest``: a fingerprint of the imported line, so the same external id arriving with other
  content is reported as a conflict instead of being counted as a duplicate.
* ``confidence_tier`` also admits ``unknown``, for sources that record no tier.

SQLite cannot alter a CHECK constraint in place, and rebuilding ``ai_sessions`` (``batch_alter_table``) would drop
and recreate a table that steps, pushes and proposals reference with ON DELETE actions: with foreign keys on, the
drop deletes their rows. Widening an IN list changes no stored row, so on SQLite the table's stored definition is
edited instead (``PRAGMA writable_schema``, with the schema version raised so every connection re-reads it) — the
procedure SQLite documents for changes that leave the file format alone. PostgreSQL alters the constraint directly.
The downgrade refuses to run while a session has the ``unknown`` tier.

Revision ID: 0007_external_ids
Revises: 0006_drop_branch_addition
"""

import sqlalchemy as sa
from alembic import op

from migrations.helpers import refuse_while_rows

revision = "0007_external_ids"
down_revision = "0006_drop_branch_addition"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_ai_sessions_confidence_tier"
OLD_RULE = "confidence_tier IN ('guided', 'exploring', 'discovery')"
NEW_RULE = "confidence_tier IN ('guided', 'exploring', 'discovery', 'unknown')"


class UnknownTierRowsRemain(RuntimeError):
    """Sessions with the unknown tier exist; the older constraint cannot hold them."""


def _replace_rule(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(CONSTRAINT), "ai_sessions", type_="check")
        op.create_check_constraint(op.f(CONSTRAINT), "ai_sessions", new)
        return
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ai_sessions'"
    ).scalar_one()
    if table_sql.count(old) != 1:
        raise RuntimeError(f"ai_sessions on SQLite does not hold the expected rule {old!r} exactly once")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'ai_sessions'"),
        {"sql": table_sql.replace(old, new)},
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.add_column("ai_sessions", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.add_column("ai_sessions", sa.Column("ingest_digest", sa.String(length=32), nullable=True))
    # Led by external_id: an index led by account_id would compete with the (account_id, created_at) ones.
    op.create_index(
        op.f("ix_ai_sessions_external_id_account_id"), "ai_sessions", ["external_id", "account_id"], unique=True
    )
    _replace_rule(OLD_RULE, NEW_RULE)


def downgrade() -> None:
    refuse_while_rows(
        "SELECT count(*) FROM ai_sessions WHERE confidence_tier = 'unknown'",
        UnknownTierRowsRemain,
        "session(s) have confidence_tier 'unknown', which the older schema does not allow. "
        "Set their tier (e.g. UPDATE ai_sessions SET confidence_tier = 'discovery' WHERE confidence_tier = "
        "'unknown') or delete them, then run the downgrade again.",
    )
    _replace_rule(NEW_RULE, OLD_RULE)
    op.drop_index(op.f("ix_ai_sessions_external_id_account_id"), table_name="ai_sessions")
    op.drop_column("ai_sessions", "ingest_digest")
    op.drop_column("ai_sessions", "external_id")
