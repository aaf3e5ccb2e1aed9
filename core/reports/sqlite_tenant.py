"""Ad-hoc SQL on SQLite confined to one account's rows: the SQLite counterpart of the reader role's row-level security.

On the fresh read-only connection :mod:`core.reports.execute` opens for one query, :func:`confine`:

1. attaches the same database file a second time, read-only, under a random name that only this connection knows;
2. creates, for every table of :func:`core.reports.tenant_views.readable_tables`, a TEMP view with the table's own
   name over that account's rows of the attached copy (plus the shared rows whose nullable ``account_id`` is NULL).
   SQLite looks names up in ``temp`` first, so ``FROM ai_sessions`` reads the view;
3. installs an authorizer that allows a SELECT, recursive CTEs, reading those views, reading the attached copy while
   expanding the view of the same name, and the functions in :data:`ALLOWED_FUNCTIONS`. Everything else is denied:
   ``main.ai_sessions``, ``sqlite_master``, tables outside the set, PRAGMA, ATTACH, any write, ``load_extension``,
   table-valued functions. The first denial is kept, so the error says what was refused and why.

Why the second name: while a view is expanded, the authorizer is told which view is reading; a CTE named like a table
is reported the same way, so reads of ``main`` made by a view could not be told from a CTE's. Reads of a schema whose
name the SQL cannot know can. The connection also caps the length of any string or blob it builds, so one value
cannot take more memory than the query may fetch.

Identifiers in the view DDL come from the database's own catalogue and are quoted here (SQLite has no server-side
``format('%I')``); the account is never written into SQL: the views call :data:`ACCOUNT_FUNCTION`, a function
registered on this connection alone.
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from core.reports.tenant_views import ReadableTable, readable_tables

ACCOUNT_FUNCTION = "flowpilot_account_id"
MIN_VALUE_BYTES = 1_000_000

# Functions without side effects that an analyst's query (or a view) may call, by lower-case name. Anything else,
# notably load_extension, readfile/writefile, fts3_tokenizer and sqlite_* introspection, is denied.
ALLOWED_FUNCTIONS = frozenset(
    {
        # core scalar functions
        "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "instr",
        "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length",
        "printf", "quote", "random", "randomblob", "replace", "round", "rtrim", "sign", "soundex", "substr",
        "substring", "trim", "typeof", "unhex", "unicode", "unlikely", "upper", "zeroblob",
        # aggregates
        "avg", "count", "group_concat", "string_agg", "sum", "total",
        # date and time
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
        # window functions
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
        "first_value", "last_value", "nth_value",
        # mathematics
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees",
        "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh",
        "sqrt", "tan", "tanh", "trunc",
        # JSON values (the table-valued json_each and json_tree are not available)
        "json", "json_array", "json_array_length", "json_extract", "json_insert", "json_object", "json_patch",
        "json_quote", "json_remove", "json_replace", "json_set", "json_type", "json_valid",
        "json_group_array", "json_group_object", "->", "->>",
        # the portable functions of core.sqlfunctions, and the account the views filter by
        "utc_day", "utc_week", "minutes_between", ACCOUNT_FUNCTION,
    }
)  # fmt: skip

_VERBS = {
    sqlite3.SQLITE_INSERT: "insert rows",
    sqlite3.SQLITE_UPDATE: "update rows",
    sqlite3.SQLITE_DELETE: "delete rows",
    sqlite3.SQLITE_TRANSACTION: "open or end a transaction",
    sqlite3.SQLITE_SAVEPOINT: "set a savepoint",
    sqlite3.SQLITE_ANALYZE: "run ANALYZE",
    sqlite3.SQLITE_REINDEX: "run REINDEX",
    sqlite3.SQLITE_ALTER_TABLE: "alter a table",
}


class SqliteConfinementError(RuntimeError):
    """The views over the account's rows could not be created (the file cannot be attached, for instance)."""


@dataclass
class Confinement:
    """The authorizer of one confined connection; ``denied`` says what it refused first (None: nothing)."""

    views: frozenset[str]
    source: str
    # Tables of the database outside the readable set, by lower-case name.
    hidden: frozenset[str] = frozenset()
    denied: str | None = field(default=None)

    def authorize(self, action: int, arg1: str | None, arg2: str | None, schema: str | None, inner: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and self._may_read(arg1 or "", schema or "", inner or ""):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ALLOWED_FUNCTIONS:
            return sqlite3.SQLITE_OK
        if self.denied is None:
            self.denied = self._explain(action, arg1 or "", arg2 or "", schema or "")
        return sqlite3.SQLITE_DENY

    def _may_read(self, table: str, schema: str, inner: str) -> bool:
        name = table.lower()
        if not schema:
            # A count(*) names its table as written (no schema when unqualified); a CTE has none either.
            return name in self.views or not (name in self.hidden or name.startswith("sqlite_"))
        if schema == "temp":
            return name in self.views
        # The attached copy, read by the view of the same name while SQLite expands it.
        return schema == self.source and name in self.views and inner.lower() == name

    def _explain(self, action: int, arg1: str, arg2: str, schema: str) -> str:
        table_valued = action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master"  # creating json_each & co.
        if action == sqlite3.SQLITE_READ and arg1.lower().startswith(("pragma_", "json_each", "json_tree")):
            table_valued = True
        if table_valued:
            return "Table-valued functions (json_each, pragma_table_info …) are not available in ad-hoc SQL on SQLite."
        if action == sqlite3.SQLITE_READ:
            if arg1.lower() in self.views and schema:
                return f"{schema}.{arg1} is not readable: write {arg1} (without a schema) to read your account's rows."
            return (
                f"The table {arg1} is not readable by ad-hoc SQL; the tables you may read are listed beside the editor."
            )
        if action == sqlite3.SQLITE_FUNCTION:
            return f"The function {arg2}() is not available in ad-hoc SQL."
        if action == sqlite3.SQLITE_PRAGMA:
            return f"PRAGMA {arg1} is not allowed in ad-hoc SQL."
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            return "Attaching or detaching databases is not allowed in ad-hoc SQL."
        verb = _VERBS.get(action, "change the database")
        return f"Ad-hoc SQL may only read; this query tried to {verb}."


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _view_ddl(table: ReadableTable, source: str) -> str:
    column = _quote(table.tenant_column)
    condition = f"{column} = {ACCOUNT_FUNCTION}()"
    if table.shared_when_null:
        condition = f"{column} IS NULL OR {condition}"
    return f"CREATE TEMP VIEW {_quote(table.name)} AS SELECT * FROM {source}.{_quote(table.name)} WHERE {condition}"


def confine(conn: Connection, database_uri: str, account_id: uuid.UUID, value_bytes: int) -> Confinement:
    """Make ``conn`` (a fresh read-only SQLite connection) show ``account_id``'s rows only; return the authorizer,
    which the caller installs right before the analyst's statement and removes after it."""
    raw: sqlite3.Connection = conn.connection.driver_connection
    tables = readable_tables(conn)
    every = {str(name).lower() for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    source = f"flowpilot_source_{secrets.token_hex(16)}"
    account = str(account_id)
    raw.create_function(ACCOUNT_FUNCTION, 0, lambda: account, deterministic=True)
    try:
        raw.execute(f"ATTACH DATABASE ? AS {source}", (database_uri,))
        for table in tables:
            raw.execute(_view_ddl(table, source))
    except sqlite3.Error as exc:
        raise SqliteConfinementError(f"Your account's rows could not be prepared for ad-hoc SQL ({exc}).") from exc
    raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(value_bytes, MIN_VALUE_BYTES))
    views = frozenset(t.name.lower() for t in tables)
    return Confinement(views, source, frozenset(every - views))
