"""Report files: header errors and parameter mismatches name file and line; a broken report does not break the
others; a file edited while the app runs is re-read; compile errors on the live database point at the line."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from core.reports.catalog import ReportFileError, catalogue, load_reports, parse_report_file
from core.reports.params import ReportParamError, coerce_values

GOOD = """\
-- title: Sessions per status
-- description: How many sessions ended in each status.
-- param: since date = today-30 | Since
-- param: min_count int = 1 | At least
-- chart: bar x=status y=sessions
SELECT status, COUNT(*) AS sessions
FROM ai_sessions
WHERE account_id = :account_id AND created_at >= :since
GROUP BY status
HAVING COUNT(*) >= :min_count
ORDER BY status
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(root: Path, text: str) -> tuple[str, int, str]:
    path = write(root, "bad", text)
    with pytest.raises(ReportFileError) as caught:
        parse_report_file(path)
    return caught.value.path.name, caught.value.line, caught.value.message


def test_good_header_is_read_into_params_and_chart(tmp_path):
    report = parse_report_file(write(tmp_path, "status_counts", GOOD))
    assert report.name == "status_counts"
    assert report.title == "Sessions per status"
    assert report.description == "How many sessions ended in each status."
    assert [(p.name, p.type, p.default, p.label, p.line) for p in report.params] == [
        ("since", "date", "today-30", "Since", 3),
        ("min_count", "int", "1", "At least", 4),
    ]
    assert report.defaults(date(2026, 11, 21)) == {"since": date(2026, 10, 22), "min_count": 1}
    assert report.chart is not None and report.chart.as_dict() == {
        "kind": "bar",
        "x": "status",
        "y": "sessions",
        "colour": None,
    }
    assert report.body_line == 6


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("-- title: Sessions per status\n", ""), 1, "header has no '-- title:' line"),
        (
            GOOD.replace("-- chart:", "-- chrat:"),
            5,
            "unknown header key 'chrat' (use title, description, param, chart)",
        ),
        (
            GOOD.replace("min_count int = 1", "min_count integer = 1"),
            4,
            "parameter 'min_count' has unknown type 'integer' (use int, float, text, bool, date)",
        ),
        (
            GOOD.replace("min_count int = 1", "min_count int = many"),
            4,
            "default 'many' of parameter 'min_count' is not a valid int",
        ),
        (
            GOOD.replace("since date = today-30", "since date = yesterday"),
            3,
            "default 'yesterday' of parameter 'since' is not a valid date",
        ),
        (
            GOOD.replace("-- param: min_count int = 1 | At least", "-- param: since int = 1"),
            4,
            "parameter 'since' is declared twice",
        ),
        (
            GOOD.replace("-- param: min_count int = 1 | At least", "-- param: account_id text = null"),
            4,
            "parameter 'account_id' is supplied by the app and cannot be declared",
        ),
        (
            GOOD.replace("-- param: since date = today-30 | Since", "-- param: 30 days"),
            3,
            "cannot read parameter '30 days': write 'name type = default | label'",
        ),
        (
            GOOD.replace("bar x=status y=sessions", "donut x=status y=sessions"),
            5,
            "unknown chart kind 'donut' (use one of bar, line, area, scatter, pie)",
        ),
        (
            GOOD.replace("HAVING COUNT(*) >= :min_count", "HAVING COUNT(*) >= :min_rows"),
            10,
            "parameter :min_rows is used but not declared",
        ),
        (GOOD.replace("HAVING COUNT(*) >= :min_count\n", ""), 4, "parameter 'min_count' is declared but never used"),
        (
            GOOD.replace("account_id = :account_id AND ", ""),
            6,
            "the query never uses :account_id: every report must be scoped to the account",
        ),
        (
            GOOD + ";\nDELETE FROM ai_sessions WHERE account_id = :account_id\n",
            6,
            "Only one statement is allowed; this SQL has 2.",
        ),
        (
            GOOD.replace("SELECT status", "SELECT pg_sleep(5), status"),
            6,
            "The function pg_sleep() is refused: it has side effects or reaches outside the query.",
        ),
        ("-- title: Nothing here\n\n", 2, "the file has no SELECT"),
    ],
)
def test_each_header_error_names_file_and_line(tmp_path, text, line, message):
    assert error_of(tmp_path, text) == ("bad.sql", line, message)


def test_error_text_starts_with_path_and_line(tmp_path):
    path = write(tmp_path, "bad", GOOD.replace("-- chart:", "-- chrat:"))
    with pytest.raises(ReportFileError) as caught:
        parse_report_file(path)
    assert str(caught.value) == f"{path}:5: unknown header key 'chrat' (use title, description, param, chart)"


def test_a_broken_report_is_listed_and_the_others_still_load(tmp_path):
    write(tmp_path, "status_counts", GOOD)
    write(tmp_path, "broken", GOOD.replace("HAVING COUNT(*) >= :min_count", "HAVING COUNT(*) >= :nope"))
    loaded = load_reports("sqlite", tmp_path)
    assert list(loaded.reports) == ["status_counts"]
    assert [(b.name, Path(b.path).name, b.line, b.reason) for b in loaded.broken] == [
        ("broken", "broken.sql", 10, "parameter :nope is used but not declared")
    ]


def test_dialect_override_wins_and_must_declare_the_same_params(tmp_path):
    write(tmp_path, "status_counts", GOOD)
    write(tmp_path / "sqlite", "status_counts", GOOD.replace("Sessions per status", "SQLite sessions per status"))
    write(
        tmp_path / "postgresql",
        "status_counts",
        GOOD.replace("-- param: min_count int = 1 | At least\n", "").replace("HAVING COUNT(*) >= :min_count\n", ""),
    )
    assert load_reports("sqlite", tmp_path).reports["status_counts"].title == "SQLite sessions per status"
    pg = load_reports("postgresql", tmp_path)
    assert pg.reports == {}
    assert [(b.name, Path(b.path).parent.name, b.reason) for b in pg.broken] == [
        ("status_counts", "postgresql", "declares other parameters than the portable version")
    ]


def test_editing_a_file_is_seen_without_restart(tmp_path):
    path = write(tmp_path, "status_counts", GOOD)
    assert load_reports("sqlite", tmp_path).reports["status_counts"].title == "Sessions per status"
    path.write_text(GOOD.replace("Sessions per status", "Sessions by outcome"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # an editor save always moves mtime
    assert load_reports("sqlite", tmp_path).reports["status_counts"].title == "Sessions by outcome"
    path.write_text(GOOD.replace("-- title: Sessions per status", "-- titel: x"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000))
    assert (
        load_reports("sqlite", tmp_path).broken[0].reason
        == "unknown header key 'titel' (use title, description, param, chart)"
    )


def test_widget_values_are_coerced_and_bad_ones_name_the_parameter(tmp_path):
    report = parse_report_file(write(tmp_path, "status_counts", GOOD))
    assert coerce_values(report.params, {"since": "2026-01-02", "min_count": 3.0}) == {
        "since": date(2026, 1, 2),
        "min_count": 3,
    }
    assert coerce_values(report.params, {}, today=date(2026, 11, 21)) == {"since": date(2026, 10, 22), "min_count": 1}
    with pytest.raises(ReportParamError, match=r"^At least: 'lots' is not a valid int\.$"):
        coerce_values(report.params, {"min_count": "lots"})


def test_compile_error_on_the_live_database_is_reported_with_its_line(engine, tmp_path):
    write(tmp_path, "status_counts", GOOD)
    write(tmp_path, "typo", GOOD.replace("FROM ai_sessions", "FROM ai_sesions"))
    write(tmp_path, "bad_chart", GOOD.replace("y=sessions", "y=total"))
    found = catalogue(engine, tmp_path)
    assert list(found.reports) == ["status_counts"]
    assert found.reports["status_counts"].columns == ("status", "sessions")
    broken = {b.name: (b.line, b.reason) for b in found.broken}
    assert broken["bad_chart"] == (5, "chart column 'total' is not a column of the result (status, sessions)")
    line, reason = broken["typo"]
    assert reason.startswith("does not compile: ") and "ai_sesions" in reason
    # PostgreSQL reports the position of the error; SQLite does not, so the statement's first line is named.
    assert line == (7 if engine.dialect.name == "postgresql" else 6)


def test_a_compile_check_never_writes(engine, tmp_path):
    # A data-modifying CTE is refused by the parser before it could reach the database.
    write(
        tmp_path,
        "sneaky",
        GOOD.replace("SELECT status", "WITH gone AS (DELETE FROM accounts RETURNING id) SELECT status"),
    )
    found = catalogue(engine, tmp_path)
    assert found.reports == {}
    assert [(b.name, b.line) for b in found.broken] == [("sneaky", 6)]
    assert "DELETE" in found.broken[0].reason


def test_an_edit_reaches_the_live_catalogue_and_a_fix_restores_it(engine, tmp_path):
    path = write(tmp_path, "status_counts", GOOD)
    assert catalogue(engine, tmp_path).reports["status_counts"].columns == ("status", "sessions")

    def save(text: str, bump: int) -> None:
        stat = path.stat()
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000))

    save(GOOD.replace("COUNT(*) AS sessions", "COUNT(*) AS sessions, MAX(problem_domain) AS top_domain"), 1)
    assert catalogue(engine, tmp_path).reports["status_counts"].columns == ("status", "sessions", "top_domain")
    save(GOOD.replace("GROUP BY status", "GROUP BY nonexistent_column"), 2)
    broken = catalogue(engine, tmp_path)
    assert broken.reports == {} and broken.broken[0].name == "status_counts"
    save(GOOD, 3)
    assert list(catalogue(engine, tmp_path).reports) == ["status_counts"]


HOSTILE_PARAMS = [
    ("since", "today-99999999", "Since: 'today-99999999' is not a valid date."),
    ("since", "today+99999999", "Since: 'today+99999999' is not a valid date."),
    ("since", "today-36526", "Since: 'today-36526' is not a valid date."),
    ("min_count", float("inf"), "At least: 'inf' is not a valid int."),
    ("min_count", float("-inf"), "At least: '-inf' is not a valid int."),
    ("min_count", float("nan"), "At least: 'nan' is not a valid int."),
    ("min_count", "inf", "At least: 'inf' is not a valid int."),
    ("min_count", 10**400, "At least: '" + "1" + "0" * 38 + "…' is not a valid int."),
    ("min_count", "9" * 5001, "At least: '" + "9" * 39 + "…' is not a valid int."),
    ("min_count", 2**63, "At least: '9223372036854775808' is not a valid int."),
    ("min_count", "-9223372036854775809", "At least: '-9223372036854775809' is not a valid int."),
    ("min_count", 1e300, "At least: '1e+300' is not a valid int."),
]


@pytest.mark.parametrize(("name", "raw", "message"), HOSTILE_PARAMS, ids=[repr(p[1])[:30] for p in HOSTILE_PARAMS])
def test_huge_infinite_and_far_away_values_get_a_parameter_error(tmp_path, name, raw, message):
    report = parse_report_file(write(tmp_path, "status_counts", GOOD))
    with pytest.raises(ReportParamError) as caught:
        coerce_values(report.params, {name: raw}, today=date(2026, 11, 21))
    assert str(caught.value) == message


def test_the_edges_of_the_ranges_are_still_values(tmp_path):
    report = parse_report_file(write(tmp_path, "status_counts", GOOD))
    values = coerce_values(report.params, {"since": "today-36525", "min_count": 2**63 - 1}, today=date(2026, 11, 21))
    assert values == {"since": date(1926, 11, 21), "min_count": 2**63 - 1}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("since date = today-99999999", "default 'today-99999999' of parameter 'since' is not a valid date"),
        ("since float = 1e999", "default '1e999' of parameter 'since' is not a valid float"),
        ("since float = nan", "default 'nan' of parameter 'since' is not a valid float"),
    ],
)
def test_a_header_default_out_of_range_is_a_file_error(tmp_path, header, message):
    assert error_of(tmp_path, GOOD.replace("since date = today-30", header)) == ("bad.sql", 3, message)
