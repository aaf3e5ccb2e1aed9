"""The named-SQL loader: headers, declared vs used params with file and line, dialect overrides, reloading, binding."""

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from core import sqlfiles
from core.sqlfiles import SqlFileError, load_folder, load_queries, parse_query_file, sql_files, used_params


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.sql"
    existed = path.exists()
    old = path.stat().st_mtime_ns if existed else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    if existed:  # an editor save always moves mtime, even within the file system's clock resolution
        os.utime(path, ns=(old, old + 1_000_000))
    return path


def test_used_params_ignore_strings_comments_and_casts():
    sql = "-- :in_comment\nSELECT ':in_string', x::text, /* :block */ y FROM t WHERE a = :a AND b = :b OR c = :a"
    assert used_params(sql) == ["a", "b"]


def test_missing_declaration_names_file_and_line(tmp_path):
    path = _write(tmp_path, "q", "-- name: q\n-- params: a\nSELECT 1\nFROM t\nWHERE a = :a AND b = :b\n")
    with pytest.raises(SqlFileError) as err:
        parse_query_file(path)
    assert err.value.line == 5
    assert "parameter :b is used but not declared" in str(err.value)


def test_unused_declaration_points_at_params_line(tmp_path):
    path = _write(tmp_path, "q", "-- name: q\n-- description: d\n-- params: a, extra\nSELECT :a\n")
    with pytest.raises(SqlFileError) as err:
        parse_query_file(path)
    assert (err.value.line, err.value.message) == (3, "parameter 'extra' is declared but never used")


def test_header_name_must_match_file(tmp_path):
    with pytest.raises(SqlFileError, match="name 'other' does not match the file name 'q'"):
        parse_query_file(_write(tmp_path, "q", "-- name: other\nSELECT 1\n"))
    with pytest.raises(SqlFileError, match="no '-- name:' line"):
        parse_query_file(_write(tmp_path, "r", "SELECT 1\n"))


def test_dialect_override_wins_and_check_all_reports_mismatch(tmp_path):
    _write(tmp_path, "q", "-- name: q\n-- params: a\nSELECT :a AS v\n")
    _write(tmp_path / "sqlite", "q", "-- name: q\n-- params: a\nSELECT :a + 1 AS v\n")
    assert "+ 1" in load_queries("sqlite", tmp_path)["q"].sql
    assert "+ 1" not in load_queries("postgresql", tmp_path)["q"].sql
    _write(tmp_path / "postgresql", "q", "-- name: q\n-- params: b\nSELECT :b AS v\n")
    problems = sqlfiles.check_all(tmp_path)
    assert [p.message for p in problems] == ["declares other params than the portable version"]


def test_comment_with_colon_name_is_not_bound(engine, tmp_path):
    _write(tmp_path, "q", "-- name: q\n-- description: window [:start, :end)\n-- params: a\nSELECT :a AS v -- :b\n")
    query = load_queries(engine.dialect.name, tmp_path)["q"]
    with engine.connect() as conn:
        assert conn.execute(text(query.sql), {"a": 7}).scalar() == 7


def test_shipped_queries_are_well_formed():
    assert sqlfiles.check_all() == []


def test_an_edited_added_or_removed_file_is_seen_without_restart(tmp_path):
    _write(tmp_path, "q", "-- name: q\n-- params: a\nSELECT :a AS v\n")
    assert load_queries("sqlite", tmp_path)["q"].params == ("a",)
    _write(tmp_path, "q", "-- name: q\n-- params: a, b\nSELECT :a + :b AS v\n")
    assert load_queries("sqlite", tmp_path)["q"].params == ("a", "b")
    override = _write(tmp_path / "sqlite", "q", "-- name: q\n-- params: a, b\nSELECT :a - :b AS v\n")
    _write(tmp_path, "r", "-- name: r\nSELECT 1 AS v\n")
    loaded = load_queries("sqlite", tmp_path)
    assert sorted(loaded) == ["q", "r"] and "- :b" in loaded["q"].sql
    override.unlink()
    assert "+ :b" in load_queries("sqlite", tmp_path)["q"].sql


def test_an_unchanged_folder_is_parsed_once(tmp_path):
    _write(tmp_path, "q", "-- name: q\nSELECT 1 AS v\n")
    _write(tmp_path / "postgresql", "q", "-- name: q\nSELECT 2 AS v\n")
    seen: list[list[tuple[str, bool]]] = []

    def build(dialect: str, files: list[sqlfiles.SqlFile]) -> str:
        seen.append([(f.path.relative_to(tmp_path).as_posix(), f.override) for f in files])
        return dialect

    assert load_folder(tmp_path, "postgresql", build) == "postgresql"
    assert load_folder(tmp_path, "postgresql", build) == "postgresql"
    assert seen == [[("q.sql", False), ("postgresql/q.sql", True)]]
    assert [(f.name, f.override) for f in sql_files(tmp_path, "sqlite")] == [("q", False)]


def test_shipped_sql_needs_almost_no_dialect_override():
    # Day, week and duration arithmetic goes through utc_day/utc_week/minutes_between, so a whole-file copy per
    # database is the exception, kept for a query that is truly different.
    overrides = [
        path
        for root in (sqlfiles.SQL_ROOT, sqlfiles.SQL_ROOT / "reports")
        for dialect in sqlfiles.DIALECTS
        for path in sorted((root / dialect).glob("*.sql"))
    ]
    assert len(overrides) <= 3, overrides
