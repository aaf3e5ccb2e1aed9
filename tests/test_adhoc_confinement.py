"""Ad-hoc SQL sees one account's rows on both databases: row-level security on PostgreSQL, temporary views and an
authorizer on SQLite. Hostile queries get 0 foreign rows or a clear error; both list the same readable tables."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from core.auth import load_user
from core.db import session_scope
from core.models import Base, ScriptTemplate
from core.reports.adhoc import QueryRefused, readable_schema, run_adhoc, run_saved_report, save_report
from core.reports.execute import QueryFailed, QueryTimeout, ReportError
from tests.factories import make_account, make_session, make_user

LIMITS = {"timeout_ms": 5000, "row_cap": 1000}
SECRET = "Fabrikam secret"


@pytest.fixture
def tenants(engine):
    with session_scope(engine) as s:
        contoso, fabrikam = make_account(s, "Contoso MSP"), make_account(s, "Fabrikam IT")
        analyst = make_user(s, contoso, "analyst", name="Ana Analyst")
        viewer = make_user(s, contoso, "viewer", name="Val Viewer")
        fred = make_user(s, fabrikam, "analyst", name="Fred Analyst")
        for _ in range(3):
            make_session(s, contoso, problem_summary="Contoso problem")
        for _ in range(2):
            make_session(s, fabrikam, problem_summary=SECRET)
        s.add(ScriptTemplate(account_id=None, name="Shared: flush DNS", body="ipconfig /flushdns"))
        s.add(ScriptTemplate(account_id=fabrikam.id, name="Fabrikam only", body="Get-Service"))
        s.flush()
        return {
            "analyst": load_user(s, analyst.id),
            "viewer": load_user(s, viewer.id),
            "fred": load_user(s, fred.id),
            "fabrikam_id": str(fabrikam.id),
        }


def rows(engine, user, sql):
    return run_adhoc(engine, user, sql, **LIMITS).rows


def test_analysts_see_only_their_accounts_rows_on_both_databases(engine, tenants):
    analyst, fabrikam_id = tenants["analyst"], tenants["fabrikam_id"]
    assert rows(engine, analyst, "SELECT name FROM accounts ORDER BY name") == [{"name": "Contoso MSP"}]
    assert rows(engine, analyst, "SELECT COUNT(*) AS n FROM ai_sessions") == [{"n": 3}]
    # Naming the other account, its text, or joining everything still shows nothing of theirs.
    assert rows(engine, analyst, f"SELECT COUNT(*) AS n FROM ai_sessions WHERE account_id = '{fabrikam_id}'") == [
        {"n": 0}
    ]
    assert rows(engine, analyst, f"SELECT COUNT(*) AS n FROM ai_sessions WHERE problem_summary = '{SECRET}'") == [
        {"n": 0}
    ]
    assert rows(engine, analyst, "SELECT COUNT(*) AS n FROM users u JOIN accounts a ON a.id = u.account_id") == [
        {"n": 2}
    ]
    # Global script templates (account_id NULL) are every account's; another account's own are not.
    assert rows(engine, analyst, "SELECT name FROM script_templates ORDER BY name") == [{"name": "Shared: flush DNS"}]
    # Fabrikam's analyst writing the same SQL sees Fabrikam's two sessions.
    assert rows(engine, tenants["fred"], "SELECT COUNT(*) AS n FROM ai_sessions") == [{"n": 2}]


def test_tables_outside_the_readable_set_are_refused_on_both_databases(engine, tenants):
    expected = {
        "postgresql": "permission denied for table alembic_version",
        "sqlite": "The table alembic_version is not readable by ad-hoc SQL; the tables you may read are listed "
        "beside the editor.",
    }[engine.dialect.name]
    with pytest.raises(QueryFailed) as caught:
        rows(engine, tenants["analyst"], "SELECT * FROM alembic_version")
    assert str(caught.value) == expected
    with pytest.raises(QueryRefused, match="set_config"):
        rows(engine, tenants["analyst"], f"SELECT set_config('flowpilot.account_id', '{tenants['fabrikam_id']}', true)")


NOT_READABLE = "is not readable by ad-hoc SQL; the tables you may read are listed beside the editor."


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("sql", "error", "message"),
    [
        (
            "SELECT problem_summary FROM main.ai_sessions",
            QueryFailed,
            "main.ai_sessions is not readable: write ai_sessions (without a schema) to read your account's rows.",
        ),
        (
            # A CTE named like the table does not pass for the view.
            "WITH ai_sessions AS (SELECT * FROM main.ai_sessions) SELECT problem_summary FROM ai_sessions",
            QueryFailed,
            "main.ai_sessions is not readable: write ai_sessions (without a schema) to read your account's rows.",
        ),
        (
            "SELECT problem_summary FROM ai_sessions WHERE id IN (SELECT id FROM main.ai_sessions)",
            QueryFailed,
            "main.ai_sessions is not readable: write ai_sessions (without a schema) to read your account's rows.",
        ),
        ("SELECT name, sql FROM sqlite_master", QueryFailed, f"The table sqlite_master {NOT_READABLE}"),
        ("SELECT sql FROM sqlite_schema", QueryFailed, f"The table sqlite_master {NOT_READABLE}"),
        ("SELECT sql FROM sqlite_temp_master", QueryFailed, f"The table sqlite_temp_master {NOT_READABLE}"),
        ("SELECT * FROM temp.sqlite_master", QueryFailed, f"The table sqlite_temp_master {NOT_READABLE}"),
        ("SELECT * FROM flowpilot_source.ai_sessions", QueryFailed, "no such table: flowpilot_source.ai_sessions"),
        (
            "SELECT key FROM json_each('[1, 2]')",
            QueryFailed,
            "Table-valued functions (json_each, pragma_table_info …) are not available in ad-hoc SQL on SQLite.",
        ),
        (
            "SELECT * FROM pragma_table_info('ai_sessions')",
            QueryFailed,
            "Table-valued functions (json_each, pragma_table_info …) are not available in ad-hoc SQL on SQLite.",
        ),
        (
            "SELECT sqlite_compileoption_used('ENABLE_LOAD_EXTENSION')",
            QueryFailed,
            "The function sqlite_compileoption_used() is not available in ad-hoc SQL.",
        ),
        (
            "SELECT load_extension('/tmp/evil')",
            QueryRefused,
            "The function load_extension() is refused: it has side effects or reaches outside the query.",
        ),
        ("ATTACH DATABASE '/tmp/other.db' AS other", QueryRefused, "Only SELECT queries are allowed, not ATTACH."),
        ("PRAGMA query_only = 0", QueryRefused, "Only SELECT queries are allowed, not PRAGMA."),
        ("DELETE FROM ai_sessions", QueryRefused, "Only SELECT queries are allowed, not DELETE."),
        ("UPDATE users SET role = 'owner'", QueryRefused, "Only SELECT queries are allowed, not UPDATE."),
        ("CREATE TEMP VIEW mine AS SELECT 1", QueryRefused, "Only SELECT queries are allowed, not CREATE."),
        (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n",
            QueryTimeout,
            "The query ran longer than 0.5 s and was stopped (statement timeout). Narrow the period or simplify "
            "the query.",
        ),
        (
            "SELECT length(zeroblob(2000000000)) AS n",
            QueryFailed,
            "A value in the query grew past the size the query may fetch; select or build less.",
        ),
        (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
            "SELECT length(group_concat(hex(randomblob(500)))) AS n FROM n",
            QueryFailed,
            "A value in the query grew past the size the query may fetch; select or build less.",
        ),
    ],
)
def test_hostile_queries_on_sqlite_get_a_clear_error(engine, tenants, sql, error, message):
    with pytest.raises(ReportError) as caught:
        run_adhoc(engine, tenants["analyst"], sql, timeout_ms=500, row_cap=100, byte_cap=1_000_000)
    assert (type(caught.value), str(caught.value)) == (error, message)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_nothing_of_the_confinement_outlives_the_query(engine, tenants):
    """Each query gets a fresh connection: the next one (a file report, unconfined by design) sees no views."""
    from core.reports.execute import run_readonly

    run_adhoc(engine, tenants["analyst"], "SELECT COUNT(*) AS n FROM ai_sessions", **LIMITS)
    result = run_readonly(engine, "SELECT COUNT(*) AS n FROM ai_sessions", **LIMITS)
    assert result.rows == [{"n": 5}]
    # And the database file was never written: the analyst's views lived in the connection's temp schema.
    with engine.connect() as conn:
        assert "ai_sessions" in inspect(conn).get_table_names()
        assert inspect(conn).get_view_names() == []


def test_a_saved_report_without_a_filter_shows_one_account(engine, tenants):
    with session_scope(engine) as s:
        saved = save_report(s, tenants["analyst"], "Everything", "SELECT COUNT(*) AS n FROM ai_sessions")
    assert run_saved_report(engine, tenants["viewer"], saved, **LIMITS).rows == [{"n": 3}]


def test_the_readable_tables_are_the_same_on_both_databases(engine):
    """What the editor lists: every table with an account_id column, and accounts, with all their columns."""
    tables = {t.name: t for t in readable_schema(engine)}
    expected = {
        name for name, table in Base.metadata.tables.items() if "account_id" in table.columns or name == "accounts"
    }
    assert set(tables) == expected
    assert {"ai_sessions", "users", "saved_reports", "accounts"} <= set(tables)
    assert "alembic_version" not in tables
    assert [c.name for c in tables["ai_sessions"].columns] == [
        c["name"] for c in inspect(engine).get_columns("ai_sessions")
    ]
    assert (tables["accounts"].tenant_column, tables["accounts"].shared_when_null) == ("id", False)
    assert (tables["ai_sessions"].tenant_column, tables["ai_sessions"].shared_when_null) == ("account_id", False)
    assert (tables["script_templates"].tenant_column, tables["script_templates"].shared_when_null) == (
        "account_id",
        True,
    )


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_counting_a_table_outside_the_set_is_refused_on_sqlite(engine, tenants):
    # COUNT(*) reads no column, so SQLite names only the table: it is still refused.
    with pytest.raises(QueryFailed, match="^The table alembic_version is not readable"):
        rows(engine, tenants["analyst"], "SELECT COUNT(*) AS n FROM alembic_version")
    with pytest.raises(QueryFailed, match="^main.ai_sessions is not readable"):
        rows(engine, tenants["analyst"], "SELECT COUNT(*) AS n FROM main.ai_sessions")
    assert rows(
        engine, tenants["analyst"], "WITH mine AS (SELECT id FROM ai_sessions) SELECT COUNT(*) AS n FROM mine"
    ) == [{"n": 3}]
