"""The daily LLM budget: ``llm_usage`` holds one row per account per UTC day.

A call is reserved before it is made (``calls < budget`` checked and incremented in one statement, so several
workers cannot overspend together); tokens are added after the answer arrives.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.models import LLMUsage


def utc_day(now: datetime) -> date:
    return now.astimezone(timezone.utc).date()


def next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(utc_day(now) + timedelta(days=1), time(0), tzinfo=timezone.utc)


def _ensure_row(db: Session, account_id: uuid.UUID, day: date) -> None:
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(LLMUsage).values(
        id=uuid.uuid4(), account_id=account_id, day=day, calls=0, input_tokens=0, output_tokens=0, cache_read_tokens=0
    )
    db.execute(stmt.on_conflict_do_nothing(index_elements=["account_id", "day"]))


def reserve_call(db: Session, account_id: uuid.UUID, now: datetime, budget: int) -> bool:
    """Count one LLM call against today's budget; False (nothing counted) when the budget is spent."""
    day = utc_day(now)
    _ensure_row(db, account_id, day)
    result = db.execute(
        update(LLMUsage)
        .where(LLMUsage.account_id == account_id, LLMUsage.day == day, LLMUsage.calls < budget)
        .values(calls=LLMUsage.calls + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_usage(
    db: Session,
    account_id: uuid.UUID,
    now: datetime,
    *,
    calls: int = 0,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
) -> None:
    """Add tokens (and calls made without a reservation, e.g. by a failed attempt) to today's row."""
    day = utc_day(now)
    _ensure_row(db, account_id, day)
    db.execute(
        update(LLMUsage)
        .where(LLMUsage.account_id == account_id, LLMUsage.day == day)
        .values(
            calls=LLMUsage.calls + calls,
            input_tokens=LLMUsage.input_tokens + input_tokens,
            output_tokens=LLMUsage.output_tokens + output_tokens,
            cache_read_tokens=LLMUsage.cache_read_tokens + cache_read_tokens,
        )
        .execution_options(synchronize_session=False)
    )
