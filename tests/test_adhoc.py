"""Ad-hoc SQL: only one side-effect-free SELECT gets through (parsed); analysts and team admins may write it on
either database; saved reports per account. Confinement to one account: tests/test_adhoc_confinement.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.auth import PermissionDenied, load_user
from core.db import session_scope
from core.models import Account, AISession, SavedReport
from core.reports.adhoc import (
    DuplicateReportName,
    QueryRefused,
    adhoc_access,
    check_select,
    delete_saved_report,
    list_saved_reports,
    run_adhoc,
    run_saved_report,
    save_report,
)
from core.reports.execute import ChartSpec, QueryFailed, QueryTimeout
from tests.factories import make_account, make_session, make_user

LIMITS = {"timeout_ms": 5000, "row_cap": 1000}


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DROP TABLE ai_sessions", "Only SELECT queries are allowed, not DROP."),
        ("CREATE TABLE x (a int)", "Only SELECT queries are allowed, not CREATE."),
        ("ALTER TABLE users ADD COLUMN x int", "Only SELECT queries are allowed, not ALTER."),
        ("DELETE FROM ai_sessions", "Only SELECT queries are allowed, not DELETE."),
        ("UPDATE users SET role = 'owner'", "Only SELECT queries are allowed, not UPDATE."),
        ("INSERT INTO accounts (id) VALUES ('x')", "Only SELECT queries are allowed, not INSERT."),
        ("TRUNCATE users", "Only SELECT queries are allowed, not TRUNCATE."),
        ("BEGIN", "Only SELECT queries are allowed, not BEGIN."),
        ("COPY users TO PROGRAM 'rm -rf /'", "Only SELECT queries are allowed, not COPY."),
        ("GRANT ALL ON users TO public", "Only SELECT queries are allowed, not GRANT."),
        ("SELECT 1; SELECT 2", "Only one statement is allowed; this SQL has 2."),
        ("SELECT 1; DROP TABLE users", "Only one statement is allowed; this SQL has 2."),
        (
            "WITH gone AS (DELETE FROM ai_sessions RETURNING id) SELECT * FROM gone",
            "Only read-only SELECT queries are allowed; a DELETE inside the query is refused.",
        ),
        ("SELECT * INTO copy FROM users", "Only read-only SELECT queries are allowed; SELECT ... INTO is refused."),
        (
            "SELECT * FROM users FOR UPDATE",
            "Only read-only SELECT queries are allowed; a row lock (FOR UPDATE/SHARE) is refused.",
        ),
        ("", "The query is empty."),
        ("  ;  ", "The query is empty."),
        ("SELECT * FROM users WHERE id = :user_id", "Unknown parameter :user_id; ad-hoc SQL may use only :account_id."),
    ],
)
def test_statements_that_are_not_one_plain_select_are_refused(sql, message, dialect):
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, dialect)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("dialect", "sql", "message"),
    [
        ("postgresql", "SET ROLE postgres", "Only SELECT queries are allowed, not SET."),
        ("postgresql", "RESET ROLE", "Only SELECT queries are allowed, not RESET."),
        ("postgresql", "EXPLAIN ANALYZE SELECT 1", "Only SELECT queries are allowed, not EXPLAIN."),
        ("postgresql", "DO $$ BEGIN END $$", "Only SELECT queries are allowed, not DO."),
        ("sqlite", "PRAGMA query_only = 0", "Only SELECT queries are allowed, not PRAGMA."),
        ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS x", "Only SELECT queries are allowed, not ATTACH."),
    ],
)
def test_dialect_specific_statements_are_refused(dialect, sql, message):
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, dialect)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("sql", "function"),
    [
        ("SELECT set_config('flowpilot.account_id', 'x', true), * FROM ai_sessions", "set_config"),
        ("SELECT * FROM pg_catalog.set_config('role', 'postgres', true)", "set_config"),
        ("SELECT \"set_config\"('role', 'postgres', true)", "set_config"),
        ("SELECT pg_sleep(60)", "pg_sleep"),
        ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "pg_terminate_backend"),
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT lo_import('/etc/passwd')", "lo_import"),
        ("SELECT * FROM dblink('host=x', 'DELETE FROM users') AS t(a int)", "dblink"),
        ("SELECT nextval('some_seq')", "nextval"),
        ("SELECT query_to_xml('DELETE FROM users', true, false, '')", "query_to_xml"),
        ("SELECT pg_advisory_lock(1)", "pg_advisory_lock"),
        ("SELECT COUNT(*) FROM (SELECT pg_notify('c', 'x')) AS t", "pg_notify"),
    ],
)
def test_functions_with_side_effects_are_refused(sql, function):
    with pytest.raises(QueryRefused) as caught:
        check_select(sql, "postgresql")
    assert str(caught.value) == (
        f"The function {function}() is refused: it has side effects or reaches outside the query."
    )


@pytest.mark.parametrize(
    "sql",
    [
        # Spellings a tokenizer could disagree on are caught by the second, textual net.
        "SELECT 1 /* /* */ , set_config('a', 'b', true) /* */ */",
        "SELECT $q$'$q$ , set_config('a', 'b', true) -- '",
        "SELECT 'set_config(''role'', ''postgres'', true)' AS looks_harmless",
    ],
)
def test_blocked_names_are_refused_however_they_are_hidden(sql):
    with pytest.raises(QueryRefused, match=r"^The function set_config\(\) is refused"):
        check_select(sql, "postgresql")


def test_unicode_escaped_names_are_refused():
    # U&"set\0063onfig" is set_config to PostgreSQL, but not to a parser that does not decode it.
    with pytest.raises(QueryRefused, match=r"^Unicode-escaped names and strings"):
        check_select("SELECT U&\"set\\0063onfig\"('role', 'postgres', true)", "postgresql")


@pytest.mark.parametrize("sql", ["SELECT load_extension('evil')", "SELECT writefile('/tmp/x', 'y')"])
def test_sqlite_file_and_extension_functions_are_refused(sql):
    with pytest.raises(QueryRefused, match=r"^The function (load_extension|writefile)\(\) is refused"):
        check_select(sql, "sqlite")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT status, COUNT(*) AS n FROM ai_sessions WHERE account_id = :account_id GROUP BY status",
        "WITH s AS (SELECT * FROM ai_sessions) SELECT COUNT(*) FROM s",
        "SELECT name FROM trees UNION ALL SELECT title FROM flow_proposals",
        "SELECT match_score::numeric(4, 2) FROM ai_sessions -- a trailing comment; DROP TABLE users",
        "SELECT 'DROP TABLE users; DELETE FROM accounts' AS harmless_text",
        "SELECT lo_value, dblink_name FROM some_view",
    ],
)
def test_ordinary_analyst_queries_pass(sql):
    check_select(sql, "postgresql")


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_deeply_nested_sql_is_refused_not_a_crash(dialect):
    with pytest.raises(QueryRefused) as caught:
        check_select("SELECT " + "(" * 3000 + "1" + ")" * 3000, dialect)
    assert str(caught.value) == "The SQL is nested too deeply to be checked; simplify it."


def test_parse_errors_are_refused_with_the_reason():
    with pytest.raises(QueryRefused, match=r"^The SQL could not be parsed: "):
        check_select("SELECT FROM WHERE ((", "postgresql")


@pytest.fixture
def tenants(db):
    contoso = make_account(db, "Contoso MSP")
    fabrikam = make_account(db, "Fabrikam IT")
    people = {
        "analyst": make_user(db, contoso, "analyst", name="Ana Analyst"),
        "admin": make_user(db, contoso, "team_admin", name="Tom Admin"),
        "viewer": make_user(db, contoso, "viewer", name="Val Viewer"),
        "engineer": make_user(db, contoso, "engineer", name="Eve Engineer"),
        "super": make_user(db, contoso, "analyst", name="Sue Super", is_super_admin=True),
        "fabrikam_analyst": make_user(db, fabrikam, "analyst", name="Fred Analyst"),
    }
    for _ in range(3):
        make_session(db, contoso, problem_summary="Contoso problem")
    for _ in range(2):
        make_session(db, fabrikam, problem_summary="Fabrikam secret")
    db.commit()
    users = {role: load_user(db, user.id) for role, user in people.items()}
    return {"contoso": contoso, "fabrikam": fabrikam, **users}


def test_who_may_write_ad_hoc_sql(tenants):
    assert adhoc_access(tenants["analyst"]).allowed
    assert adhoc_access(tenants["admin"]).allowed
    assert adhoc_access(tenants["super"]).allowed
    assert adhoc_access(tenants["viewer"]).reason == "Ad-hoc SQL is for analysts and team admins; you are a viewer."
    assert adhoc_access(tenants["engineer"]).reason == (
        "Ad-hoc SQL is for analysts and team admins; you are an engineer."
    )


def test_viewers_get_no_ad_hoc_sql(engine, tenants):
    with pytest.raises(PermissionDenied, match="you are a viewer"):
        run_adhoc(engine, tenants["viewer"], "SELECT 1 AS one", **LIMITS)


def test_ad_hoc_timeout_and_row_cap(engine, tenants):
    user = tenants["analyst"]
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT COUNT(*) FROM n"
    with pytest.raises(QueryTimeout, match=r"^The query ran longer than 0.2 s and was stopped"):
        run_adhoc(engine, user, slow, timeout_ms=200, row_cap=10)
    many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25) SELECT i FROM n ORDER BY i"
    result = run_adhoc(engine, user, many, timeout_ms=2000, row_cap=5)
    assert [r["i"] for r in result.rows] == [1, 2, 3, 4, 5]
    assert result.cap_message.startswith("Only the first 5 rows are shown")


def test_saving_listing_running_and_deleting_a_report(engine, db, tenants):
    user = tenants["analyst"]
    sql = "SELECT problem_summary, COUNT(*) AS n FROM ai_sessions WHERE account_id = :account_id GROUP BY 1"
    saved = save_report(db, user, "  Sessions by summary ", sql, "Counts", ChartSpec("bar", "problem_summary", "n"))
    db.commit()
    assert [(r.name, r.description, r.chart) for r in list_saved_reports(db, tenants["contoso"].id)] == [
        ("Sessions by summary", "Counts", {"kind": "bar", "x": "problem_summary", "y": "n", "colour": None})
    ]
    assert list_saved_reports(db, tenants["fabrikam"].id) == []
    # Anyone in the account may run it (a viewer too); someone from another account may not.
    result = run_saved_report(engine, tenants["viewer"], saved, **LIMITS)
    assert result.rows == [{"problem_summary": "Contoso problem", "n": 3}]
    with pytest.raises(PermissionDenied):
        run_saved_report(engine, tenants["fabrikam_analyst"], saved, **LIMITS)
    with pytest.raises(DuplicateReportName, match="^A saved report named 'Sessions by summary' already exists"):
        save_report(db, user, "Sessions by summary", "SELECT 1 AS one WHERE :account_id IS NOT NULL")
    db.rollback()
    delete_saved_report(db, user, saved.id)
    db.commit()
    assert db.scalar(select(func.count()).select_from(SavedReport)) == 0


def test_saving_refuses_bad_sql_viewers_and_empty_names(engine, db, tenants):
    user = tenants["analyst"]
    with pytest.raises(QueryRefused):
        save_report(db, user, "Wipe", "DELETE FROM ai_sessions")
    with pytest.raises(PermissionDenied):
        save_report(db, tenants["viewer"], "Mine", "SELECT 1 AS one")
    with pytest.raises(Exception, match="^Give the report a name.$"):
        save_report(db, user, "   ", "SELECT 1 AS one")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SavedReport)) == 0
    assert db.scalar(select(func.count()).select_from(AISession)) == 5
    assert db.scalar(select(func.count()).select_from(Account)) == 2


def test_tables_added_later_get_the_tenant_policy(pg_engine):
    from sqlalchemy import text

    from core.reports.tenant_views import ensure_tenant_security, tenant_tables, unprotected_tables

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE report_probe_later (id int PRIMARY KEY, account_id uuid NOT NULL)"))
    try:
        with pg_engine.connect() as conn:
            assert "report_probe_later" in unprotected_tables(conn)
        with pg_engine.begin() as conn:
            ensure_tenant_security(conn)
            ensure_tenant_security(conn)  # idempotent
        with pg_engine.connect() as conn:
            assert unprotected_tables(conn) == []
            protected = set(tenant_tables(conn))
        assert {"accounts", "ai_sessions", "saved_reports", "report_probe_later"} <= protected
        assert "alembic_version" not in protected
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP TABLE report_probe_later"))


def test_row_level_security_leaves_other_roles_unaffected(pg_engine):
    # An application that connects as a non-owner role must still see every row after the migration.
    from sqlalchemy import text

    with session_scope(pg_engine) as s:
        for account in (make_account(s), make_account(s)):
            make_session(s, account)
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "DO $$ BEGIN CREATE ROLE flowpilot_test_app NOLOGIN; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        )
        conn.execute(text("GRANT SELECT ON ai_sessions TO flowpilot_test_app"))
    try:
        with pg_engine.begin() as conn:
            conn.execute(text("SET LOCAL ROLE flowpilot_test_app"))
            assert conn.execute(text("SELECT COUNT(*) FROM ai_sessions")).scalar() == 2
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("REVOKE SELECT ON ai_sessions FROM flowpilot_test_app"))


def _huge_cells(dialect: str, rows: int, width: int) -> str:
    """``rows`` rows of a number and a text cell ``width`` characters wide."""
    if dialect == "postgresql":
        return f"SELECT g, repeat('x', {width}) AS blob FROM generate_series(1, {rows}) AS g"
    return (
        f"WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {rows}) "
        f"SELECT g, substr(hex(zeroblob({width // 2 + 1})), 1, {width}) AS blob FROM n"
    )


def test_huge_cells_stop_at_the_byte_cap_and_are_cut_for_display(engine, tenants):
    user = tenants["analyst"]
    sql = _huge_cells(engine.dialect.name, 5000, 300_000)
    result = run_adhoc(engine, user, sql, timeout_ms=5000, row_cap=5000, byte_cap=3_000_000)
    # 300,000 characters and an 8-byte number a row: the tenth row would pass 3 MB, so nine are kept.
    assert [r["g"] for r in result.rows] == list(range(1, 10))
    assert (result.truncated, result.stopped_by, result.cut_cells) == (True, "bytes", 9)
    assert {len(r["blob"]) for r in result.rows} == {2000} and result.rows[0]["blob"].endswith("…")
    assert result.cap_message == (
        "Only the first 9 rows are shown: the result passed the 3 MB cap on data fetched, so fetching stopped "
        "there. Select fewer or narrower columns, or aggregate. 9 cells were longer than 2,000 characters and are "
        "cut (…)."
    )


def test_the_query_of_the_report_stops_well_inside_its_time_limit(engine, tenants):
    """5,000 rows of 300 kB each (1.5 GB) ran 11.5 s past a 5 s limit when every row was fetched."""
    user = tenants["analyst"]
    sql = _huge_cells(engine.dialect.name, 5000, 300_000)
    result = run_adhoc(engine, user, sql, timeout_ms=5000, row_cap=5000)
    assert (len(result.rows), result.stopped_by) == (66, "bytes")
    assert result.elapsed_ms < 5000


def test_narrow_results_are_neither_capped_nor_cut(engine, tenants):
    user = tenants["analyst"]
    result = run_adhoc(engine, user, _huge_cells(engine.dialect.name, 250, 2000), timeout_ms=5000, row_cap=5000)
    assert (len(result.rows), result.truncated, result.cut_cells, result.cap_message) == (250, False, 0, None)


def test_a_colon_inside_a_string_is_a_clear_error_and_can_be_escaped(engine, tenants):
    # SQLAlchemy reads ":1" after a quote as a parameter even inside a string; say so rather than crash.
    with pytest.raises(QueryFailed) as caught:
        run_adhoc(engine, tenants["analyst"], """SELECT '{"a":1}' AS doc""", **LIMITS)
    assert (
        str(caught.value)
        == "The SQL reads :1 as a parameter that has no value; inside a string, write \\: for a colon."
    )
    assert run_adhoc(engine, tenants["analyst"], """SELECT '{"a"\\:1}' AS doc""", **LIMITS).rows == [{"doc": '{"a":1}'}]
