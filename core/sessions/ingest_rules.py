"""The rules of one ingest line (README "Ingest format"): from a parsed JSON object to the rows it stores.

:func:`validate` raises :class:`~core.sessions.jsonl.BadLine` with the first broken rule, or returns the session
row and its step rows. The session's key is internal: a UUID ``id`` is used as the key itself (so links and older
imports keep working), any other id (up to 200 characters) is kept as ``external_id`` and the key is derived from
the account and that id, so the same line always lands on the same row.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts import AccountError, engineer_for
from core.db import parse_uuid
from core.enums import AnalysisStatus, ConfidenceTier, SessionStatus
from core.models import CLOSED_STATUSES, CONFIDENCE_TIERS, SESSION_STATUSES, STEP_TYPES, Account, Tree, User
from core.sessions.jsonl import BadLine, kind
from core.trees import is_procedural, iter_nodes

REQUIRED = ("id", "status", "problem_summary", "created_at", "steps")
OPTIONAL = (
    "account",
    "confidence_tier",
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
MAX_ID = 200
MAX_SUMMARY = 4000
MAX_DOMAIN = 80
MAX_TICKET = 80
MAX_NODE_ID = 120
MAX_STEPS = 1000
MAX_MESSAGES = 5000
# Timestamps outside these bounds are typing errors, and some (year 1 at +14:00) cannot even be moved to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Keys of sessions whose id is not a UUID: uuid5 of the account and the external id in this namespace.
EXTERNAL_ID_NAMESPACE = uuid.UUID("8d4f3c52-6a1e-4f0b-9d57-2c1b7e9a0f31")


class Lookups:
    """Accounts, engineers and flows seen so far, so a large file costs one query per distinct value."""

    def __init__(self, db: Session, create_users: bool = False):
        self.db = db
        self.create_users = create_users
        self.accounts: dict[str, Account | None] = {}
        self.users: dict[tuple[uuid.UUID, str], User | None] = {}
        self.flows: dict[uuid.UUID, tuple[uuid.UUID, set[str]] | None] = {}

    def account(self, slug: str) -> Account | None:
        if slug not in self.accounts:
            self.accounts[slug] = self.db.scalar(select(Account).where(Account.slug == slug))
        return self.accounts[slug]

    def user(self, account: Account, email: str) -> User:
        key = (account.id, email.strip().lower())
        if key not in self.users:
            if self.create_users:
                try:
                    with self.db.begin_nested():
                        self.users[key] = engineer_for(self.db, account, email)
                except AccountError as exc:
                    raise BadLine(str(exc)) from None
            else:
                self.users[key] = self.db.scalar(
                    select(User).where(User.account_id == account.id, func.lower(User.email) == key[1])
                )
        user = self.users[key]
        if user is None:
            raise BadLine(f"unknown engineer '{email}' in account '{account.slug}' (--create-users adds them)")
        return user

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


def session_key(account_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """The internal key of a session imported with ``external_id`` into ``account_id`` (stable across runs)."""
    return parse_uuid(external_id) or uuid.uuid5(EXTERNAL_ID_NAMESPACE, f"{account_id}/{external_id}")


def digest(record: dict[str, Any]) -> str:
    """Fingerprint of a line's content (the account it names aside): equal lines, equal digests."""
    content = {k: v for k, v in record.items() if k != "account"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def validate(
    record: dict[str, Any], lookups: Lookups, default_account: Account | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session row and step rows one record stores, or :class:`BadLine` with the first broken rule."""
    unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise BadLine(f"unknown field '{unknown[0]}'")
    for name in REQUIRED:
        if name not in record or record[name] is None:
            raise BadLine(f"missing field '{name}'")
    external_id = _external_id(record["id"])
    account = _account(record.get("account"), lookups, default_account)
    session_id = session_key(account.id, external_id)
    status = _enum(record["status"], "status", SESSION_STATUSES)
    tier = record.get("confidence_tier")
    tier = ConfidenceTier.UNKNOWN.value if tier is None else _enum(tier, "confidence_tier", CONFIDENCE_TIERS)
    summary = _text(record["problem_summary"], "problem_summary", MAX_SUMMARY)
    domain = _optional_text(record.get("problem_domain"), "problem_domain", MAX_DOMAIN)
    email = _optional_text(record.get("engineer_email"), "engineer_email", 320)
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
    # Last, so a line refused for another reason creates nobody.
    engineer = lookups.user(account, email) if email else None
    session = {
        "id": session_id,
        "external_id": external_id if parse_uuid(external_id) is None else str(session_id),
        "ingest_digest": digest(record),
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


def _external_id(value: Any) -> str:
    if not isinstance(value, str):
        raise BadLine(f"id must be a string, got {kind(value)}")
    if not value.strip():
        raise BadLine("id is empty")
    if len(value) > MAX_ID:
        raise BadLine(f"id is longer than {MAX_ID} characters ({len(value):,})")
    if not value.isprintable():
        raise BadLine("id contains a control or invisible character")
    return value


def _account(slug: Any, lookups: Lookups, default: Account | None) -> Account:
    if slug is None:
        if default is None:
            raise BadLine("missing field 'account'")
        return default
    if not isinstance(slug, str) or not slug.strip():
        raise BadLine(f"account must be a non-empty string (an account slug), got {kind(slug)}")
    account = lookups.account(slug.strip())
    if account is None:
        raise BadLine(f"unknown account '{slug[:80]}'")
    if default is not None and account.id != default.id:
        raise BadLine(f"account '{slug}' is not the account being imported into ('{default.slug}')")
    return account


def _uuid(value: Any, name: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a UUID string, got {kind(value)}")
    key = parse_uuid(value)
    if key is None:
        raise BadLine(f"{name} must be a UUID, got '{value[:80]}'")
    return key


def _enum(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        shown = f"'{value[:80]}'" if isinstance(value, str) else kind(value)
        raise BadLine(f"{name} must be one of {', '.join(allowed)}; got {shown}")
    return value


def _text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a string, got {kind(value)}")
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
        raise BadLine(f"match_score must be a number, got {kind(value)}")
    if not 0 <= value <= 1:
        raise BadLine(f"match_score must be between 0 and 1, got {value}")
    return float(value)


def _rating(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadLine(f"rating must be a whole number 1-5, got {kind(value)}")
    if not 1 <= value <= 5:
        raise BadLine(f"rating must be between 1 and 5, got {value}")
    return value


def _timestamp(value: Any, name: str) -> datetime | None:
    """A UTC timestamp between 1970 and 2200 (a wider range is a typing error and may not even convert)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f"{name} must be an ISO-8601 string, got {kind(value)}")
    shown = value if len(value) <= 40 else value[:39] + "…"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadLine(f"{name} is not an ISO-8601 timestamp: '{shown}'") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadLine(f"{name} needs a UTC offset (e.g. 2026-11-20T09:30:00+00:00): '{shown}'")
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise BadLine(f"{name} is out of range (1970 to 2199): '{shown}'")
    return utc


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
        raise BadLine(f"intake must be an object, got {kind(value)}")
    for key, item in value.items():
        if key not in INTAKE_FIELDS:
            raise BadLine(f"intake: unknown field '{key[:80]}' (allowed: {', '.join(INTAKE_FIELDS)})")
        if item is not None and not isinstance(item, str):
            raise BadLine(f"intake.{key} must be a string, got {kind(item)}")
    return value


def _conversation(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadLine(f"conversation must be an array, got {kind(value)}")
    if len(value) > MAX_MESSAGES:
        raise BadLine(f"conversation has {len(value):,} messages; at most {MAX_MESSAGES:,}")
    for index, message in enumerate(value):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise BadLine(f"conversation[{index}] must be an object with exactly role and content")
        if message["role"] not in MESSAGE_ROLES:
            raise BadLine(f"conversation[{index}].role must be one of {', '.join(MESSAGE_ROLES)}")
        if not isinstance(message["content"], str):
            raise BadLine(f"conversation[{index}].content must be a string, got {kind(message['content'])}")
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
        raise BadLine(f"steps must be an array, got {kind(value)}")
    if len(value) > MAX_STEPS:
        raise BadLine(f"steps has {len(value):,} entries; at most {MAX_STEPS:,}")
    rows = []
    for index, step in enumerate(value):
        where = f"steps[{index}]"
        if not isinstance(step, dict):
            raise BadLine(f"{where} must be an object, got {kind(step)}")
        unknown = sorted(set(step) - set(STEP_FIELDS))
        if unknown:
            raise BadLine(f"{where}: unknown field '{unknown[0][:80]}'")
        number = step.get("step_number", index + 1)
        if isinstance(number, bool) or not isinstance(number, int) or number != index + 1:
            raise BadLine(f"{where}: step_number must be {index + 1} (steps are numbered 1, 2, 3 … in order)")
        if "step_type" not in step:
            raise BadLine(f"{where}: missing field 'step_type'")
        step_type = _enum(step["step_type"], f"{where}.step_type", STEP_TYPES)
        content = step.get("content") or {}
        if not isinstance(content, dict):
            raise BadLine(f"{where}.content must be an object, got {kind(content)}")
        was_free_text = step.get("was_free_text", False)
        if not isinstance(was_free_text, bool):
            raise BadLine(f"{where}.was_free_text must be true or false, got {kind(was_free_text)}")
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
        if at is None:
            # One second apart from the session's start, never past its end.
            at = created + timedelta(seconds=index + 1)
            at = min(at, ended) if ended is not None else at
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
                "created_at": at,
            }
        )
    return rows
