"""Read-only execution of report and ad-hoc SQL, with a statement timeout, a row cap and a byte cap.

Rows are fetched in chunks of :data:`FETCH_CHUNK_ROWS`; fetching stops at the row cap, at the byte cap (the size of
the values fetched so far) or when the time limit has passed, whichever comes first, and the result says which.
Text cells longer than :data:`DEFAULT_CELL_CHARS` are cut for display (the result counts them). One row is fetched
whole, so a single row can still exceed the byte cap by its own size.

* PostgreSQL: one transaction opened with ``SET TRANSACTION READ ONLY``, ``statement_timeout`` and ``TimeZone``
  set locally (they end with the transaction). Ad-hoc SQL additionally runs as the non-owner role
  ``flowpilot_reader`` with ``flowpilot.account_id`` set, so row-level security shows one account's rows only
  (see :mod:`core.reports.tenant_views`). Rows are fetched through a server-side cursor, so the cap bounds the transfer.
* SQLite: a separate connection opened with ``mode=ro`` (the file cannot be written through it, whatever the
  SQL says) plus ``PRAGMA query_only``; a progress handler interrupts the statement after the timeout. Ad-hoc SQL
  additionally reads temporary views over one account's rows under an authorizer that denies everything else
  (see :mod:`core.reports.sqlite_tenant`).

This takes an Engine, not a Session: a read-only transaction must be the first thing its connection does, so
it cannot share the caller's unit of work.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import NullPool

from core import sqlfunctions
from core.reports.sqlite_tenant import SqliteConfinementError, confine
from core.reports.tenant_views import READER_ROLE, SETTING_NAME
from core.sqlfiles import bind_value, json_safe


class ReportError(Exception):
    """A report or query could not run; the message is meant for the person who ran it."""


class QueryTimeout(ReportError):
    """The statement ran longer than the configured timeout and was stopped."""


class QueryFailed(ReportError):
    """The database refused or failed the statement (syntax, missing table, permission ...)."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        # 1-based character offset into the statement, when the database reports one (PostgreSQL does).
        self.position = position


CHART_KINDS = ("bar", "line", "area", "scatter", "pie")
FETCH_CHUNK_ROWS = 100
DEFAULT_BYTE_CAP = 20_000_000
DEFAULT_CELL_CHARS = 2_000


@dataclass(frozen=True)
class ChartSpec:
    """How to draw a result: ``kind`` of chart, ``x`` and ``y`` columns, optional ``colour`` column."""

    kind: str
    x: str
    y: str
    colour: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind '{self.kind}' (use one of {', '.join(CHART_KINDS)})")
        if not self.x or not self.y:
            raise ValueError("a chart needs both x= and y= columns")

    def missing_columns(self, columns: list[str]) -> list[str]:
        return [c for c in (self.x, self.y, self.colour) if c and c not in columns]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "x": self.x, "y": self.y, "colour": self.colour}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartSpec:
        return cls(str(data["kind"]), str(data["x"]), str(data["y"]), data.get("colour") or None)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    row_cap: int
    truncated: bool = False
    elapsed_ms: float = 0.0
    sql: str = field(default="", repr=False)
    # Why fetching stopped before the end: "rows" (the row cap), "bytes" (the byte cap) or "time"; None when it did not.
    stopped_by: str | None = None
    byte_cap: int = DEFAULT_BYTE_CAP
    cell_chars: int = DEFAULT_CELL_CHARS
    cut_cells: int = 0

    @property
    def cap_message(self) -> str | None:
        """What the page says about rows or cells left out, or None when everything is shown."""
        parts = []
        shown = f"Only the first {len(self.rows):,} rows are shown"
        if self.truncated and self.stopped_by == "bytes":
            parts.append(
                f"{shown}: the result passed the {_megabytes(self.byte_cap)} cap on data fetched, so fetching "
                "stopped there. Select fewer or narrower columns, or aggregate."
            )
        elif self.truncated and self.stopped_by == "time":
            parts.append(f"{shown}: fetching stopped at the time limit. Narrow the query to see everything.")
        elif self.truncated:
            parts.append(
                f"Only the first {self.row_cap:,} rows are shown: the result hit the row cap. "
                "Narrow the parameters or aggregate further to see everything."
            )
        if self.cut_cells:
            cells = "1 cell was" if self.cut_cells == 1 else f"{self.cut_cells:,} cells were"
            parts.append(
                f"{cells} longer than {self.cell_chars:,} characters and {'is' if self.cut_cells == 1 else 'are'} cut (…)."
            )
        return " ".join(parts) or None


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:g} MB"


def _size(value: Any) -> int:
    """Roughly the bytes a fetched value takes: its length for text and bytes, 8 for anything else."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        return len(value)
    return 8 if value is not None else 1


def _cut(value: Any, limit: int) -> tuple[Any, bool]:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…", True
    return value, False


def timeout_message(timeout_ms: int) -> str:
    return (
        f"The query ran longer than {timeout_ms / 1000:g} s and was stopped (statement timeout). "
        "Narrow the period or simplify the query."
    )


def run_readonly(
    engine: Engine,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    timeout_ms: int,
    row_cap: int,
    tenant_account_id: uuid.UUID | None = None,
    byte_cap: int | None = None,
    cell_chars: int = DEFAULT_CELL_CHARS,
) -> QueryResult:
    """Run one SELECT read-only; return at most ``row_cap`` rows and about ``byte_cap`` bytes of values
    (``truncated`` and ``stopped_by`` say when more existed), text cells cut to ``cell_chars``.

    ``tenant_account_id`` confines the statement to that account's rows: by row-level security on PostgreSQL, by
    temporary views and an authorizer on SQLite. Raises :class:`QueryTimeout` or :class:`QueryFailed`.
    """
    if row_cap < 1:
        raise ValueError("row_cap must be at least 1")
    byte_cap = DEFAULT_BYTE_CAP if byte_cap is None else byte_cap
    dialect = engine.dialect.name
    bound = {k: bind_value(v, dialect) for k, v in (params or {}).items()}
    started = time.monotonic()
    deadline = started + timeout_ms / 1000
    try:
        opener = _postgres if dialect == "postgresql" else _sqlite
        with opener(engine, timeout_ms, tenant_account_id, byte_cap) as conn:
            # Server-side cursor on PostgreSQL: a chunk at a time leaves the server, and fetching stops at a cap.
            chunk = min(row_cap + 1, FETCH_CHUNK_ROWS)
            statement = text(sql).execution_options(stream_results=True, max_row_buffer=chunk)
            result = conn.execute(statement, bound)
            columns = list(result.keys())
            fetched, stopped_by = _fetch(result, chunk, row_cap, byte_cap, deadline)
            result.close()
    except DBAPIError as exc:
        raise _translate(exc, timeout_ms) from exc
    except StatementError as exc:  # a ":name" the SQL never meant as a parameter, e.g. inside a string
        found = re.search(r"bind parameter '([^']*)'", str(exc.orig))
        name = f":{found.group(1)}" if found else "a :name"
        raise QueryFailed(
            f"The SQL reads {name} as a parameter that has no value; inside a string, write \\: for a colon."
        ) from exc
    rows, cut_cells = [], 0
    for row in fetched[:row_cap]:
        shown = {}
        for key, value in zip(columns, row, strict=True):
            shown[key], cut = _cut(json_safe(value), cell_chars)
            cut_cells += cut
        rows.append(shown)
    return QueryResult(
        columns=columns,
        rows=rows,
        row_cap=row_cap,
        truncated=stopped_by is not None,
        elapsed_ms=(time.monotonic() - started) * 1000,
        sql=sql,
        stopped_by=stopped_by,
        byte_cap=byte_cap,
        cell_chars=cell_chars,
        cut_cells=cut_cells,
    )


def _fetch(result: Any, chunk: int, row_cap: int, byte_cap: int, deadline: float) -> tuple[list[Any], str | None]:
    """Rows in chunks until the end, the row cap (one row past it tells that more exist), the byte cap or the
    deadline; returns the rows and what stopped the fetching (None: the end was reached)."""
    fetched: list[Any] = []
    size = 0
    while True:
        rows = result.fetchmany(chunk)
        for row in rows:
            if len(fetched) == row_cap:
                return fetched, "rows"
            size += sum(_size(value) for value in row)
            if size > byte_cap and fetched:
                return fetched, "bytes"
            fetched.append(row)
        if len(rows) < chunk:
            return fetched, None
        if size > byte_cap:
            return fetched, "bytes"
        if time.monotonic() > deadline:
            return fetched, "time"


_PROBE_HEAD = "SELECT * FROM (\n"
_PROBE_TAIL = "\n) AS report_probe LIMIT 0"


def probe_columns(engine: Engine, sql: str, params: dict[str, Any] | None = None, *, timeout_ms: int) -> list[str]:
    """Compile ``sql`` on the live database without reading rows (read-only, with timeout); return its
    columns. A :class:`QueryFailed` carries the position of the error inside ``sql`` when the database says."""
    dialect = engine.dialect.name
    bound = {k: bind_value(v, dialect) for k, v in (params or {}).items()}
    body = sql.strip().rstrip(";")
    try:
        opener = _postgres if dialect == "postgresql" else _sqlite
        with opener(engine, timeout_ms, None, DEFAULT_BYTE_CAP) as conn:
            return list(conn.execute(text(_PROBE_HEAD + body + _PROBE_TAIL), bound).keys())
    except DBAPIError as exc:
        error = _translate(exc, timeout_ms)
        if isinstance(error, QueryFailed) and error.position:
            error.position = max(1, error.position - len(_PROBE_HEAD) + (len(sql) - len(sql.lstrip())))
        raise error from exc


@contextmanager
def _postgres(engine: Engine, timeout_ms: int, tenant: uuid.UUID | None, _byte_cap: int) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin() as tx:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(int(timeout_ms))})
        # Week and day buckets must not depend on the server's time zone.
        conn.execute(text("SELECT set_config('TimeZone', 'UTC', true)"))
        if tenant is not None:
            conn.execute(
                text("SELECT set_config(:name, :account, true), set_config('role', :role, true)"),
                {"name": SETTING_NAME, "account": str(tenant), "role": READER_ROLE},
            )
        try:
            yield conn
        finally:
            tx.rollback()


@contextmanager
def _sqlite(engine: Engine, timeout_ms: int, tenant: uuid.UUID | None, byte_cap: int) -> Iterator[Connection]:
    deadline = time.monotonic() + timeout_ms / 1000
    path = engine.url.database or ""
    with _readonly_sqlite_engine(path).connect() as conn:
        raw = conn.connection.driver_connection
        confinement = None
        if tenant is not None:
            try:
                confinement = confine(conn, _readonly_uri(path), tenant, byte_cap)
            except SqliteConfinementError as exc:
                raise ReportError(str(exc)) from exc
        raw.execute("PRAGMA query_only = ON")
        raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
        if confinement is not None:
            raw.set_authorizer(confinement.authorize)
        try:
            yield conn
        except DBAPIError as exc:
            # The authorizer knows what it refused; SQLite only says "not authorized".
            if confinement is not None and confinement.denied:
                raise QueryFailed(confinement.denied) from exc
            raise
        finally:
            raw.set_authorizer(None)
            raw.set_progress_handler(None, 0)


def _readonly_uri(path: str) -> str:
    return f"file:{quote(path)}?mode=ro"


@lru_cache(maxsize=8)
def _readonly_sqlite_engine(path: str) -> Engine:
    if not path or path == ":memory:":
        raise ReportError("Reports need a database file; an in-memory SQLite database cannot be opened read-only.")
    uri = _readonly_uri(path)

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        conn.isolation_level = None
        sqlfunctions.register(conn)  # reports call utc_day() & co. like the shared SQL does
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _translate(exc: DBAPIError, timeout_ms: int) -> ReportError:
    orig = exc.orig
    if type(orig).__name__ == "QueryCanceled" or (
        isinstance(orig, sqlite3.OperationalError) and "interrupt" in str(orig)
    ):
        return QueryTimeout(timeout_message(timeout_ms))
    if isinstance(orig, sqlite3.DataError | sqlite3.OperationalError) and "too big" in str(orig):
        return QueryFailed("A value in the query grew past the size the query may fetch; select or build less.")
    diag = getattr(orig, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(orig)).strip().splitlines()[0]
    position = getattr(diag, "statement_position", None)
    return QueryFailed(message, int(position) if position else None)
