"""SQLAlchemy 2.0 typed models: the tables of Knowledge Studio.

Rules that hold for every table:
* primary keys are UUIDs (native ``uuid`` on PostgreSQL, 36-character text on SQLite, so hand-written SQL can
  bind ``str(uuid)`` on both);
* JSON columns are ``JSONB`` on PostgreSQL and ``JSON`` on SQLite;
* every row that belongs to a customer carries ``account_id`` and is read and written scoped to it;
* timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.enums import (
    AnalysisStatus,
    ConfidenceTier,
    ProposalStatus,
    ProposalType,
    PSAPushStatus,
    ScriptResult,
    SessionStatus,
    StepType,
    TreeOrigin,
    TreeType,
    UserRole,
    values,
)

# The vocabularies live in core.enums; these tuples (choices, CHECK constraints) are derived from them.
ROLES = values(UserRole)
ADMIN_ROLES = (UserRole.TEAM_ADMIN.value, UserRole.OWNER.value)
SESSION_STATUSES = values(SessionStatus)
CLOSED_STATUSES = tuple(s for s in SESSION_STATUSES if s != SessionStatus.ACTIVE)
CONFIDENCE_TIERS = values(ConfidenceTier)
ANALYSIS_STATUSES = values(AnalysisStatus)
STEP_TYPES = values(StepType)
PROPOSAL_TYPES = values(ProposalType)
PROPOSAL_STATUSES = values(ProposalStatus)
TREE_TYPES = values(TreeType)
TREE_ORIGINS = values(TreeOrigin)
PSA_PUSH_STATUSES = values(PSAPushStatus)
SCRIPT_RESULTS = values(ScriptResult)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both dialects (SQLite stores them naive, as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class GUID(TypeDecorator[uuid.UUID]):
    """UUID: native on PostgreSQL, canonical 36-character text on SQLite."""

    impl = Uuid(as_uuid=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(36))
        return dialect.type_descriptor(Uuid(as_uuid=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(str(value))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))


JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, allowed: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: GUID(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
    }


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(GUID(), primary_key=True, default=uuid.uuid4)


def _fk(
    target: str,
    *,
    nullable: bool = False,
    ondelete: str | None = None,
    use_alter: bool = False,
) -> Mapped[Any]:
    return mapped_column(
        GUID(),
        ForeignKey(target, ondelete=ondelete, use_alter=use_alter),
        nullable=nullable,
        index=True,
    )


class Account(Base):
    """A customer of the MSP platform (a tenant). Everything customer-owned hangs off one account."""

    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = _pk()
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person. ``role`` decides what they may do; "team admin" = team_admin, owner or super admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    team_id: Mapped[uuid.UUID | None] = _fk("teams.id", nullable=True, ondelete="SET NULL")
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    is_super_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_team_admin(self) -> bool:
        return self.is_super_admin or self.role in ADMIN_ROLES


class Tree(Base):
    """A published flow. ``version`` rises on every publish; earlier structures live in ``tree_versions``."""

    __tablename__ = "trees"
    __table_args__ = (
        CheckConstraint(_in("tree_type", TREE_TYPES), name="tree_type"),
        CheckConstraint(_in("origin", TREE_ORIGINS), name="origin"),
        Index("ix_trees_account_id_problem_domain", "account_id", "problem_domain"),
    )
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    team_id: Mapped[uuid.UUID | None] = _fk("teams.id", nullable=True, ondelete="SET NULL")
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    tree_type: Mapped[str] = mapped_column(String(20), default=TreeType.TROUBLESHOOTING.value)
    tree_structure: Mapped[dict[str, Any]] = mapped_column(JSONType)
    problem_domain: Mapped[str | None] = mapped_column(String(80))
    match_keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    origin: Mapped[str] = mapped_column(String(20), default=TreeOrigin.MANUAL.value)
    # trees <-> ai_sessions point at each other; this side is added after both tables exist.
    source_session_id: Mapped[uuid.UUID | None] = _fk(
        "ai_sessions.id", nullable=True, ondelete="SET NULL", use_alter=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    times_matched: Mapped[int] = mapped_column(Integer, default=0)
    times_resolved: Mapped[int] = mapped_column(Integer, default=0)
    success_rate: Mapped[float] = mapped_column(Float, default=0.0)
    last_matched_at: Mapped[datetime | None] = mapped_column()
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TreeVersion(Base):
    """Every structure a flow ever had, one row per version (nothing is overwritten)."""

    __tablename__ = "tree_versions"
    __table_args__ = (UniqueConstraint("tree_id", "version"),)
    id: Mapped[uuid.UUID] = _pk()
    tree_id: Mapped[uuid.UUID] = _fk("trees.id", ondelete="CASCADE")
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    tree_structure: Mapped[dict[str, Any]] = mapped_column(JSONType)
    match_keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    origin: Mapped[str] = mapped_column(String(20), default=TreeOrigin.MANUAL.value)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AISession(Base):
    """A troubleshooting session. Closed sessions enter the flywheel queue (``analysis_status = pending``).

    An imported session keeps its source's id in ``external_id`` (unique per account); the key ``id`` stays internal.
    """

    __tablename__ = "ai_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(_in("confidence_tier", CONFIDENCE_TIERS), name="confidence_tier"),
        CheckConstraint(
            "analysis_status IS NULL OR " + _in("analysis_status", ANALYSIS_STATUSES),
            name="analysis_status",
        ),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        Index(
            "ix_ai_sessions_account_id_status_created_at",
            "account_id",
            "status",
            "created_at",
        ),
        Index(
            "ix_ai_sessions_analysis_status_analysis_after",
            "analysis_status",
            "analysis_after",
        ),
        Index("ix_ai_sessions_account_id_created_at", "account_id", "created_at"),
        # Led by external_id, so the planner never prefers it over the (account_id, …) indexes for account scans.
        Index("ix_ai_sessions_external_id_account_id", "external_id", "account_id", unique=True),
    )
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    # The id the source system gave the session (any string up to 200 characters; NULL for sessions made here).
    external_id: Mapped[str | None] = mapped_column(String(200))
    # Fingerprint of the imported line: the same external id with other content is a conflict, not a duplicate.
    ingest_digest: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[uuid.UUID | None] = _fk("teams.id", nullable=True, ondelete="SET NULL")
    engineer_id: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.ACTIVE.value)
    confidence_tier: Mapped[str] = mapped_column(String(20), default=ConfidenceTier.DISCOVERY.value)
    problem_domain: Mapped[str | None] = mapped_column(String(80))
    problem_summary: Mapped[str] = mapped_column(Text, default="")
    intake_content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    conversation_messages: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    matched_flow_id: Mapped[uuid.UUID | None] = _fk("trees.id", nullable=True, ondelete="SET NULL")
    match_score: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[int | None] = mapped_column(Integer)
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    psa_ticket_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    analysis_status: Mapped[str | None] = mapped_column(String(20))
    analysis_attempts: Mapped[int] = mapped_column(Integer, default=0)
    analysis_error: Mapped[str | None] = mapped_column(Text)
    analysis_after: Mapped[datetime | None] = mapped_column()
    analysis_outcome: Mapped[str | None] = mapped_column(String(40))
    analysis_reason: Mapped[str | None] = mapped_column(Text)
    # The proposal this session produced or was merged into (no FK: flow_proposals already points here).
    analysis_proposal_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    analyzed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column()


class AISessionStep(Base):
    """One step of a session, in order. ``flow_node_id`` is the node of the matched flow it stood on."""

    __tablename__ = "ai_session_steps"
    __table_args__ = (
        CheckConstraint(_in("step_type", STEP_TYPES), name="step_type"),
        UniqueConstraint("session_id", "step_number"),
        # The recorded paths through flows (edge outcomes, sql/health_flow_paths.sql): a flow's sessions find their
        # flow steps in this small index instead of the planner scanning every step.
        Index(
            "ix_ai_session_steps_flow_path",
            "session_id",
            "step_number",
            "flow_node_id",
            "was_free_text",
            postgresql_where=text("flow_node_id IS NOT NULL"),
            sqlite_where=text("flow_node_id IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = _pk()
    session_id: Mapped[uuid.UUID] = _fk("ai_sessions.id", ondelete="CASCADE")
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    step_number: Mapped[int] = mapped_column(Integer)
    step_type: Mapped[str] = mapped_column(String(30))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    selected_option: Mapped[str | None] = mapped_column(Text)
    was_free_text: Mapped[bool] = mapped_column(Boolean, default=False)
    free_text_input: Mapped[str | None] = mapped_column(Text)
    action_result: Mapped[str | None] = mapped_column(Text)
    flow_node_id: Mapped[str | None] = mapped_column(String(120))
    script_generation_id: Mapped[uuid.UUID | None] = _fk("script_generations.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlowProposal(Base):
    """A proposal of the flywheel: a new flow, an enhancement of a flow, or an auto-reinforcement record.

    ``proposal_type`` is a :class:`core.enums.ProposalType`; ``status`` a :class:`core.enums.ProposalStatus`.
    """

    __tablename__ = "flow_proposals"
    __table_args__ = (
        CheckConstraint(_in("proposal_type", PROPOSAL_TYPES), name="proposal_type"),
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint("confidence_score >= 0 AND confidence_score <= 1", name="confidence_score"),
        Index(
            "ix_flow_proposals_account_id_status_created_at",
            "account_id",
            "status",
            "created_at",
        ),
        # The worker's duplicate cache refreshes what changed since its last look.
        Index("ix_flow_proposals_account_id_updated_at", "account_id", "updated_at"),
        # The Review Queue counts, lists domains and sorts from these alone (migration 0010_rollup_indexes).
        Index(
            "ix_flow_proposals_account_id_problem_domain_status",
            "account_id",
            "problem_domain",
            "status",
            "proposal_type",
        ),
        Index(
            "ix_flow_proposals_account_id_status_problem_domain",
            "account_id",
            "status",
            "problem_domain",
            "proposal_type",
        ),
        Index("ix_flow_proposals_account_id_status_reviewed_at", "account_id", "status", "reviewed_at"),
        Index(
            "ix_flow_proposals_account_id_status_confidence_score",
            "account_id",
            "status",
            "confidence_score",
            "created_at",
        ),
        Index(
            "ix_flow_proposals_account_id_status_support",
            "account_id",
            "status",
            "supporting_session_count",
            "created_at",
        ),
    )
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    team_id: Mapped[uuid.UUID | None] = _fk("teams.id", nullable=True, ondelete="SET NULL")
    proposal_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.PENDING.value)
    target_flow_id: Mapped[uuid.UUID | None] = _fk("trees.id", nullable=True, ondelete="SET NULL")
    source_session_id: Mapped[uuid.UUID | None] = _fk("ai_sessions.id", nullable=True, ondelete="SET NULL")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    proposed_flow_data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    proposed_diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # An enhancement's diff as it was decided, with the flow version it was decided against ("against_version").
    decided_diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    confidence_score: Mapped[float] = mapped_column(Float, default=0.0)
    supporting_session_count: Mapped[int] = mapped_column(Integer, default=1)
    supporting_session_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    problem_domain: Mapped[str | None] = mapped_column(String(80))
    generator: Mapped[str] = mapped_column(String(120), default="offline rules")
    base_tree_version: Mapped[int | None] = mapped_column(Integer)
    # Enhancements merge when they add the same branch under the same node: "<node id>|<normalized label>".
    divergence_key: Mapped[str | None] = mapped_column(String(400))
    # float32 vector of the summary + intake text, for duplicate detection; with the embedder's name.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedder: Mapped[str | None] = mapped_column(String(120))
    # The model writes a proposal's tree once per cluster (core/flywheel/cluster_model.py): the calls spent on it,
    # when and from how many supporting sessions it last wrote it, a reviewer's pending request for a new tree.
    model_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model_generated_at: Mapped[datetime | None] = mapped_column()
    model_generated_support: Mapped[int | None] = mapped_column(Integer)
    regenerate_requested_at: Mapped[datetime | None] = mapped_column()
    regenerate_requested_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    generation_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    generation_error: Mapped[str | None] = mapped_column(Text)
    # The proposal this one was joined into (status ``merged``; core/flywheel/consolidate.py).
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    # Support count at the moment of dismissal: it resurfaces once support grows by the configured amount.
    dismissed_support: Mapped[int | None] = mapped_column(Integer)
    reviewed_by: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    reviewer_notes: Mapped[str | None] = mapped_column(Text)
    published_flow_id: Mapped[uuid.UUID | None] = _fk("trees.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column()


class ScriptCategory(Base):
    __tablename__ = "script_categories"
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID | None] = _fk("accounts.id", nullable=True, ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ScriptTemplate(Base):
    """A PowerShell template; ``account_id`` NULL means global (every account may use it)."""

    __tablename__ = "script_templates"
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID | None] = _fk("accounts.id", nullable=True, ondelete="CASCADE")
    team_id: Mapped[uuid.UUID | None] = _fk("teams.id", nullable=True, ondelete="SET NULL")
    category_id: Mapped[uuid.UUID | None] = _fk("script_categories.id", nullable=True, ondelete="SET NULL")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    problem_domain: Mapped[str | None] = mapped_column(String(80))
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    body: Mapped[str] = mapped_column(Text)
    parameters_schema: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScriptGeneration(Base):
    """A script rendered for a session; ``result`` is what the engineer reported back."""

    __tablename__ = "script_generations"
    __table_args__ = (CheckConstraint("result IS NULL OR " + _in("result", SCRIPT_RESULTS), name="result"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    template_id: Mapped[uuid.UUID | None] = _fk("script_templates.id", nullable=True, ondelete="SET NULL")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    script: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    ai_session_id: Mapped[uuid.UUID | None] = _fk("ai_sessions.id", nullable=True, ondelete="SET NULL")
    result: Mapped[str | None] = mapped_column(String(20))
    result_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PSAConnection(Base):
    """The account's PSA (ConnectWise, Autotask, Halo …); an account without one has no PSA metrics."""

    __tablename__ = "psa_connections"
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    provider: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PSAPush(Base):
    """One time entry pushed to the PSA for a session, however many attempts it took."""

    __tablename__ = "psa_pushes"
    __table_args__ = (CheckConstraint(_in("status", PSA_PUSH_STATUSES), name="status"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    session_id: Mapped[uuid.UUID] = _fk("ai_sessions.id", ondelete="CASCADE")
    ticket_id: Mapped[str] = mapped_column(String(80))
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_attempt_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default=PSAPushStatus.PENDING.value)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column()


class LLMUsage(Base):
    """The daily LLM budget ledger: one row per account per UTC day."""

    __tablename__ = "llm_usage"
    __table_args__ = (UniqueConstraint("account_id", "day"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    day: Mapped[date] = mapped_column(Date)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)


class GapReport(Base):
    """A stored knowledge-gap report (the worker recomputes it hourly); ``report`` is JSON-safe."""

    __tablename__ = "gap_reports"
    __table_args__ = (Index("ix_gap_reports_account_id_created_at", "account_id", "created_at"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    report: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedReport(Base):
    """An analyst's ad-hoc query saved as a named report of the account."""

    __tablename__ = "saved_reports"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: Mapped[uuid.UUID] = _pk()
    account_id: Mapped[uuid.UUID] = _fk("accounts.id", ondelete="CASCADE")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sql: Mapped[str] = mapped_column(Text)
    chart: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_by: Mapped[uuid.UUID | None] = _fk("users.id", nullable=True, ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Analytics rollups (migration 0002_analytics_rollups) -----------------------------------------------------------
# Daily aggregates of closed history, so the dashboard and the gap report read days instead of millions of rows.
# ``core.insights.rollups.refresh_rollups`` rebuilds the recent days hourly (the worker); ``analytics_rollup_state`` says up to
# which UTC midnight they are complete; anything newer is read from the raw tables.


def _rollup_account() -> Mapped[uuid.UUID]:
    return mapped_column(GUID(), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True)


class AnalyticsDailySessions(Base):
    """Sessions per account, UTC day of ``created_at``, domain ('unclassified' for NULL), tier and status."""

    __tablename__ = "analytics_daily_sessions"
    account_id: Mapped[uuid.UUID] = _rollup_account()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    domain: Mapped[str] = mapped_column(String(80), primary_key=True)
    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    resolve_count: Mapped[int] = mapped_column(Integer, default=0)
    resolve_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0)
    duration_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ticket_linked: Mapped[int] = mapped_column(Integer, default=0)
    step_sessions: Mapped[int] = mapped_column(Integer, default=0)
    step_sum: Mapped[int] = mapped_column(Integer, default=0)
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed_first: Mapped[int] = mapped_column(Integer, default=0)
    retry_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    time_entries: Mapped[int] = mapped_column(Integer, default=0)
    hours_logged: Mapped[float] = mapped_column(Float, default=0.0)


class AnalyticsDailyResolutions(Base):
    """Resolved sessions per account, UTC day of ``created_at`` and UTC day of ``resolved_at`` (the MTTR trend)."""

    __tablename__ = "analytics_daily_resolutions"
    account_id: Mapped[uuid.UUID] = _rollup_account()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    resolved_day: Mapped[date] = mapped_column(Date, primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    resolve_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0)


class AnalyticsDailyQuestions(Base):
    """Answered question steps per account, UTC day of the session's ``created_at`` and question (lower-cased)."""

    __tablename__ = "analytics_daily_questions"
    account_id: Mapped[uuid.UUID] = _rollup_account()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    question_key: Mapped[str] = mapped_column(Text, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(80))
    answers: Mapped[int] = mapped_column(Integer, default=0)
    free_text_answers: Mapped[int] = mapped_column(Integer, default=0)


class AnalyticsDailyFreeText(Base):
    """Free-text answers per account, day, question and answer (lower-cased), with the day's newest session."""

    __tablename__ = "analytics_daily_free_text"
    account_id: Mapped[uuid.UUID] = _rollup_account()
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    question_key: Mapped[str] = mapped_column(Text, primary_key=True)
    answer_key: Mapped[str] = mapped_column(Text, primary_key=True)
    answer: Mapped[str] = mapped_column(Text)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    example_session_id: Mapped[str] = mapped_column(String(36))
    example_created_at: Mapped[datetime] = mapped_column()


class AnalyticsRollupState(Base):
    """Per account: the rollups hold every day before ``rolled_through`` (a UTC midnight)."""

    __tablename__ = "analytics_rollup_state"
    account_id: Mapped[uuid.UUID] = _rollup_account()
    rolled_through: Mapped[datetime] = mapped_column()
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
