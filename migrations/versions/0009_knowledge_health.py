"""knowledge health: the ``review`` proposal type and an index of the recorded paths through flows

The worker opens a ``review`` proposal when a published flow's resolution rate drifts down
(``core/insights/drift.py``); the CHECK constraint on ``flow_proposals.proposal_type`` now allows it. Retiring a flow
needs no new column: a retired flow is ``is_published = false`` and keeps its versions and sessions.

The partial index ``ix_ai_session_steps_flow_path`` (steps that stand on a flow node) lets the edge outcomes of a
flow read its sessions' paths by index: without it PostgreSQL scanned every step (1.4 s for a 30-day window at
1,000,000 sessions; 0.16 s with it).

The downgrade refuses to run while review proposals exist, rather than deleting a reviewer's work: the message says
how to resolve them. SQLite cannot alter a CHECK constraint in place, so the table is rebuilt there
(``batch_alter_table``); PostgreSQL alters it directly.

Revision ID: 0009_knowledge_health
Revises: 0008_decided_diff
"""

import sqlalchemy as sa
from alembic import op

from migrations.helpers import refuse_while_rows, replace_check_constraint

revision = "0009_knowledge_health"
down_revision = "0008_decided_diff"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_flow_proposals_proposal_type"
NEW_RULE = "proposal_type IN ('new_flow', 'enhancement', 'review')"
OLD_RULE = "proposal_type IN ('new_flow', 'enhancement')"


class ReviewRowsRemain(RuntimeError):
    """Review proposals exist; they must be resolved before the constraint can narrow again."""


PATH_INDEX = "ix_ai_session_steps_flow_path"
PATH_COLUMNS = ["session_id", "step_number", "flow_node_id", "was_free_text"]
ON_A_NODE = sa.text("flow_node_id IS NOT NULL")


def upgrade() -> None:
    replace_check_constraint("flow_proposals", CONSTRAINT, NEW_RULE)
    op.create_index(
        PATH_INDEX, "ai_session_steps", PATH_COLUMNS, postgresql_where=ON_A_NODE, sqlite_where=ON_A_NODE
    )


def downgrade() -> None:
    refuse_while_rows(
        "SELECT count(*) FROM flow_proposals WHERE proposal_type = 'review'",
        ReviewRowsRemain,
        "flow proposal(s) have proposal_type 'review', which this downgrade removes. Delete them "
        "first (DELETE FROM flow_proposals WHERE proposal_type = 'review'), then run the downgrade again.",
    )
    op.drop_index(PATH_INDEX, table_name="ai_session_steps")
    replace_check_constraint("flow_proposals", CONSTRAINT, OLD_RULE)
