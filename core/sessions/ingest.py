"""Import sessions (with their steps) from JSON Lines: one session per line.

Every line is validated on its own; a bad line is reported with its number and the reason and skipped, good lines
are imported. The session ``id`` is the idempotency key: a line whose id is already stored in the same account is
skipped as a duplicate (so importing a file twice changes nothing); the same id in another account is an error.
Closed sessions enter the flywheel queue (``analysis_status = 'pending'``). The caller owns the transaction.

The format (README "Ingest format"): ``id, account, engineer_email, status, confidence_tier, problem_domain,
problem_summary, intake, conversation, matched_flow_id, match_score, rating, resolution_summary, psa_ticket_id,
created_at, resolved_at, ended_at, steps[{step_number, step_type, content, selected_option, was_free_text,
free_text_input, action_result, flow_node_id, created_at}]``.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import parse_uuid
from core.enums import AnalysisStatus, SessionStatus
from core.models import (
    CLOSED_STATUSES,
    CONFIDENCE_TIERS,
    SESSION_STATUSES,
    STEP_TYPES,
    Account,
    AISession,
    AISessionStep,
    Tree,
    User,
)
from core.trees import is_procedural, iter_nodes

REQUIRED = ("id", "status", "confidence_tier", "problem_summary", "created_at", "steps")
OPTIONAL = (
    "account",
    "engineer_email",
    "problem_domain",
    "intake",
    "conversation",
    "matched_flow_id",
    "match_score",
    "rating",
    "resolution_summary",
    "psa_ticket_id",
    "resolved_at",
    "ended_at",
)
STEP_FIELDS = (
    "step_number",
    "step_type",
    "content",
    "selected_option",
    "was_free_text",
    "free_text_input",
    "action_result",
    "flow_node_id",
    "created_at",
)
INTAKE_FIELDS = ("subject", "description", "requester", "device")
MESSAGE_ROLES = ("user", "assistant", "system")  # what the importer accepts; core.transcript reads them
MAX_SUMMARY = 4000
MAX_DOMAIN = 80
MAX_TICKET = 80
MAX_NODE_ID = 120


class BadLine(ValueError):
    """One reason a line cannot be imported."""


@dataclass
class IngestReport:
    imported: int = 0
    skipped_duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Accounts that received sessions: their analytics rollups need a full rebuild (old days changed).
    accounts: set[uuid.UUID] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"imported {self.imported}, skipped {self.skipped_duplicates} duplicate(s), {len(self.errors)} bad line(s)"
        )


class _Lookups:
    """Accounts, engineers and flows seen so far, so a large file costs one query per distinct value."""

    def __init__(self, db: Session):
        self.db = db
        self.accounts: dict[str, Account | None] = {}
        self.users: dict[tuple[uuid.UUID, str], User | None] = {}
        self.flows: dict[uuid.UUID, tuple[uuid.UUID, set[str]] | None] = {}

    def account(self, slug: str) -> Account | None:
        if slug not in self.accounts:
            self.accounts[slug] = self.db.scalar(select(Account).where(Account.slug == slug))
        return self.accounts[slug]

    def user(self, account_id: uuid.UUID, email: str) -> User | None:
        key = (account_id, email.strip().lower())
        if key not in self.users:
            self.users[key] = self.db.scalar(
                select(User).where(User.account_id == account_id, func.lower(User.email) == key[1])
            )
        return self.users[key]

    def flow(self, flow_id: uuid.UUID) -> tuple[uuid.UUID, set[str]] | None:
        """(account id, node ids) of a flow."""
        if flow_id not in self.flows:
            tree = self.db.get(Tree, flow_id)
            if tree is None:
                self.flows[flow_id] = None
            else:
                structure = tree.tree_structure or {}
                if is_procedural(structure):
                    ids = {str(s.get("id")) for s in structure.get("steps") or [] if isinstance(s, dict)}
                else:
                    ids = {str(n.get("id")) for n, _p, _d in iter_nodes(structure)}
                self.flows[flow_id] = (tree.account_id, ids)
        return self.flows[flow_id]


def ingest_lines(db: Session, lines: Iterable[str], account_id: uuid.UUID | None = None) -> IngestReport:
    """Import every valid line; report duplicates and bad lines (1-based line numbers). Blank lines are ignored.

    With ``account_id`` lines may leave out ``account`` (they go to that account) and a line naming another
    account is an error; without it every line must name its account by slug.
    """
    report = IngestReport()
    lookups = _Lookups(db)
    default_account = db.get(Account, account_id) if account_id is not None else None
    if account_id is not None and default_account is None:
        raise ValueError(f"account {account_id} does not exist")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = _parse(line)
            session, steps = _validate(record, lookups, default_account)
            existing = db.scalar(select(AISession.account_id).where(AISession.id == session["id"]))
            if existing is not None:
                if existing != session["account_id"]:
                    raise BadLine(f"id {session['id']} already exists in another account")
                report.skipped_duplicates += 1
                continue
            with db.begin_nested():
                db.add(AISession(**session))
                db.flush()
                db.add_all(AISessionStep(**step) for step in steps)
                db.flush()
        except BadLine as exc:
            report.errors.append((number, str(exc)))
        except IntegrityError as exc:
            report.errors.append((number, f"rejected by the database: {exc.orig}"))
        else:
            report.imported += 1
            report.accounts.add(session["account_id"])
    return report


def _parse(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"bad JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise BadLine(f"a line must be a JSON object, got {_kind(record)}")
    return record


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _validate(
    record: dict[str, Any], lookups: _Lookups, default_account: Account | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise BadLine(f"unknown field '{unknown[0]}'")
    for name in REQUIRED:
        if name not in record or record[name] is None:
            raise BadLine(f"missing field '{name}'")
    session_id = _uuid(record["id"], "id")
    account = _account(record.get("account"), lookups, default_account)
    status = _enum(record["status"], "status", SESSION_STATUSES)
    tier = _enum(record["confidence_tier"], "confidence_tier", CONFIDENCE_TIERS)
    summary = _text(record["problem_summary"], "problem_summary", MAX_SUMMARY)
    domain = _optional_text(record.get("problem_domain"), "problem_domain", MAX_DOMAIN)
    engineer = None
    email = _optional_text(record.get("engineer_email"), "engineer_email", 320)
    if email:
        engineer = lookups.user(account.id, email)
        if engineer is None:
            raise BadLine(f"unknown engineer '{email}' in account '{account.slug}'")
    intake = _intake(record.get("intake"))
    conversation = _conversation(record.get("conversation"))
    flow_nodes: set[str] | None = None
    flow_id = None
    if record.get("matched_flow_id") is not None:
        flow_id = _uuid(record["matched_flow_id"], "matched_flow_id")
        flow = lookups.flow(flow_id)
        if flow is None:
            raise BadLine(f"matched_flow_id {flow_id} does not exist")
        if flow[0] != account.id:
            raise BadLine(f"matched_flow_id {flow_id} belongs to another account")
        flow_nodes = flow[1]
    score = _score(record.get("match_score"))
    rating = _rating(record.get("rating"))
    resolution = _optional_text(record.get("resolution_summary"), "resolution_summary", MAX_SUMMARY)
    ticket = _optional_text(record.get("psa_ticket_id"), "psa_ticket_id", MAX_TICKET)
    created = _timestamp(record["created_at"], "created_at")
    resolved = _timestamp(record.get("resolved_at"), "resolved_at")
    ended = _timestamp(record.get("ended_at"), "ended_at")
    _check_times(status, created, resolved, ended)
    steps = _steps(record["steps"], session_id, account.id, created, ended, flow_nodes)
    session = {
        "id": session_id,
        "account_id": account.id,
        "team_id": engineer.team_id if engineer else None,
        "engineer_id": engineer.id if engineer else None,
        "status": status,
        "confidence_tier": tier,
        "problem_domain": domain,
        "problem_summary": summary,
        "intake_content": intake,
        "conversation_messages": conversation,
        "matched_flow_id": flow_id,
        "match_score": score,
        "rating": rating,
        "resolution_summary": resolution,
        "psa_ticket_id": ticket,
        "created_at": created,
        "resolved_at": resolved,
        "ended_at": ended,
        "analysis_status": AnalysisStatus.PENDING.value if status in CLOSED_STATUSES else None,
    }
    return session, steps


def _account(slug: Any, lookups: _Lookups, default: Account | None) -> Account:
    if slug is None:
        if default is None:
            raise BadLine("missing field 'account'")
        return default
    if not isinstance(slug, str) or not slug.strip():
        raise BadLine(f"account must be a non-empty string (an account slug), got {_kind(slug)}")
    account = lookups.account(slug.strip())
    if account is None:
        raise BadLine(f"unknown account '{slug}'")
    if default is not None and account.id != default.id:
        raise BadLine(f"account '{slug}' is not the account being imported into ('{default.slug}')")
    return account


def _uuid(value: Any, name: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a UUID string, got {_kind(value)}")
    key = parse_uuid(value)
    if key is None:
        raise BadLine(f"{name} must be a UUID, got '{value}'")
    return key


def _enum(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        shown = f"'{value}'" if isinstance(value, str) else _kind(value)
        raise BadLine(f"{name} must be one of {', '.join(allowed)}; got {shown}")
    return value


def _text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a string, got {_kind(value)}")
    if not value.strip():
        raise BadLine(f"{name} is empty")
    if len(value) > limit:
        raise BadLine(f"{name} is longer than {limit} characters")
    return value


def _optional_text(value: Any, name: str, limit: int) -> str | None:
    return None if value is None else _text(value, name, limit)


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadLine(f"match_score must be a number, got {_kind(value)}")
    if not 0 <= value <= 1:
        raise BadLine(f"match_score must be between 0 and 1, got {value}")
    return float(value)


def _rating(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadLine(f"rating must be a whole number 1-5, got {_kind(value)}")
    if not 1 <= value <= 5:
        raise BadLine(f"rating must be between 1 and 5, got {value}")
    return value


def _timestamp(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f"{name} must be an ISO-8601 string, got {_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadLine(f"{name} is not an ISO-8601 timestamp: '{value}'") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadLine(f"{name} needs a UTC offset (e.g. 2026-11-20T09:30:00+00:00): '{value}'")
    return parsed


def _check_times(status: str, created: datetime, resolved: datetime | None, ended: datetime | None) -> None:
    if status == SessionStatus.ACTIVE:
        if ended is not None or resolved is not None:
            raise BadLine("an active session has no ended_at or resolved_at")
        return
    article = "an" if status[0] in "aeiou" else "a"
    if ended is None:
        raise BadLine(f"{article} {status} session needs ended_at")
    if status == SessionStatus.RESOLVED and resolved is None:
        raise BadLine("a resolved session needs resolved_at")
    if status != SessionStatus.RESOLVED and resolved is not None:
        raise BadLine(f"{article} {status} session has no resolved_at")
    if ended < created:
        raise BadLine("timestamps out of order: ended_at is before created_at")
    if resolved is not None and not created <= resolved <= ended:
        raise BadLine("timestamps out of order: resolved_at must lie between created_at and ended_at")


def _intake(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadLine(f"intake must be an object, got {_kind(value)}")
    for key, item in value.items():
        if key not in INTAKE_FIELDS:
            raise BadLine(f"intake: unknown field '{key}' (allowed: {', '.join(INTAKE_FIELDS)})")
        if item is not None and not isinstance(item, str):
            raise BadLine(f"intake.{key} must be a string, got {_kind(item)}")
    return value


def _conversation(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadLine(f"conversation must be an array, got {_kind(value)}")
    for index, message in enumerate(value):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise BadLine(f"conversation[{index}] must be an object with exactly role and content")
        if message["role"] not in MESSAGE_ROLES:
            raise BadLine(f"conversation[{index}].role must be one of {', '.join(MESSAGE_ROLES)}")
        if not isinstance(message["content"], str):
            raise BadLine(f"conversation[{index}].content must be a string, got {_kind(message['content'])}")
    return value


def _steps(
    value: Any,
    session_id: uuid.UUID,
    account_id: uuid.UUID,
    created: datetime,
    ended: datetime | None,
    flow_nodes: set[str] | None,
) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise BadLine(f"steps must be an array, got {_kind(value)}")
    rows = []
    for index, step in enumerate(value):
        where = f"steps[{index}]"
        if not isinstance(step, dict):
            raise BadLine(f"{where} must be an object, got {_kind(step)}")
        unknown = sorted(set(step) - set(STEP_FIELDS))
        if unknown:
            raise BadLine(f"{where}: unknown field '{unknown[0]}'")
        number = step.get("step_number", index + 1)
        if isinstance(number, bool) or not isinstance(number, int) or number != index + 1:
            raise BadLine(f"{where}: step_number must be {index + 1} (steps are numbered 1, 2, 3 … in order)")
        if "step_type" not in step:
            raise BadLine(f"{where}: missing field 'step_type'")
        step_type = _enum(step["step_type"], f"{where}.step_type", STEP_TYPES)
        content = step.get("content") or {}
        if not isinstance(content, dict):
            raise BadLine(f"{where}.content must be an object, got {_kind(content)}")
        was_free_text = step.get("was_free_text", False)
        if not isinstance(was_free_text, bool):
            raise BadLine(f"{where}.was_free_text must be true or false, got {_kind(was_free_text)}")
        free_text = _optional_text(step.get("free_text_input"), f"{where}.free_text_input", MAX_SUMMARY)
        if was_free_text and not free_text:
            raise BadLine(f"{where}: was_free_text is true but free_text_input is missing")
        node_id = _optional_text(step.get("flow_node_id"), f"{where}.flow_node_id", MAX_NODE_ID)
        if node_id is not None:
            if flow_nodes is None:
                raise BadLine(f"{where}: flow_node_id '{node_id}' given but the session has no matched_flow_id")
            if node_id not in flow_nodes:
                raise BadLine(f"{where}: flow_node_id '{node_id}' is not a node of the matched flow")
        at = _timestamp(step.get("created_at"), f"{where}.created_at")
        if at is not None and (at < created or (ended is not None and at > ended)):
            raise BadLine(f"timestamps out of order: {where}.created_at is outside the session")
        rows.append(
            {
                "id": uuid.uuid5(session_id, str(index + 1)),
                "session_id": session_id,
                "account_id": account_id,
                "step_number": index + 1,
                "step_type": step_type,
                "content": content,
                "selected_option": _optional_text(step.get("selected_option"), f"{where}.selected_option", 2000),
                "was_free_text": was_free_text,
                "free_text_input": free_text,
                "action_result": _optional_text(step.get("action_result"), f"{where}.action_result", MAX_SUMMARY),
                "flow_node_id": node_id,
                "created_at": at
                or min(created + timedelta(seconds=index + 1), ended or datetime.max.replace(tzinfo=created.tzinfo)),
            }
        )
    return rows
