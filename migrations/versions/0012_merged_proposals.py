"""merged proposals: an open proposal joined into another of the same problem found later

Two sessions of one problem can start two proposals when the first write-ups read too differently; once each has
gathered support, their clusters are close enough to be one. The flywheel then joins the smaller into the larger:
its sessions and paths move over, and the row stays with status ``merged`` and ``merged_into_id`` naming where
they went, so nothing is lost and a link to it still leads somewhere.

Revision ID: 0012_merged_proposals
Revises: 0011_cluster_generation
"""

import sqlalchemy as sa
from alembic import op

import core.models
from migrations.helpers import refuse_while_rows, replace_check_constraint

revision = "0012_merged_proposals"
down_revision = "0011_cluster_generation"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_flow_proposals_status"
OLD_STATUSES = ("pending", "approved", "modified", "rejected", "dismissed", "auto_reinforced")
NEW_STATUSES = (*OLD_STATUSES, "merged")


def _rule(statuses: tuple[str, ...]) -> str:
    return f"status IN ({', '.join(repr(s) for s in statuses)})"


class MergedRowsRemain(RuntimeError):
    """Merged proposals exist; the downgrade would break them."""


def upgrade() -> None:
    replace_check_constraint("flow_proposals", CONSTRAINT, _rule(NEW_STATUSES))
    with op.batch_alter_table("flow_proposals") as batch:
        batch.add_column(sa.Column("merged_into_id", core.models.GUID(), nullable=True))


def downgrade() -> None:
    refuse_while_rows(
        "SELECT count(*) FROM flow_proposals WHERE status = 'merged'",
        MergedRowsRemain,
        "flow proposal(s) have status 'merged', which this downgrade removes; their sessions already belong to the "
        "proposal named in merged_into_id. Delete them (DELETE FROM flow_proposals WHERE status = 'merged') and "
        "run the downgrade again.",
    )
    with op.batch_alter_table("flow_proposals") as batch:
        batch.drop_column("merged_into_id")
    replace_check_constraint("flow_proposals", CONSTRAINT, _rule(OLD_STATUSES))
