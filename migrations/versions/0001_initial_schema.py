"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:35:30.411708
"""

from alembic import op
import sqlalchemy as sa
import core.models
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("slug", name=op.f("uq_accounts_slug")),
    )
    op.create_table(
        "gap_reports",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column(
            "report",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_gap_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_reports")),
    )
    with op.batch_alter_table("gap_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gap_reports_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_gap_reports_account_id_created_at",
            ["account_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "llm_usage",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_llm_usage_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_usage")),
        sa.UniqueConstraint(
            "account_id", "day", name=op.f("uq_llm_usage_account_id_day")
        ),
    )
    with op.batch_alter_table("llm_usage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_llm_usage_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "psa_connections",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_psa_connections_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psa_connections")),
    )
    with op.batch_alter_table("psa_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_psa_connections_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "script_categories",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_script_categories_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_categories")),
    )
    with op.batch_alter_table("script_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_script_categories_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "teams",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_teams_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("team_id", core.models.GUID(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_super_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('engineer', 'team_admin', 'owner', 'analyst', 'viewer')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_users_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_users_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "saved_reports",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.Column(
            "chart",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("created_by", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_saved_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_saved_reports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_reports")),
        sa.UniqueConstraint(
            "account_id", "name", name=op.f("uq_saved_reports_account_id_name")
        ),
    )
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_reports_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_saved_reports_created_by"), ["created_by"], unique=False
        )

    op.create_table(
        "script_templates",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=True),
        sa.Column("team_id", core.models.GUID(), nullable=True),
        sa.Column("category_id", core.models.GUID(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("problem_domain", sa.String(length=80), nullable=True),
        sa.Column(
            "keywords",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "parameters_schema",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_by", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_script_templates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["script_categories.id"],
            name=op.f("fk_script_templates_category_id_script_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_script_templates_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_script_templates_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_templates")),
    )
    with op.batch_alter_table("script_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_script_templates_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_script_templates_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_script_templates_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_script_templates_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "trees",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("team_id", core.models.GUID(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tree_type", sa.String(length=20), nullable=False),
        sa.Column(
            "tree_structure",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("problem_domain", sa.String(length=80), nullable=True),
        sa.Column(
            "match_keywords",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("source_session_id", core.models.GUID(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("times_matched", sa.Integer(), nullable=False),
        sa.Column("times_resolved", sa.Integer(), nullable=False),
        sa.Column("success_rate", sa.Float(), nullable=False),
        sa.Column(
            "last_matched_at", core.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("created_by", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "origin IN ('manual', 'ai_generated', 'ai_enhanced')",
            name=op.f("ck_trees_origin"),
        ),
        sa.CheckConstraint(
            "tree_type IN ('troubleshooting', 'procedural')",
            name=op.f("ck_trees_tree_type"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trees_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_trees_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_trees_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trees")),
    )
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trees_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_trees_account_id_problem_domain",
            ["account_id", "problem_domain"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_trees_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trees_source_session_id"),
            ["source_session_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_trees_team_id"), ["team_id"], unique=False)

    op.create_table(
        "ai_sessions",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("team_id", core.models.GUID(), nullable=True),
        sa.Column("engineer_id", core.models.GUID(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confidence_tier", sa.String(length=20), nullable=False),
        sa.Column("problem_domain", sa.String(length=80), nullable=True),
        sa.Column("problem_summary", sa.Text(), nullable=False),
        sa.Column(
            "intake_content",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "conversation_messages",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("matched_flow_id", core.models.GUID(), nullable=True),
        sa.Column("match_score", sa.Float(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("resolution_summary", sa.Text(), nullable=True),
        sa.Column("psa_ticket_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("analysis_status", sa.String(length=20), nullable=True),
        sa.Column("analysis_attempts", sa.Integer(), nullable=False),
        sa.Column("analysis_error", sa.Text(), nullable=True),
        sa.Column(
            "analysis_after", core.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("analysis_outcome", sa.String(length=40), nullable=True),
        sa.Column("analysis_reason", sa.Text(), nullable=True),
        sa.Column("analysis_proposal_id", core.models.GUID(), nullable=True),
        sa.Column("analyzed_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "analysis_status IS NULL OR analysis_status IN ('pending', 'running', 'completed', 'failed', 'deferred')",
            name=op.f("ck_ai_sessions_analysis_status"),
        ),
        sa.CheckConstraint(
            "confidence_tier IN ('guided', 'exploring', 'discovery')",
            name=op.f("ck_ai_sessions_confidence_tier"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'resolved', 'escalated', 'abandoned')",
            name=op.f("ck_ai_sessions_status"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5",
            name=op.f("ck_ai_sessions_rating"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ai_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engineer_id"],
            ["users.id"],
            name=op.f("fk_ai_sessions_engineer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["matched_flow_id"],
            ["trees.id"],
            name=op.f("fk_ai_sessions_matched_flow_id_trees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_ai_sessions_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_sessions")),
    )
    with op.batch_alter_table("ai_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ai_sessions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_ai_sessions_account_id_created_at",
            ["account_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ai_sessions_account_id_status_created_at",
            ["account_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ai_sessions_analysis_proposal_id"),
            ["analysis_proposal_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ai_sessions_analysis_status_analysis_after",
            ["analysis_status", "analysis_after"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ai_sessions_engineer_id"), ["engineer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ai_sessions_matched_flow_id"),
            ["matched_flow_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ai_sessions_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "tree_versions",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("tree_id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "tree_structure",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "match_keywords",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("created_by", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tree_versions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_tree_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name=op.f("fk_tree_versions_tree_id_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_versions")),
        sa.UniqueConstraint(
            "tree_id", "version", name=op.f("uq_tree_versions_tree_id_version")
        ),
    )
    with op.batch_alter_table("tree_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tree_versions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tree_versions_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tree_versions_tree_id"), ["tree_id"], unique=False
        )

    op.create_table(
        "flow_proposals",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("team_id", core.models.GUID(), nullable=True),
        sa.Column("proposal_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("target_flow_id", core.models.GUID(), nullable=True),
        sa.Column("source_session_id", core.models.GUID(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "proposed_flow_data",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "proposed_diff",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("supporting_session_count", sa.Integer(), nullable=False),
        sa.Column(
            "supporting_session_ids",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("problem_domain", sa.String(length=80), nullable=True),
        sa.Column("generator", sa.String(length=120), nullable=False),
        sa.Column("base_tree_version", sa.Integer(), nullable=True),
        sa.Column("divergence_key", sa.String(length=400), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedder", sa.String(length=120), nullable=True),
        sa.Column("dismissed_support", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", core.models.GUID(), nullable=True),
        sa.Column("reviewer_notes", sa.Text(), nullable=True),
        sa.Column("published_flow_id", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "proposal_type IN ('new_flow', 'enhancement', 'branch_addition')",
            name=op.f("ck_flow_proposals_proposal_type"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'modified', 'rejected', 'dismissed', 'auto_reinforced')",
            name=op.f("ck_flow_proposals_status"),
        ),
        sa.CheckConstraint(
            "confidence_score >= 0 AND confidence_score <= 1",
            name=op.f("ck_flow_proposals_confidence_score"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_flow_proposals_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_flow_id"],
            ["trees.id"],
            name=op.f("fk_flow_proposals_published_flow_id_trees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name=op.f("fk_flow_proposals_reviewed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_session_id"],
            ["ai_sessions.id"],
            name=op.f("fk_flow_proposals_source_session_id_ai_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_flow_id"],
            ["trees.id"],
            name=op.f("fk_flow_proposals_target_flow_id_trees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_flow_proposals_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_proposals")),
    )
    with op.batch_alter_table("flow_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_flow_proposals_account_id_status_created_at",
            ["account_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_published_flow_id"),
            ["published_flow_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_reviewed_by"), ["reviewed_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_source_session_id"),
            ["source_session_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_target_flow_id"),
            ["target_flow_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_flow_proposals_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "psa_pushes",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("session_id", core.models.GUID(), nullable=False),
        sa.Column("ticket_id", sa.String(length=80), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_attempt_ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "succeeded_at", core.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')",
            name=op.f("ck_psa_pushes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_psa_pushes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["ai_sessions.id"],
            name=op.f("fk_psa_pushes_session_id_ai_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psa_pushes")),
    )
    with op.batch_alter_table("psa_pushes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_psa_pushes_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_psa_pushes_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "script_generations",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("template_id", core.models.GUID(), nullable=True),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("user_id", core.models.GUID(), nullable=True),
        sa.Column("ai_session_id", core.models.GUID(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "result IS NULL OR result IN ('worked', 'failed')",
            name=op.f("ck_script_generations_result"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_script_generations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ai_session_id"],
            ["ai_sessions.id"],
            name=op.f("fk_script_generations_ai_session_id_ai_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["script_templates.id"],
            name=op.f("fk_script_generations_template_id_script_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_script_generations_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_generations")),
    )
    with op.batch_alter_table("script_generations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_script_generations_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_script_generations_ai_session_id"),
            ["ai_session_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_script_generations_template_id"),
            ["template_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_script_generations_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "ai_session_steps",
        sa.Column("id", core.models.GUID(), nullable=False),
        sa.Column("session_id", core.models.GUID(), nullable=False),
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.Column("step_number", sa.Integer(), nullable=False),
        sa.Column("step_type", sa.String(length=30), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("selected_option", sa.Text(), nullable=True),
        sa.Column("was_free_text", sa.Boolean(), nullable=False),
        sa.Column("free_text_input", sa.Text(), nullable=True),
        sa.Column("action_result", sa.Text(), nullable=True),
        sa.Column("flow_node_id", sa.String(length=120), nullable=True),
        sa.Column("script_generation_id", core.models.GUID(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "step_type IN ('question', 'action', 'script_generation', 'resolution', 'escalation', 'note')",
            name=op.f("ck_ai_session_steps_step_type"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ai_session_steps_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["script_generation_id"],
            ["script_generations.id"],
            name=op.f("fk_ai_session_steps_script_generation_id_script_generations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["ai_sessions.id"],
            name=op.f("fk_ai_session_steps_session_id_ai_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_session_steps")),
        sa.UniqueConstraint(
            "session_id",
            "step_number",
            name=op.f("uq_ai_session_steps_session_id_step_number"),
        ),
    )
    with op.batch_alter_table("ai_session_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ai_session_steps_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ai_session_steps_script_generation_id"),
            ["script_generation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ai_session_steps_session_id"), ["session_id"], unique=False
        )

    # trees and ai_sessions reference each other: this foreign key can only follow both tables.
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_trees_source_session_id_ai_sessions"),
            "ai_sessions",
            ["source_session_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_trees_source_session_id_ai_sessions"), type_="foreignkey"
        )

    with op.batch_alter_table("ai_session_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_session_steps_session_id"))
        batch_op.drop_index(batch_op.f("ix_ai_session_steps_script_generation_id"))
        batch_op.drop_index(batch_op.f("ix_ai_session_steps_account_id"))

    op.drop_table("ai_session_steps")
    with op.batch_alter_table("script_generations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_generations_user_id"))
        batch_op.drop_index(batch_op.f("ix_script_generations_template_id"))
        batch_op.drop_index(batch_op.f("ix_script_generations_ai_session_id"))
        batch_op.drop_index(batch_op.f("ix_script_generations_account_id"))

    op.drop_table("script_generations")
    with op.batch_alter_table("psa_pushes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psa_pushes_session_id"))
        batch_op.drop_index(batch_op.f("ix_psa_pushes_account_id"))

    op.drop_table("psa_pushes")
    with op.batch_alter_table("flow_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_proposals_team_id"))
        batch_op.drop_index(batch_op.f("ix_flow_proposals_target_flow_id"))
        batch_op.drop_index(batch_op.f("ix_flow_proposals_source_session_id"))
        batch_op.drop_index(batch_op.f("ix_flow_proposals_reviewed_by"))
        batch_op.drop_index(batch_op.f("ix_flow_proposals_published_flow_id"))
        batch_op.drop_index("ix_flow_proposals_account_id_status_created_at")
        batch_op.drop_index(batch_op.f("ix_flow_proposals_account_id"))

    op.drop_table("flow_proposals")
    with op.batch_alter_table("tree_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_versions_tree_id"))
        batch_op.drop_index(batch_op.f("ix_tree_versions_created_by"))
        batch_op.drop_index(batch_op.f("ix_tree_versions_account_id"))

    op.drop_table("tree_versions")
    with op.batch_alter_table("ai_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_sessions_team_id"))
        batch_op.drop_index(batch_op.f("ix_ai_sessions_matched_flow_id"))
        batch_op.drop_index(batch_op.f("ix_ai_sessions_engineer_id"))
        batch_op.drop_index("ix_ai_sessions_analysis_status_analysis_after")
        batch_op.drop_index(batch_op.f("ix_ai_sessions_analysis_proposal_id"))
        batch_op.drop_index("ix_ai_sessions_account_id_status_created_at")
        batch_op.drop_index("ix_ai_sessions_account_id_created_at")
        batch_op.drop_index(batch_op.f("ix_ai_sessions_account_id"))

    op.drop_table("ai_sessions")
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trees_team_id"))
        batch_op.drop_index(batch_op.f("ix_trees_source_session_id"))
        batch_op.drop_index(batch_op.f("ix_trees_created_by"))
        batch_op.drop_index("ix_trees_account_id_problem_domain")
        batch_op.drop_index(batch_op.f("ix_trees_account_id"))

    op.drop_table("trees")
    with op.batch_alter_table("script_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_templates_team_id"))
        batch_op.drop_index(batch_op.f("ix_script_templates_created_by"))
        batch_op.drop_index(batch_op.f("ix_script_templates_category_id"))
        batch_op.drop_index(batch_op.f("ix_script_templates_account_id"))

    op.drop_table("script_templates")
    with op.batch_alter_table("saved_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_reports_created_by"))
        batch_op.drop_index(batch_op.f("ix_saved_reports_account_id"))

    op.drop_table("saved_reports")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team_id"))
        batch_op.drop_index(batch_op.f("ix_users_account_id"))

    op.drop_table("users")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_account_id"))

    op.drop_table("teams")
    with op.batch_alter_table("script_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_categories_account_id"))

    op.drop_table("script_categories")
    with op.batch_alter_table("psa_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_psa_connections_account_id"))

    op.drop_table("psa_connections")
    with op.batch_alter_table("llm_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_usage_account_id"))

    op.drop_table("llm_usage")
    with op.batch_alter_table("gap_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_gap_reports_account_id_created_at")
        batch_op.drop_index(batch_op.f("ix_gap_reports_account_id"))

    op.drop_table("gap_reports")
    op.drop_table("accounts")
