"""analytics rollups: daily aggregates behind the dashboard and the gap report

Revision ID: 0002_analytics_rollups
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import core.models

revision = "0002_analytics_rollups"
down_revision = "0001"
branch_labels = None
depends_on = None


def _account(table: str) -> list:
    return [
        sa.Column("account_id", core.models.GUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
        ),
    ]


def _index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_account_id"), table, ["account_id"], unique=False)


def upgrade() -> None:
    def integers(*names: str) -> list:
        return [sa.Column(name, sa.Integer(), nullable=False) for name in names]

    op.create_table(
        "analytics_daily_sessions",
        *_account("analytics_daily_sessions"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("domain", sa.String(length=80), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *integers("sessions", "resolve_count"),
        sa.Column("resolve_minutes_sum", sa.Float(), nullable=False),
        *integers("duration_count"),
        sa.Column("duration_minutes_sum", sa.Float(), nullable=False),
        *integers("rating_count", "rating_sum", "ticket_linked", "step_sessions", "step_sum"),
        *integers("pushes", "first_attempt_succeeded", "failed_first", "retry_succeeded", "time_entries"),
        sa.Column("hours_logged", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "day", "domain", "tier", "status", name=op.f("pk_analytics_daily_sessions")
        ),
    )
    _index("analytics_daily_sessions")
    op.create_table(
        "analytics_daily_resolutions",
        *_account("analytics_daily_resolutions"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("resolved_day", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("resolve_minutes_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day", "resolved_day", name=op.f("pk_analytics_daily_resolutions")),
    )
    _index("analytics_daily_resolutions")
    op.create_table(
        "analytics_daily_questions",
        *_account("analytics_daily_questions"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("question_key", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=80), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("free_text_answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day", "question_key", name=op.f("pk_analytics_daily_questions")),
    )
    _index("analytics_daily_questions")
    op.create_table(
        "analytics_daily_free_text",
        *_account("analytics_daily_free_text"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("question_key", sa.Text(), nullable=False),
        sa.Column("answer_key", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("example_session_id", sa.String(length=36), nullable=False),
        sa.Column("example_created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "day", "question_key", "answer_key", name=op.f("pk_analytics_daily_free_text")
        ),
    )
    _index("analytics_daily_free_text")
    op.create_table(
        "analytics_rollup_state",
        *_account("analytics_rollup_state"),
        sa.Column("rolled_through", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_analytics_rollup_state")),
    )
    _index("analytics_rollup_state")


def downgrade() -> None:
    for table in (
        "analytics_rollup_state",
        "analytics_daily_free_text",
        "analytics_daily_questions",
        "analytics_daily_resolutions",
        "analytics_daily_sessions",
    ):
        op.drop_index(op.f(f"ix_{table}_account_id"), table_name=table)
        op.drop_table(table)
