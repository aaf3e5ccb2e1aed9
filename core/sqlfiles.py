"""SQL kept in files under ``sql/``: the one loader (discovery, dialect overrides, reload on change) and the
named queries the services run.

One query per file, ``sql/<name>.sql``; a dialect that needs its own text puts ``sql/postgresql/<name>.sql`` or
``sql/sqlite/<name>.sql`` beside it, which wins for that dialect. Most differences never need one: the portable
functions ``utc_day``, ``utc_week`` and ``minutes_between`` mean the same on both databases
(:mod:`core.sqlfunctions`). The file opens with a header comment::

    -- name: kpi_totals
    -- description: Session counts by status in [:start, :end) for one account.
    -- params: account_id, start, end

The declared params must equal the ``:named`` params the body uses; a file that breaks this (or has no header)
is reported with its path and line when the queries load. Values are always bound, never formatted in.
Reports (``sql/reports/``) use the same loader (:func:`load_folder`) with their own header
(:mod:`core.reports.catalog`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT

SQL_ROOT = PROJECT_ROOT / "sql"
DIALECTS = ("postgresql", "sqlite")
_HEADER = re.compile(r"^--\s*(name|description|params)\s*:\s*(.*)$", re.IGNORECASE)
_STRIP = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class SqlFileError(ValueError):
    """A query file is malformed: names the file and the line."""

    def __init__(self, path: Path, line: int, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{relative_path(path)}:{line}: {message}")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str
    params: tuple[str, ...]
    description: str
    path: Path


T = TypeVar("T")


@dataclass(frozen=True)
class SqlFile:
    """One file of a SQL folder; ``override`` when it sits in a dialect subfolder and replaces the portable one."""

    path: Path
    override: bool

    @property
    def name(self) -> str:
        return self.path.stem


def sql_files(root: Path, dialect: str) -> list[SqlFile]:
    """The files ``dialect`` sees in ``root``: the portable ``*.sql`` first, then ``root/<dialect>/*.sql``, each
    sorted by name, so that applying them in order lets an override replace its portable file. Other subfolders
    belong to other loaders."""
    portable = [SqlFile(p, False) for p in sorted(root.glob("*.sql"))]
    return portable + [SqlFile(p, True) for p in sorted((root / dialect).glob("*.sql"))]


_folders: dict[tuple[str, str, Callable[..., Any]], tuple[tuple[tuple[str, int], ...], Any]] = {}


def load_folder(root: Path, dialect: str, build: Callable[[str, list[SqlFile]], T]) -> T:
    """``build(dialect, sql_files(root, dialect))``, cached until a file of the folder is added, removed or saved.

    The stamp is every file's path and mtime (nanoseconds), so an edit shows up on the next call without a restart
    and an unchanged folder is never parsed twice."""
    files = sql_files(root, dialect)
    stamp = _stamp(files)
    key = (str(root), dialect, build)
    cached = _folders.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    built = build(dialect, files)
    _folders[key] = (stamp, built)
    return built


def folder_stamp(root: Path, dialect: str) -> tuple[tuple[str, int], ...]:
    """What :func:`load_folder` compares to know whether ``dialect``'s files in ``root`` changed: every file's path
    and mtime. Cheap (no file is read), so a page may poll it."""
    return _stamp(sql_files(root, dialect))


def _stamp(files: list[SqlFile]) -> tuple[tuple[str, int], ...]:
    stamp = []
    for file in files:
        try:
            stamp.append((str(file.path), file.path.stat().st_mtime_ns))
        except FileNotFoundError:  # removed between the listing and the stat: the next call sees it gone
            stamp.append((str(file.path), -1))
    return tuple(stamp)


def relative_path(path: Path) -> str:
    """``path`` relative to the project (as error messages show it), or as given when it lies outside."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def used_params(sql: str) -> list[str]:
    """The ``:named`` parameters of ``sql`` in first-use order, ignoring strings, comments and ``::`` casts."""
    body = _STRIP.sub(lambda m: " " * len(m.group(0)), sql)
    seen: dict[str, None] = {}
    for match in _PARAM.finditer(body):
        seen.setdefault(match.group(1), None)
    return list(seen)


def strip_comments(sql: str) -> str:
    """``sql`` with its comments blanked (line numbers kept), so a ``:name`` in a comment is never a bind."""
    return _STRIP.sub(lambda m: m.group(0) if m.group(0).startswith("'") else _blank(m.group(0)), sql)


def _blank(comment: str) -> str:
    return "".join("\n" if ch == "\n" else " " for ch in comment)


def parse_query_file(path: Path) -> NamedQuery:
    """Parse and check one file; raise :class:`SqlFileError` naming the line of the problem."""
    source = path.read_text(encoding="utf-8")
    header: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        match = _HEADER.match(stripped)
        if match:
            header[match.group(1).lower()] = (number, match.group(2).strip())
    if "name" not in header:
        raise SqlFileError(path, 1, "header has no '-- name:' line")
    name_line, name = header["name"]
    if name != path.stem:
        raise SqlFileError(path, name_line, f"name '{name}' does not match the file name '{path.stem}'")
    params_line, declared_text = header.get("params", (name_line, ""))
    declared = [p.strip() for p in declared_text.split(",") if p.strip() and p.strip().lower() != "none"]
    used = used_params(source)
    missing = [p for p in used if p not in declared]
    unused = [p for p in declared if p not in used]
    if missing:
        line = _first_line_of(source, f":{missing[0]}")
        raise SqlFileError(path, line, f"parameter :{missing[0]} is used but not declared in '-- params:'")
    if unused:
        raise SqlFileError(path, params_line, f"parameter '{unused[0]}' is declared but never used")
    description = header.get("description", (0, ""))[1]
    return NamedQuery(name, strip_comments(source), tuple(declared), description, path)


def _first_line_of(source: str, needle: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line and not line.strip().startswith("--"):
            return number
    return 1


def load_queries(dialect: str, root: Path = SQL_ROOT) -> dict[str, NamedQuery]:
    """Every query for ``dialect`` (overrides applied). Re-read when a file changes; raise on the first bad file."""
    return load_folder(root, dialect, _build_queries)


def _build_queries(_dialect: str, files: list[SqlFile]) -> dict[str, NamedQuery]:
    queries: dict[str, NamedQuery] = {}
    for file in files:  # portable first, so the dialect folder overrides
        query = parse_query_file(file.path)
        queries[query.name] = query
    return queries


def check_all(root: Path = SQL_ROOT) -> list[SqlFileError]:
    """Every problem in every query file, for both dialects (start-up and CI check): malformed files, and
    overrides that declare other params than their portable file."""
    problems: dict[Path, SqlFileError] = {}
    for dialect in DIALECTS:
        portable: dict[str, NamedQuery] = {}
        for file in sql_files(root, dialect):
            if file.path in problems:
                continue
            try:
                query = parse_query_file(file.path)
            except SqlFileError as exc:
                problems[file.path] = exc
                continue
            base = portable.get(query.name)
            if not file.override:
                portable[query.name] = query
            elif base and set(base.params) != set(query.params):
                problems[file.path] = SqlFileError(file.path, 1, "declares other params than the portable version")
    return list(problems.values())


def bind_value(value: Any, dialect: str) -> Any:
    """Values as bound into hand-written SQL: UUIDs as canonical text; datetimes in UTC, on SQLite as the
    same text SQLAlchemy stores (so comparisons with stored timestamps are exact)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else value
    return value


def json_safe(value: Any) -> Any:
    """A result value as plain JSON: Decimal -> float, datetime/date -> ISO text, UUID -> text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, memoryview | bytes):
        return None
    return value


def _execute(db: Session | Connection, name: str, params: dict[str, Any]) -> Any:
    dialect = db.get_bind().dialect.name if isinstance(db, Session) else db.dialect.name
    query = load_queries(dialect)[name]
    missing = [p for p in query.params if p not in params]
    if missing:
        raise TypeError(f"query {name} needs parameter(s) {', '.join(missing)}")
    return db.execute(text(query.sql), {p: bind_value(params[p], dialect) for p in query.params})


def run(db: Session | Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run named query ``name`` with bound ``params``; rows as dicts of JSON-safe values."""
    result = _execute(db, name, params)
    return [{k: json_safe(v) for k, v in row.items()} for row in result.mappings()]


def execute(db: Session | Connection, name: str, **params: Any) -> None:
    """Run named statement ``name`` (an INSERT, UPDATE or DELETE) with bound ``params``."""
    _execute(db, name, params)
