"""Ad-hoc read-only SQL for analysts, and queries saved as named reports of an account.

Checks before anything reaches the database (the SQL is *parsed* with sqlglot, not pattern-matched):
* exactly one statement, and it is a query (SELECT, set operations, CTEs);
* no DML or DDL anywhere inside it (data-modifying CTEs, ``SELECT ... INTO``, ``FOR UPDATE`` locks);
* no function with side effects or that runs SQL text, reads server files, waits, or changes settings
  (``set_config``, ``pg_sleep``, ``pg_terminate_backend``, ``lo_*``, ``dblink*``, ``pg_read_file``,
  ``nextval``, ``query_to_xml`` ..., and SQLite's ``load_extension``/``readfile``/``writefile``);
* the only ``:parameter`` is ``:account_id``, which the app supplies.

Then it runs read-only with a timeout, a row cap and a byte cap (:mod:`core.reports.execute`), confined to the
user's account whatever the SQL says: on PostgreSQL as the ``flowpilot_reader`` role under row-level security
(:mod:`core.reports.tenant_views`), on SQLite through temporary views over the account's rows and an authorizer that
denies everything else (:mod:`core.reports.sqlite_tenant`). Both show the same tables and columns
(:func:`readable_schema`).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from core.auth import CurrentUser, PermissionDenied
from core.models import SavedReport
from core.reports.execute import ChartSpec, QueryResult, ReportError, run_readonly
from core.reports.tenant_views import ReadableTable, ensure_ready, readable_tables
from core.sqlfiles import used_params

APP_PARAMS = frozenset({"account_id"})
SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite"}

# Exact names, lower case, as called (schema qualification is ignored: pg_catalog.set_config is set_config).
BLOCKED_FUNCTIONS = frozenset(
    {
        "set_config",
        "pg_sleep",
        "pg_sleep_for",
        "pg_sleep_until",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_stat_file",
        "pg_file_write",
        "pg_file_rename",
        "pg_file_unlink",
        "pg_notify",
        "pg_switch_wal",
        "pg_promote",
        "pg_create_restore_point",
        "pg_logical_emit_message",
        "pg_log_backend_memory_contexts",
        "pg_import_system_collations",
        "pg_drop_replication_slot",
        "nextval",
        "setval",
        "txid_current",
        "pg_current_xact_id",
        "query_to_xml",
        "query_to_xmlschema",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "ts_stat",
        "ts_rewrite",
        "load_extension",
        "readfile",
        "writefile",
        "fts3_tokenizer",
    }
)
BLOCKED_PREFIXES = (
    "lo_",
    "dblink",
    "pg_advisory",
    "pg_try_advisory",
    "pg_ls_",
    "pg_create_",
    "pg_replication_origin",
    "pg_stat_reset",
    "pg_wal_replay",
    "pg_backup",
    "pg_start_backup",
    "pg_stop_backup",
)
_FORBIDDEN_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "TruncateTable",
        "Command",
        "Copy",
        "Into",
        "Lock",
        "Transaction",
        "Commit",
        "Rollback",
        "Set",
        "Pragma",
        "Attach",
        "Detach",
        "Grant",
        "Use",
        "LoadData",
    )
    if hasattr(exp, name)
)
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)
# A second net over the raw text, in case sqlglot and the database ever tokenize a statement differently:
# a blocked name followed by "(" anywhere (even inside a string) is refused, and so are U&"..." escapes, which
# could spell a blocked name that the parser would not recognise.
_RAW_CALL = re.compile(
    r'(?<![\w$])"?((?:'
    + "|".join(sorted(BLOCKED_FUNCTIONS))
    + "|"
    + "|".join(p + r"\w*" for p in BLOCKED_PREFIXES)
    + r'))"?\s*\(',
    re.IGNORECASE,
)
_UNICODE_ESCAPE = re.compile(r"(?<![\w$])u&[\"']", re.IGNORECASE)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


class QueryRefused(ReportError):
    """The SQL is not a single side-effect-free SELECT; ``line`` is 1-based within the SQL when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class DuplicateReportName(ReportError):
    """The account already has a saved report with this name."""


@dataclass(frozen=True)
class AdhocAccess:
    allowed: bool
    reason: str = ""


def check_select(sql: str, dialect: str, allowed_params: frozenset[str] | set[str] = APP_PARAMS) -> None:
    """Raise :class:`QueryRefused` unless ``sql`` is exactly one SELECT without side effects whose
    ``:parameters`` are all in ``allowed_params``."""
    if not sql or not sql.strip():
        raise QueryRefused("The query is empty.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=SQLGLOT_DIALECTS.get(dialect, dialect)) if s is not None]
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None) or [{}]
        first = errors[0]
        detail = first.get("description") or str(exc).splitlines()[0]
        raise QueryRefused(f"The SQL could not be parsed: {detail}", first.get("line")) from exc
    except RecursionError as exc:  # thousands of nested parentheses or subqueries
        raise QueryRefused("The SQL is nested too deeply to be checked; simplify it.") from exc
    if not statements:
        raise QueryRefused("The query is empty.")
    if len(statements) > 1:
        raise QueryRefused(f"Only one statement is allowed; this SQL has {len(statements)}.")
    statement = statements[0]
    if not isinstance(statement, _QUERY_ROOTS):
        kind = str(statement.this).upper() if statement.key == "command" else statement.key.upper()
        kind = {"TRUNCATETABLE": "TRUNCATE", "TRANSACTION": "BEGIN"}.get(kind, kind)
        raise QueryRefused(f"Only SELECT queries are allowed, not {kind}.")
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise QueryRefused(f"Only read-only SELECT queries are allowed; {_describe(node)} is refused.")
        if isinstance(node, exp.Func):
            for name in _function_names(node):
                if name in BLOCKED_FUNCTIONS or name.startswith(BLOCKED_PREFIXES):
                    raise QueryRefused(
                        f"The function {name}() is refused: it has side effects or reaches outside the query."
                    )
    if _UNICODE_ESCAPE.search(sql):
        raise QueryRefused('Unicode-escaped names and strings (U&"...") are not allowed in ad-hoc SQL.')
    raw = _RAW_CALL.search(sql)
    if raw:
        raise QueryRefused(
            f"The function {raw.group(1).lower()}() is refused: it has side effects or reaches outside the query."
        )
    unknown = [p for p in used_params(sql) if p not in allowed_params]
    if unknown:
        allowed = ", ".join(f":{p}" for p in sorted(allowed_params)) or "none"
        raise QueryRefused(f"Unknown parameter :{unknown[0]}; ad-hoc SQL may use only {allowed}.")


def _function_names(node: exp.Func) -> list[str]:
    if isinstance(node, exp.Anonymous):
        return [str(node.name).lower()]
    return [name.lower() for name in type(node).sql_names()]


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Into):
        return "SELECT ... INTO"
    if isinstance(node, exp.Lock):
        return "a row lock (FOR UPDATE/SHARE)"
    return f"a {node.key.upper()} inside the query"


def adhoc_access(user: CurrentUser) -> AdhocAccess:
    """Who may write ad-hoc SQL: analysts and team admins (and super admins), on either database."""
    if not user.is_analyst:
        role = user.role.replace("_", " ")
        article = "an" if role[:1] in "aeiou" else "a"
        return AdhocAccess(False, f"Ad-hoc SQL is for analysts and team admins; you are {article} {role}.")
    return AdhocAccess(True)


def _require_access(user: CurrentUser) -> None:
    access = adhoc_access(user)
    if not access.allowed:
        raise PermissionDenied(access.reason)


def run_adhoc(
    engine: Engine, user: CurrentUser, sql: str, *, timeout_ms: int, row_cap: int, byte_cap: int | None = None
) -> QueryResult:
    """Check and run an analyst's SQL read-only, confined to the user's account."""
    _require_access(user)
    return _run_checked(engine, user.account_id, sql, timeout_ms=timeout_ms, row_cap=row_cap, byte_cap=byte_cap)


def _run_checked(
    engine: Engine, account_id: uuid.UUID, sql: str, *, timeout_ms: int, row_cap: int, byte_cap: int | None
) -> QueryResult:
    dialect = engine.dialect.name
    check_select(sql, dialect)
    params = {"account_id": account_id} if "account_id" in used_params(sql) else {}
    _ensure_confinement(engine)
    return run_readonly(
        engine, sql, params, timeout_ms=timeout_ms, row_cap=row_cap, tenant_account_id=account_id, byte_cap=byte_cap
    )


def _ensure_confinement(engine: Engine) -> None:
    try:
        ensure_ready(engine)
    except RuntimeError as exc:
        raise ReportError(str(exc)) from exc


def readable_schema(engine: Engine) -> list[ReadableTable]:
    """The tables and columns an analyst's ad-hoc SQL may read (each confined to their account), for the editor."""
    _ensure_confinement(engine)
    with engine.connect() as conn:
        return readable_tables(conn)


def save_report(
    db: Session,
    user: CurrentUser,
    name: str,
    sql: str,
    description: str = "",
    chart: ChartSpec | None = None,
) -> SavedReport:
    """Save ``sql`` as a named report of the user's account (checked like ad-hoc SQL first)."""
    dialect = db.get_bind().dialect.name
    _require_access(user)
    name = (name or "").strip()
    if not name:
        raise ReportError("Give the report a name.")
    if len(name) > 200:
        raise ReportError("The name is longer than 200 characters.")
    check_select(sql, dialect)
    taken = db.scalar(select(SavedReport.id).where(SavedReport.account_id == user.account_id, SavedReport.name == name))
    if taken is not None:
        raise DuplicateReportName(f"A saved report named '{name}' already exists in this account.")
    report = SavedReport(
        account_id=user.account_id,
        name=name,
        description=(description or "").strip(),
        sql=sql.strip(),
        chart=chart.as_dict() if chart else None,
        created_by=user.id,
    )
    db.add(report)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:  # saved meanwhile by someone else
        raise DuplicateReportName(f"A saved report named '{name}' already exists in this account.") from exc
    return report


def list_saved_reports(db: Session, account_id: uuid.UUID) -> list[SavedReport]:
    return list(db.scalars(select(SavedReport).where(SavedReport.account_id == account_id).order_by(SavedReport.name)))


def get_saved_report(db: Session, user: CurrentUser, report_id: uuid.UUID) -> SavedReport:
    report = db.get(SavedReport, report_id)
    if report is None or report.account_id != user.account_id:
        raise ReportError("That saved report does not exist in this account.")
    return report


def delete_saved_report(db: Session, user: CurrentUser, report_id: uuid.UUID) -> None:
    _require_access(user)
    db.delete(get_saved_report(db, user, report_id))
    db.flush()


def run_saved_report(
    engine: Engine,
    user: CurrentUser,
    report: SavedReport,
    *,
    timeout_ms: int,
    row_cap: int,
    byte_cap: int | None = None,
) -> QueryResult:
    """Anyone in the account may run its saved reports; the SQL is re-checked and confined like ad-hoc SQL."""
    if report.account_id != user.account_id:
        raise PermissionDenied("This saved report belongs to another account.")
    return _run_checked(engine, user.account_id, report.sql, timeout_ms=timeout_ms, row_cap=row_cap, byte_cap=byte_cap)


def chart_of(report: SavedReport) -> ChartSpec | None:
    data: dict[str, Any] | None = report.chart
    return ChartSpec.from_dict(data) if data else None
