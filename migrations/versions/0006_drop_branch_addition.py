"""drop the branch_addition proposal type

Nothing ever produced a ``branch_addition`` proposal: the flywheel writes an added branch as an ``enhancement``.
The CHECK constraint on ``flow_proposals.proposal_type`` now allows only ``new_flow`` and ``enhancement``.

The upgrade refuses to run while a row still has the old type, rather than rewriting or deleting a reviewer's
work behind their back: the message names how many rows and how to resolve them. SQLite cannot alter a CHECK
constraint in place, so the table is rebuilt there (``batch_alter_table``); PostgreSQL alters it directly.

Revision ID: 0006_drop_branch_addition
Revises: 0005_sql_functions
"""

from migrations.helpers import refuse_while_rows, replace_check_constraint

revision = "0006_drop_branch_addition"
down_revision = "0005_sql_functions"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_flow_proposals_proposal_type"
NEW_RULE = "proposal_type IN ('new_flow', 'enhancement')"
OLD_RULE = "proposal_type IN ('new_flow', 'enhancement', 'branch_addition')"


class BranchAdditionRowsRemain(RuntimeError):
    """Rows of the dropped type exist; they must be resolved before the constraint can narrow."""


def upgrade() -> None:
    refuse_while_rows(
        "SELECT count(*) FROM flow_proposals WHERE proposal_type = 'branch_addition'",
        BranchAdditionRowsRemain,
        "flow proposal(s) still have proposal_type 'branch_addition', which this revision removes. "
        "Change them to 'enhancement' (the type the flywheel uses for an added branch) or delete them, e.g. "
        "UPDATE flow_proposals SET proposal_type = 'enhancement' WHERE proposal_type = 'branch_addition'; "
        "then run the upgrade again.",
    )
    replace_check_constraint("flow_proposals", CONSTRAINT, NEW_RULE)


def downgrade() -> None:
    replace_check_constraint("flow_proposals", CONSTRAINT, OLD_RULE)
