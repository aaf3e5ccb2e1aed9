"""keep an enhancement's diff as it was decided

``flow_proposals.decided_diff`` holds, for an enhancement that was decided (published, dismissed or rejected), the
changes it made or proposed against the version of the flow it was decided against (``against_version``). The
Review Queue shows it instead of a diff recomputed against today's flow, which later versions would distort.
Proposals decided before this revision have none and show the diff stored when they were proposed.

Revision ID: 0008_decided_diff
Revises: 0007_external_ids
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_decided_diff"
down_revision = "0007_external_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flow_proposals") as batch:
        batch.add_column(
            sa.Column(
                "decided_diff",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("flow_proposals") as batch:
        batch.drop_column("decided_diff")
