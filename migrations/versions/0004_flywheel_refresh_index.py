"""flywheel refresh index: flow_proposals by account and updated_at

The worker's duplicate cache asks for the proposals of an account changed since its last refresh; without this index
that query scans every proposal of the account while it holds the duplicate-check lock.

Revision ID: 0004_flywheel_refresh_index
Revises: 0003_report_security
"""

from alembic import op

revision = "0004_flywheel_refresh_index"
down_revision = "0003_report_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_flow_proposals_account_id_updated_at", "flow_proposals", ["account_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_flow_proposals_account_id_updated_at", table_name="flow_proposals")
