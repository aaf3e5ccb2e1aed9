"""Reading AI sessions for the Sessions page: filtered, paginated lists and one session in full.

Every function takes the signed-in account's id and never returns a row of another account: a session id of
another account behaves exactly like an unknown id (``SessionNotFound``), so ids cannot be probed.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.auth import CurrentUser, PermissionDenied
from core.enums import UserRole
from core.flywheel import queue
from core.flywheel.queue import REQUEUEABLE, NotRequeueable  # noqa: F401 - re-exported for the page
from core.models import (
    ANALYSIS_STATUSES,
    CONFIDENCE_TIERS,
    SESSION_STATUSES,
    AISession,
    AISessionStep,
    FlowProposal,
    Tree,
    User,
)
from core.transcript import IntakeField, StepContent, Turn, read_transcript
from core.trees import child_by_label, find_node
from core.workspace import problem_domains

# Filter value for sessions whose problem_domain is NULL (the classifier could not place them).
UNCLASSIFIED = "unclassified"
# Filter value for sessions that never entered the flywheel queue (analysis_status NULL, e.g. still active).
NOT_QUEUED = "not queued"
MAX_PAGE_SIZE = 500
SEARCH_MAX_CHARS = 200


class SessionNotFound(LookupError):
    """No session with this id in the signed-in account (unknown or another account's)."""

    def __init__(self, session_id: object = None) -> None:
        super().__init__("Session not found")
        self.session_id = session_id


class InvalidFilter(ValueError):
    """A filter value the list cannot apply; the message names it."""


@dataclass(frozen=True)
class SessionFilter:
    """What the Sessions list shows. Empty tuples mean "any"; dates are UTC days, both ends inclusive."""

    statuses: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    analysis_statuses: tuple[str, ...] = ()
    text: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class SessionRow:
    id: str
    created_at: datetime
    status: str
    confidence_tier: str
    problem_domain: str
    problem_summary: str
    engineer: str
    matched_flow: str
    match_score: float | None
    rating: int | None
    duration_minutes: float | None
    free_text_escapes: int
    analysis_status: str
    psa_ticket_id: str


@dataclass(frozen=True)
class SessionPage:
    rows: list[SessionRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.page_size + 1

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1 if self.rows else 0


@dataclass(frozen=True)
class StepView(StepContent):
    """A step as ``core.transcript`` reads it, plus whether its choice left the session's matched flow."""

    # A listed option was picked that the matched flow does not have at this node: a divergence, like free text.
    off_flow: bool = False


@dataclass(frozen=True)
class SessionDetail:
    id: uuid.UUID
    # The id the source system gave an imported session (None for sessions made here).
    external_id: str | None
    status: str
    confidence_tier: str
    problem_domain: str | None
    problem_summary: str
    engineer: str
    created_at: datetime
    resolved_at: datetime | None
    ended_at: datetime | None
    duration_minutes: float | None
    rating: int | None
    psa_ticket_id: str | None
    resolution_summary: str | None
    matched_flow_id: str | None
    matched_flow: str | None
    match_score: float | None
    intake: list[IntakeField]
    conversation: list[Turn]
    steps: list[StepView]
    analysis_status: str | None
    analysis_outcome: str | None
    analysis_reason: str | None
    analysis_error: str | None
    analysis_attempts: int
    analyzed_at: datetime | None
    analysis_proposal_id: str | None
    proposal_title: str | None
    proposal_status: str | None
    escapes: list[StepView] = field(default_factory=list)

    @property
    def can_requeue(self) -> bool:
        return self.analysis_status in REQUEUEABLE


# The fields of SessionDetail that are the session's own columns, shown as stored.
_SESSION_COLUMNS = (
    "id",
    "status",
    "confidence_tier",
    "problem_domain",
    "problem_summary",
    "created_at",
    "resolved_at",
    "ended_at",
    "rating",
    "psa_ticket_id",
    "resolution_summary",
    "match_score",
    "analysis_status",
    "analysis_outcome",
    "analysis_reason",
    "analysis_error",
    "analysis_attempts",
    "analyzed_at",
)


def _check(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidFilter(f"Unknown {what} {unknown[0]!r}; choose from {', '.join(allowed)}.")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(account_id: uuid.UUID, flt: SessionFilter) -> list[Any]:
    _check(flt.statuses, SESSION_STATUSES, "status")
    _check(flt.tiers, CONFIDENCE_TIERS, "confidence tier")
    _check(flt.analysis_statuses, (*ANALYSIS_STATUSES, NOT_QUEUED), "analysis status")
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise InvalidFilter(f"The start date {flt.date_from} is after the end date {flt.date_to}.")
    text = flt.text.strip()
    if len(text) > SEARCH_MAX_CHARS:
        raise InvalidFilter(f"The search text is longer than {SEARCH_MAX_CHARS} characters.")

    conds: list[Any] = [AISession.account_id == account_id]
    if flt.statuses:
        conds.append(AISession.status.in_(flt.statuses))
    if flt.tiers:
        conds.append(AISession.confidence_tier.in_(flt.tiers))
    if flt.domains:
        named = [d for d in flt.domains if d != UNCLASSIFIED]
        either = [AISession.problem_domain.in_(named)] if named else []
        if UNCLASSIFIED in flt.domains:
            either.append(AISession.problem_domain.is_(None))
        conds.append(or_(*either) if either else false())
    if flt.analysis_statuses:
        named = [s for s in flt.analysis_statuses if s != NOT_QUEUED]
        either = [AISession.analysis_status.in_(named)] if named else []
        if NOT_QUEUED in flt.analysis_statuses:
            either.append(AISession.analysis_status.is_(None))
        conds.append(or_(*either))
    if text:
        pattern = f"%{_escape_like(text.lower())}%"
        conds.append(
            or_(
                *(
                    func.lower(func.coalesce(col, "")).like(pattern, escape="\\")
                    for col in (
                        AISession.problem_summary,
                        AISession.resolution_summary,
                        AISession.psa_ticket_id,
                        AISession.external_id,
                    )
                )
            )
        )
    if flt.date_from:
        conds.append(AISession.created_at >= _day_start(flt.date_from))
    if flt.date_to:
        conds.append(AISession.created_at < _day_start(flt.date_to + timedelta(days=1)))
    return conds


# The query parameters a link to the Sessions list may carry (Analytics drills down through them), each repeatable.
LINK_PARAMS = ("domain", "status", "tier", "from", "to")


@dataclass(frozen=True)
class LinkedFilter:
    """The filter a link asks for, and one message per value it names that the list cannot apply."""

    filter: SessionFilter
    ignored: tuple[str, ...] = ()


def _link_day(values: Sequence[str], name: str, ignored: list[str]) -> date | None:
    for value in values[:1]:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            ignored.append(f"'{value[:40]}' is not a date for '{name}' (write it as YYYY-MM-DD).")
    return None


def _link_choices(values: Sequence[str], allowed: tuple[str, ...], what: str, ignored: list[str]) -> tuple[str, ...]:
    chosen = []
    for value in values:
        if value in allowed:
            chosen.append(value)
        else:
            ignored.append(f"'{value[:40]}' is not a {what} ({', '.join(allowed)}).")
    return tuple(dict.fromkeys(chosen))


def filter_from_link(params: Mapping[str, Sequence[str]]) -> LinkedFilter:
    """The filter of a link's query parameters (``domain``, ``status``, ``tier``, ``from``, ``to``; each may repeat,
    dates are ``YYYY-MM-DD``). A value the list cannot apply is left out and named in ``ignored``, so a stale or
    hand-edited link still opens the list with everything else it asked for."""
    ignored: list[str] = []
    domains = tuple(dict.fromkeys(d.strip()[:80] for d in params.get("domain", ()) if d.strip()))
    flt = SessionFilter(
        statuses=_link_choices(params.get("status", ()), SESSION_STATUSES, "session status", ignored),
        tiers=_link_choices(params.get("tier", ()), CONFIDENCE_TIERS, "confidence tier", ignored),
        domains=domains,
        date_from=_link_day(params.get("from", ()), "from", ignored),
        date_to=_link_day(params.get("to", ()), "to", ignored),
    )
    return LinkedFilter(flt, tuple(ignored))


def link_params(flt: SessionFilter) -> dict[str, list[str]]:
    """The query parameters of a link that opens the list with ``flt``'s domains, statuses, tiers and dates
    (search text and analysis status stay out of links); an empty list for a parameter the filter leaves open."""
    return {
        "domain": list(flt.domains),
        "status": list(flt.statuses),
        "tier": list(flt.tiers),
        "from": [flt.date_from.isoformat()] if flt.date_from else [],
        "to": [flt.date_to.isoformat()] if flt.date_to else [],
    }


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _rows_query(account_id: uuid.UUID, flt: SessionFilter) -> Select[Any]:
    engineer = aliased(User)
    flow = aliased(Tree)
    escapes = (
        select(func.count())
        .where(AISessionStep.session_id == AISession.id, AISessionStep.was_free_text.is_(True))
        .correlate(AISession)
        .scalar_subquery()
    )
    return (
        select(AISession, engineer.name, flow.name, escapes)
        # Joins carry the account too, so a stray cross-account reference can never leak a name.
        .outerjoin(engineer, and_(engineer.id == AISession.engineer_id, engineer.account_id == AISession.account_id))
        .outerjoin(flow, and_(flow.id == AISession.matched_flow_id, flow.account_id == AISession.account_id))
        .where(*_conditions(account_id, flt))
        .order_by(AISession.created_at.desc(), AISession.id.desc())
    )


def _row(s: AISession, engineer: str | None, flow: str | None, escapes: int) -> SessionRow:
    return SessionRow(
        id=str(s.id),
        created_at=s.created_at,
        status=s.status,
        confidence_tier=s.confidence_tier,
        problem_domain=s.problem_domain or UNCLASSIFIED,
        problem_summary=s.problem_summary,
        engineer=engineer or "",
        matched_flow=flow or "",
        match_score=s.match_score,
        rating=s.rating,
        duration_minutes=_minutes(s.created_at, s.ended_at),
        free_text_escapes=int(escapes or 0),
        analysis_status=s.analysis_status or NOT_QUEUED,
        psa_ticket_id=s.psa_ticket_id or "",
    )


def list_sessions(
    db: Session, account_id: uuid.UUID, flt: SessionFilter | None = None, *, page: int = 1, page_size: int = 50
) -> SessionPage:
    """One page of the account's sessions, newest first. A page past the end shows the last page."""
    flt = flt or SessionFilter()
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidFilter(f"Page size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}.")
    if page < 1:
        raise InvalidFilter(f"Page numbers start at 1, not {page}.")
    total = db.scalar(select(func.count()).select_from(AISession).where(*_conditions(account_id, flt))) or 0
    page = min(page, max(1, -(-total // page_size)))
    result = db.execute(_rows_query(account_id, flt).limit(page_size).offset((page - 1) * page_size)).all()
    return SessionPage(rows=[_row(*r) for r in result], total=total, page=page, page_size=page_size)


def export_sessions(db: Session, account_id: uuid.UUID, flt: SessionFilter | None, *, limit: int) -> list[SessionRow]:
    """Every session the filter matches, newest first, at most ``limit`` rows (the CSV download)."""
    result = db.execute(_rows_query(account_id, flt or SessionFilter()).limit(limit)).all()
    return [_row(*r) for r in result]


def to_csv(rows: list[SessionRow]) -> str:
    out = io.StringIO()
    names = list(SessionRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        values["created_at"] = row.created_at.isoformat(timespec="seconds")
        writer.writerow(values)
    return out.getvalue()


def domain_options(db: Session, account_id: uuid.UUID) -> list[str]:
    """The account's session domains, alphabetical, then ``unclassified`` for sessions without one."""
    return [*problem_domains(db, AISession, account_id), UNCLASSIFIED]


def _scoped(db: Session, account_id: uuid.UUID, session_id: uuid.UUID) -> AISession:
    session = db.get(AISession, session_id)
    if session is None or session.account_id != account_id:
        raise SessionNotFound(session_id)
    return session


def _step_view(step: StepContent, tree: dict[str, Any] | None) -> StepView:
    off_flow = False
    if tree and step.node_id and step.selected and not step.was_free_text:
        node = find_node(tree, step.node_id)
        off_flow = bool(node and node.get("type") == "question" and child_by_label(node, step.selected) is None)
    return StepView(**vars(step), off_flow=off_flow)


def get_session(db: Session, account_id: uuid.UUID, session_id: uuid.UUID) -> SessionDetail:
    """One session of the account, read-only, with its steps in order; SessionNotFound otherwise."""
    s = _scoped(db, account_id, session_id)
    engineer = db.get(User, s.engineer_id) if s.engineer_id else None
    flow = db.get(Tree, s.matched_flow_id) if s.matched_flow_id else None
    if flow is not None and flow.account_id != account_id:
        flow = None
    proposal = db.get(FlowProposal, s.analysis_proposal_id) if s.analysis_proposal_id else None
    if proposal is not None and proposal.account_id != account_id:
        proposal = None
    tree = flow.tree_structure if flow is not None and isinstance(flow.tree_structure, dict) else None
    transcript = read_transcript(
        s,
        db.scalars(
            select(AISessionStep)
            .where(AISessionStep.session_id == s.id, AISessionStep.account_id == account_id)
            .order_by(AISessionStep.step_number)
        ),
    )
    steps = [_step_view(step, tree) for step in transcript.steps]
    return SessionDetail(
        **{column: getattr(s, column) for column in _SESSION_COLUMNS},
        external_id=s.external_id if s.external_id != str(s.id) else None,
        engineer=engineer.name if engineer is not None and engineer.account_id == account_id else "",
        duration_minutes=_minutes(s.created_at, s.ended_at),
        matched_flow_id=str(flow.id) if flow is not None else None,
        matched_flow=flow.name if flow is not None else None,
        intake=transcript.intake,
        conversation=transcript.turns,
        steps=steps,
        analysis_proposal_id=str(proposal.id) if proposal is not None else None,
        proposal_title=proposal.title if proposal is not None else None,
        proposal_status=proposal.status if proposal is not None else None,
        escapes=[st for st in steps if st.was_free_text or st.off_flow],
    )


def requeue_analysis(db: Session, user: CurrentUser, session_id: uuid.UUID) -> None:
    """Send a failed or deferred analysis of the user's account back to the flywheel queue, due now.

    The queue rules (which statuses, the fresh retry budget, the error kept in ``analysis_reason``) are the
    flywheel's own (``core.flywheel.queue.requeue``); this adds the account scope and refuses viewers.
    """
    s = _scoped(db, user.account_id, session_id)
    if user.role == UserRole.VIEWER and not user.is_super_admin:
        raise PermissionDenied("Viewers cannot re-queue an analysis.")
    queue.requeue(db, user.account_id, s.id)
