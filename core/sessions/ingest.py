"""Import sessions (with their steps) from JSON Lines: one session per line.

Every line is read, decoded, parsed and validated on its own (:mod:`core.sessions.jsonl`,
:mod:`core.sessions.ingest_rules`); a bad line is reported with its number and the reason and costs no other line.
Good lines are written in batches of multi-row inserts, so a large file streams through in bounded memory.

The session ``id`` is the idempotency key: a line whose session is already stored with the same content is skipped
as a duplicate (so importing a file twice changes nothing); the same id with different content is a *conflict*,
reported as a bad line (the stored session is kept); a UUID id stored in another account is an error. Closed
sessions enter the flywheel queue (``analysis_status = 'pending'``).

The caller owns the transaction; ``after_batch`` (e.g. ``db.commit``) is called after every written batch, so a
caller that commits there keeps what was written if the process stops half-way.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import JSON, Table, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.models import Account, AISession, AISessionStep
from core.sessions.ingest_rules import Lookups, validate
from core.sessions.jsonl import BadLine, TooLong, decode_line, parse_record, read_lines

log = logging.getLogger(__name__)

BATCH_SESSIONS = 1000
BATCH_BYTES = 16 * 1024 * 1024
_SESSIONS = AISession.__table__
_STEPS = AISessionStep.__table__


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

    @property
    def conflicts(self) -> int:
        return sum(1 for _number, reason in self.errors if reason.startswith("conflict:"))

    def summary(self) -> str:
        return (
            f"imported {self.imported}, skipped {self.skipped_duplicates} duplicate(s), {len(self.errors)} bad line(s)"
        )


@dataclass
class _Line:
    """A validated line waiting for its batch to be written."""

    number: int
    external_id: str
    session: dict[str, Any]
    steps: list[dict[str, Any]]


def ingest_lines(
    db: Session,
    lines: Iterable[str | bytes],
    account_id: uuid.UUID | None = None,
    *,
    create_users: bool = False,
    after_batch: Callable[[], None] | None = None,
) -> IngestReport:
    """Import every valid line (text or bytes, numbered from 1); report duplicates, conflicts and bad lines.

    With ``account_id`` lines may leave out ``account`` (they go to that account) and a line naming another account
    is an error; without it every line must name its account by slug. ``create_users`` adds an unknown
    ``engineer_email`` as an engineer of the line's account instead of refusing the line.
    """
    return _ingest(db, enumerate(lines, start=1), account_id, create_users, after_batch)


def ingest_stream(
    db: Session,
    stream: BinaryIO,
    account_id: uuid.UUID | None = None,
    *,
    create_users: bool = False,
    after_batch: Callable[[], None] | None = None,
) -> IngestReport:
    """:func:`ingest_lines` over a binary stream, split on ``\\n`` only and read a line at a time."""
    return _ingest(db, read_lines(stream), account_id, create_users, after_batch)


def _ingest(
    db: Session,
    numbered: Iterator[tuple[int, str | bytes | TooLong]],
    account_id: uuid.UUID | None,
    create_users: bool,
    after_batch: Callable[[], None] | None,
) -> IngestReport:
    report = IngestReport()
    lookups = Lookups(db, create_users=create_users)
    default_account = db.get(Account, account_id) if account_id is not None else None
    if account_id is not None and default_account is None:
        raise ValueError(f"account {account_id} does not exist")
    batch: dict[uuid.UUID, _Line] = {}
    batch_bytes = 0
    for number, data in numbered:
        try:
            text = decode_line(data)
            if not text.strip():
                continue
            record = parse_record(text)
            session, steps = validate(record, lookups, default_account)
        except BadLine as exc:
            report.errors.append((number, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - whatever a line does, it costs only that line
            # INFO, not WARNING: an unconfigured logger would print the traceback the reason replaces.
            log.info("ingest line %s refused", number, exc_info=True, extra={"line": number})
            first = (str(exc).splitlines() or [""])[0][:200]
            report.errors.append((number, f"could not be read ({exc.__class__.__name__}: {first})"))
            continue
        _add(batch, _Line(number, str(record["id"]), session, steps), report)
        batch_bytes += len(data) if not isinstance(data, TooLong) else 0
        if len(batch) >= BATCH_SESSIONS or batch_bytes >= BATCH_BYTES:
            _write(db, batch, report, after_batch)
            batch, batch_bytes = {}, 0
    _write(db, batch, report, after_batch)
    report.errors.sort()
    return report


def _add(batch: dict[uuid.UUID, _Line], line: _Line, report: IngestReport) -> None:
    """Queue a line, unless an earlier line of the same batch already holds its session."""
    earlier = batch.get(line.session["id"])
    if earlier is None:
        batch[line.session["id"]] = line
    elif earlier.session["account_id"] != line.session["account_id"]:
        report.errors.append((line.number, f"id {line.external_id} already exists in another account"))
    elif earlier.session["ingest_digest"] == line.session["ingest_digest"]:
        report.skipped_duplicates += 1
    else:
        report.errors.append((line.number, _conflict(line)))


def _conflict(line: _Line) -> str:
    return f"conflict: id {line.external_id} was already imported with different content; the first is kept"


def _write(
    db: Session, batch: dict[uuid.UUID, _Line], report: IngestReport, after_batch: Callable[[], None] | None
) -> None:
    if not batch:
        return
    stored = {
        row.id: row
        for row in db.execute(
            select(AISession.id, AISession.account_id, AISession.ingest_digest).where(AISession.id.in_(list(batch)))
        )
    }
    fresh = []
    for key, line in batch.items():
        row = stored.get(key)
        if row is None:
            fresh.append(line)
        elif row.account_id != line.session["account_id"]:
            report.errors.append((line.number, f"id {line.external_id} already exists in another account"))
        elif row.ingest_digest is None or row.ingest_digest == line.session["ingest_digest"]:
            # A session stored without a fingerprint (made here, or before fingerprints) cannot be compared.
            report.skipped_duplicates += 1
        else:
            report.errors.append((line.number, _conflict(line)))
    if fresh:
        try:
            with db.begin_nested():
                _insert(db, fresh)
        except _Refused:
            # One row the database refuses must not cost the batch: find it line by line.
            for line in fresh:
                try:
                    with db.begin_nested():
                        _insert(db, [line])
                except _Refused as exc:
                    report.errors.append((line.number, f"rejected by the database: {exc}"))
                else:
                    _imported(report, [line])
        else:
            _imported(report, fresh)
    if after_batch is not None:
        after_batch()


class _Refused(Exception):
    """The database refused a write; the message is the first line of its reason."""


def _insert(db: Session, lines: list[_Line]) -> None:
    """Multi-row inserts; on PostgreSQL COPY, which is several times faster for thousands of rows."""
    sessions = [line.session for line in lines]
    steps = [step for line in lines for step in line.steps]
    write = _copy if db.get_bind().dialect.name == "postgresql" else _execute_many
    for table, rows in ((_SESSIONS, sessions), (_STEPS, steps)):
        if rows:
            write(db, table, rows)


def _execute_many(db: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """SQLite: one prepared INSERT over all rows, each value converted by its column type's own bind processor
    (what SQLAlchemy does per row, without its per-row bookkeeping, which cost a third of the import)."""
    dialect = db.get_bind().dialect
    defaults = _scalar_defaults(table, rows[0])
    columns = [*rows[0], *defaults]
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    if sorted(compiled.positiontup or ()) != sorted(columns):  # a default computed per row: let SQLAlchemy do it
        try:
            db.execute(insert(table), rows)
        except DBAPIError as exc:
            raise _Refused(_first_line(exc.orig)) from None
        return
    names = compiled.positiontup
    converters = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    params = []
    for row in rows:
        values = {**defaults, **row}
        params.append(tuple(f(values[n]) if f else values[n] for n, f in zip(names, converters, strict=True)))
    raw = db.connection().connection.driver_connection
    try:
        raw.executemany(compiled.string, params)
    except sqlite3.Error as exc:
        raise _Refused(_first_line(exc)) from None


def _copy(db: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY, which bypasses the column types: JSON is written as its text."""
    import psycopg
    from psycopg import sql

    defaults = _scalar_defaults(table, rows[0])
    columns = [*rows[0], *defaults]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    raw = db.connection().connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = {**row, **defaults}
                copy.write_row([json.dumps(values[c]) if c in json_columns else values[c] for c in columns])
    except psycopg.Error as exc:
        raise _Refused(_first_line(exc)) from None


def _scalar_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The model's fixed defaults of the columns ``row`` leaves out (analysis_attempts = 0 …), which a raw
    statement would otherwise leave NULL."""
    return {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in row and c.default is not None and c.default.is_scalar
    }


def _first_line(exc: BaseException | None) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def _imported(report: IngestReport, lines: list[_Line]) -> None:
    report.imported += len(lines)
    report.accounts.update(line.session["account_id"] for line in lines)
