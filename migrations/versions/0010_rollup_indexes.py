"""rollup indexes: the planner's view of steps per session, and the Review Queue's counts from indexes

Two kinds of change, both about reading in proportion to the work:

* ``ai_session_steps.session_id`` (PostgreSQL): ANALYZE samples 30,000 rows, sees few repeats of a session among
  them and takes a session to have ~40 steps where it has a handful, so a join from one window's sessions to their
  steps looked five times dearer than it is and the planner scanned every step instead (the hourly rollup refresh
  read 8M steps for 3 days' sessions). ``n_distinct = -0.125`` says what the data is: about eight steps a session.
  The table is analysed again so the figure is used at once. SQLite plans with its own statistics: nothing to do.
* ``flow_proposals``: the Review Queue's tab counts, stats strip, domain filter and sorts read these indexes alone
  (index-only on PostgreSQL) instead of every proposal of the account: domains first for the domain list and
  filtered counts, status first for the pending domains, the week's decisions by ``reviewed_at``, and the two
  sorts that are not by age.

Revision ID: 0010_rollup_indexes
Revises: 0009_knowledge_health
"""

from alembic import op

revision = "0010_rollup_indexes"
down_revision = "0009_knowledge_health"
branch_labels = None
depends_on = None

# Frozen here, not imported: a migration must keep creating what it created the day it was written.
INDEXES = {
    "ix_flow_proposals_account_id_problem_domain_status": ["account_id", "problem_domain", "status", "proposal_type"],
    "ix_flow_proposals_account_id_status_problem_domain": ["account_id", "status", "problem_domain", "proposal_type"],
    "ix_flow_proposals_account_id_status_reviewed_at": ["account_id", "status", "reviewed_at"],
    "ix_flow_proposals_account_id_status_confidence_score": ["account_id", "status", "confidence_score", "created_at"],
    "ix_flow_proposals_account_id_status_support": [
        "account_id",
        "status",
        "supporting_session_count",
        "created_at",
    ],
}
STEPS_PER_SESSION = "ALTER TABLE ai_session_steps ALTER COLUMN session_id SET (n_distinct = -0.125)"


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "flow_proposals", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STEPS_PER_SESSION)
        op.execute("ANALYZE ai_session_steps")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ai_session_steps ALTER COLUMN session_id RESET (n_distinct)")
        op.execute("ANALYZE ai_session_steps")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="flow_proposals")
