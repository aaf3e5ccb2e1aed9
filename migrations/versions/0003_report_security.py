"""report security: row-level security for ad-hoc report SQL (PostgreSQL only)

Creates the role flowpilot_reader, grants it SELECT on tenant tables and adds the flowpilot_tenant policies
(see core/reports/tenant_views.py for the mechanism and its limits). Nothing happens on SQLite.

Revision ID: 0003_report_security
Revises: 0002_analytics_rollups
"""

from alembic import op

from core.reports.tenant_views import drop_tenant_security, ensure_tenant_security

revision = "0003_report_security"
down_revision = "0002_analytics_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_tenant_security(op.get_bind())


def downgrade() -> None:
    drop_tenant_security(op.get_bind())
