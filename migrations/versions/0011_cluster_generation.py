"""cluster generation: what the model has written for each proposal, and a reviewer's request for a new tree

A proposal's tree is written by the model once per cluster (when its support or age makes it worth a call), not once
per session. These columns record the calls spent on the proposal, when and from how many sessions the model last
wrote it, a reviewer's pending request for a regeneration, and the last failure.

Revision ID: 0011_cluster_generation
Revises: 0010_rollup_indexes
"""

import sqlalchemy as sa
from alembic import op

import core.models

revision = "0011_cluster_generation"
down_revision = "0010_rollup_indexes"
branch_labels = None
depends_on = None

COLUMNS = [
    sa.Column("model_calls", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("model_generated_at", core.models.UTCDateTime(), nullable=True),
    sa.Column("model_generated_support", sa.Integer(), nullable=True),
    sa.Column("regenerate_requested_at", core.models.UTCDateTime(), nullable=True),
    sa.Column("regenerate_requested_by", core.models.GUID(), nullable=True),
    sa.Column("generation_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("generation_error", sa.Text(), nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("flow_proposals") as batch:
        for column in COLUMNS:
            batch.add_column(column.copy())


def downgrade() -> None:
    with op.batch_alter_table("flow_proposals") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
