"""Reports kept as SQL files under ``sql/reports/``: header, parameters, checks, read-only execution.

One report per file; the file name (without ``.sql``) is the report's id. Day, week and duration arithmetic is
written with the portable functions ``utc_day``, ``utc_week`` and ``minutes_between`` (:mod:`core.sqlfunctions`), so
one file serves both databases. A dialect that truly needs its own text puts a complete file (header included)
under ``sql/reports/postgresql/`` or ``sql/reports/sqlite/``; it wins for that dialect and must declare the same
parameters as the portable file, if there is one. Discovery, overrides and reloading are the SQL loader's
(:func:`core.sqlfiles.load_folder`); this module reads the report header. Header::

    -- title: Escalations by domain and week
    -- description: Escalated sessions per problem domain and ISO week.
    -- param: since date = today-90 | Since
    -- param: domain text = null | Problem domain (empty = all)
    -- chart: bar x=week y=escalations colour=problem_domain

Parameter types: ``int``, ``float``, ``text``, ``bool``, ``date`` (defaults ``today``, ``today-N``,
``YYYY-MM-DD``); ``null`` for no default. The label after ``|`` is what the widget shows. The body is one SELECT
using ``:named`` parameters and always ``:account_id``, which the app supplies (a report cannot declare it).
Text, date and nullable values should be wrapped in ``CAST(:p AS ...)`` where the type is otherwise unknown
(PostgreSQL cannot infer the type of ``:p IS NULL``).

Files are parsed when the catalogue loads (and again whenever one changes); :func:`catalogue` then compiles
each on the live database. A broken file is listed with its reason and line; the others keep working.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.config import PROJECT_ROOT
from core.reports.adhoc import APP_PARAMS, QueryRefused, check_select
from core.reports.execute import ChartSpec, QueryFailed, QueryResult, ReportError, probe_columns, run_readonly
from core.reports.params import PARAM_TYPES, ReportParam, bind_values, coerce_values, parse_value
from core.sqlfiles import SqlFile, SqlFileError, folder_stamp, load_folder, relative_path, used_params

REPORTS_ROOT = PROJECT_ROOT / "sql" / "reports"
HEADER_KEYS = ("title", "description", "param", "chart")
PROBE_TIMEOUT_MS = 5000

_KEY_LINE = re.compile(r"^--\s*([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)\s*(?:=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<label>.*))?$"
)
_CHART_OPTION = re.compile(r"^(x|y|colour|color)=(\w+)$")


class ReportFileError(SqlFileError):
    """A report file is malformed; names the file and the line."""


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    params: tuple[ReportParam, ...]
    chart: ChartSpec | None
    sql: str  # the whole file, header included (what the SQL panel shows)
    path: Path
    body_line: int  # first line of the statement, for errors the database reports without a position
    columns: tuple[str, ...] = ()  # filled in once the statement compiled on the live database

    @property
    def statement(self) -> str:
        """The SELECT without the header, line numbers counted from ``body_line``."""
        return "\n".join(self.sql.splitlines()[self.body_line - 1 :])

    def defaults(self, today: date | None = None) -> dict[str, Any]:
        return {p.name: p.default_value(today) for p in self.params}


@dataclass(frozen=True)
class BrokenReport:
    name: str
    path: str
    line: int
    reason: str


@dataclass(frozen=True)
class ReportCatalogue:
    reports: dict[str, Report] = field(default_factory=dict)
    broken: list[BrokenReport] = field(default_factory=list)

    def sorted_reports(self) -> list[Report]:
        return sorted(self.reports.values(), key=lambda r: r.title.lower())


def _parse_param(path: Path, line: int, spec: str, seen: set[str]) -> ReportParam:
    match = _PARAM.match(spec.strip())
    if not match:
        raise ReportFileError(
            path, line, f"cannot read parameter '{spec.strip()}': write 'name type = default | label'"
        )
    name, kind = match.group("name"), match.group("type").lower()
    if kind not in PARAM_TYPES:
        raise ReportFileError(
            path, line, f"parameter '{name}' has unknown type '{kind}' (use {', '.join(PARAM_TYPES)})"
        )
    if name in APP_PARAMS:
        raise ReportFileError(path, line, f"parameter '{name}' is supplied by the app and cannot be declared")
    if name in seen:
        raise ReportFileError(path, line, f"parameter '{name}' is declared twice")
    default = match.group("default")
    default = default.strip() if default is not None and default.strip() != "" else None
    try:
        parse_value(kind, default, date(2000, 1, 1))
    except ValueError:
        raise ReportFileError(path, line, f"default '{default}' of parameter '{name}' is not a valid {kind}") from None
    label = (match.group("label") or "").strip() or name.replace("_", " ").capitalize()
    seen.add(name)
    return ReportParam(name, kind, default, label, line)


def _parse_chart(path: Path, line: int, spec: str) -> ChartSpec:
    parts = spec.split()
    if not parts:
        raise ReportFileError(path, line, "chart needs a kind, x= and y=")
    options: dict[str, str] = {}
    for part in parts[1:]:
        match = _CHART_OPTION.match(part)
        if not match:
            raise ReportFileError(path, line, f"cannot read chart option '{part}' (use x=col y=col colour=col)")
        options["colour" if match.group(1) == "color" else match.group(1)] = match.group(2)
    try:
        return ChartSpec(parts[0].lower(), options.get("x", ""), options.get("y", ""), options.get("colour"))
    except ValueError as exc:
        raise ReportFileError(path, line, str(exc)) from None


def parse_report_file(path: Path, dialect: str = "postgresql") -> Report:
    """Parse and check one report file (no database needed); raise :class:`ReportFileError` with the line."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportFileError(path, 1, f"cannot read the file: {exc}") from None
    lines = source.splitlines()
    header: dict[str, tuple[int, str]] = {}
    description: list[str] = []
    params: list[ReportParam] = []
    seen: set[str] = set()
    chart: ChartSpec | None = None
    body_line = len(lines) + 1
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            body_line = number
            break
        match = _KEY_LINE.match(stripped)
        if not match:
            continue  # a plain comment line
        key, value = match.group(1).lower(), match.group(2).strip()
        if key not in HEADER_KEYS:
            raise ReportFileError(path, number, f"unknown header key '{key}' (use {', '.join(HEADER_KEYS)})")
        if key == "param":
            params.append(_parse_param(path, number, value, seen))
        elif key == "chart":
            if chart is not None:
                raise ReportFileError(path, number, "only one chart per report")
            chart = _parse_chart(path, number, value)
        elif key == "description":
            description.append(value)
        elif key in header:
            raise ReportFileError(path, number, f"'{key}' appears twice in the header")
        else:
            header[key] = (number, value)
    if not header.get("title", (0, ""))[1]:
        raise ReportFileError(path, 1, "header has no '-- title:' line")
    body = "\n".join(lines[body_line - 1 :])
    if not body.strip():
        raise ReportFileError(path, body_line if body_line <= len(lines) else len(lines) or 1, "the file has no SELECT")
    used = used_params(body)
    declared = [p.name for p in params]
    for name in used:
        if name not in declared and name not in APP_PARAMS:
            raise ReportFileError(
                path, _line_of(lines, body_line, f":{name}"), f"parameter :{name} is used but not declared"
            )
    for param in params:
        if param.name not in used:
            raise ReportFileError(path, param.line, f"parameter '{param.name}' is declared but never used")
    if "account_id" not in used:
        raise ReportFileError(
            path, body_line, "the query never uses :account_id: every report must be scoped to the account"
        )
    try:
        check_select(body, dialect, allowed_params=set(declared) | APP_PARAMS)
    except QueryRefused as exc:
        line = body_line + (exc.line - 1 if exc.line else 0)
        raise ReportFileError(path, line, str(exc)) from None
    return Report(
        name=path.stem,
        title=header["title"][1],
        description=" ".join(description),
        params=tuple(params),
        chart=chart,
        sql=source,
        path=path,
        body_line=body_line,
    )


def _line_of(lines: list[str], start: int, needle: str) -> int:
    for number in range(start, len(lines) + 1):
        if re.search(re.escape(needle) + r"(?!\w)", lines[number - 1]):
            return number
    return start


_compiled: dict[tuple[str, str, int], Report | BrokenReport] = {}


def load_reports(dialect: str, root: Path | None = None) -> ReportCatalogue:
    """Every report for ``dialect`` (overrides applied), parsed and checked without a database.

    Re-read whenever a file is added, removed or changed; a broken file is listed and the others still load."""
    return load_folder(root or REPORTS_ROOT, dialect, _build_catalogue)


def report_files_stamp(dialect: str, root: Path | None = None) -> tuple[tuple[str, int], ...]:
    """Changes whenever a report file of ``dialect`` is added, removed or saved (the Reports page polls it)."""
    return folder_stamp(root or REPORTS_ROOT, dialect)


def _build_catalogue(dialect: str, files: list[SqlFile]) -> ReportCatalogue:
    reports: dict[str, Report] = {}
    broken: dict[str, BrokenReport] = {}
    portable: dict[str, Report] = {}
    for file in files:  # portable first, so the dialect folder overrides
        try:
            report = parse_report_file(file.path, dialect)
            base = portable.get(file.name)
            if file.override and base and {p.name for p in base.params} != {p.name for p in report.params}:
                raise ReportFileError(
                    file.path,
                    report.params[0].line if report.params else 1,
                    "declares other parameters than the portable version",
                )
        except SqlFileError as exc:
            broken[file.name] = BrokenReport(file.name, relative_path(exc.path), exc.line, exc.message)
            reports.pop(file.name, None)
            continue
        if not file.override:
            portable[report.name] = report
        reports[report.name] = report
        broken.pop(report.name, None)
    return ReportCatalogue(reports, sorted(broken.values(), key=lambda b: b.path))


def catalogue(engine: Engine, root: Path | None = None) -> ReportCatalogue:
    """The reports that parse *and* compile on the live database, plus the broken ones with reasons.

    Compiling runs each statement with its defaults under ``LIMIT 0`` in a read-only transaction; results are
    kept per file version, so an unchanged file is compiled once per process."""
    parsed = load_reports(engine.dialect.name, root)
    url = engine.url.render_as_string(hide_password=True)
    reports: dict[str, Report] = {}
    broken = list(parsed.broken)
    for name, report in parsed.reports.items():
        key = (url, str(report.path), report.path.stat().st_mtime_ns)
        outcome = _compiled.get(key)
        if outcome is None or (isinstance(outcome, Report) and outcome.sql != report.sql):
            outcome = _compile(engine, report)
            _compiled[key] = outcome
        if isinstance(outcome, BrokenReport):
            broken.append(outcome)
        else:
            reports[name] = outcome
    return ReportCatalogue(reports, sorted(broken, key=lambda b: b.path))


def _compile(engine: Engine, report: Report) -> Report | BrokenReport:
    statement = report.statement
    params = bind_values(report.params, report.defaults())
    params["account_id"] = uuid.UUID(int=0)
    try:
        columns = probe_columns(engine, statement, params, timeout_ms=PROBE_TIMEOUT_MS)
    except QueryFailed as exc:
        line = report.body_line
        if exc.position:
            line += statement[: exc.position - 1].count("\n")
        return BrokenReport(report.name, relative_path(report.path), line, f"does not compile: {exc}")
    except ReportError as exc:
        return BrokenReport(report.name, relative_path(report.path), report.body_line, f"does not compile: {exc}")
    if report.chart and (missing := report.chart.missing_columns(columns)):
        line = next(
            (n for n, text in enumerate(report.sql.splitlines(), 1) if re.match(r"--\s*chart\s*:", text.strip())), 1
        )
        return BrokenReport(
            report.name,
            relative_path(report.path),
            line,
            f"chart column '{missing[0]}' is not a column of the result ({', '.join(columns)})",
        )
    return replace(report, columns=tuple(columns))


def run_report(
    engine: Engine,
    report: Report,
    account_id: uuid.UUID,
    values: dict[str, Any] | None = None,
    *,
    timeout_ms: int,
    row_cap: int,
    byte_cap: int | None = None,
    today: date | None = None,
) -> QueryResult:
    """Run a file report for ``account_id`` (never taken from ``values``) read-only with timeout, row and byte caps."""
    typed = coerce_values(report.params, values or {}, today)
    params = bind_values(report.params, typed)
    params["account_id"] = account_id
    return run_readonly(engine, report.statement, params, timeout_ms=timeout_ms, row_cap=row_cap, byte_cap=byte_cap)
