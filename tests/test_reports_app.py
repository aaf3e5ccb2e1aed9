"""The Reports page: a report runs with changed parameters; an analyst saves an ad-hoc query and finds it in the
list; a viewer sees no editor; a broken report file is listed with its reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import make_session, make_two_accounts, make_user

APP = str(Path(__file__).resolve().parent.parent / "app.py")
RATES = "file:engineer_resolution_rates"


@pytest.fixture
def people(db):
    contoso, fabrikam = make_two_accounts(db)
    admin = make_user(db, contoso, "team_admin", name="Tom Admin", email="tom@contoso.test")
    analyst = make_user(db, contoso, "analyst", name="Ana Analyst", email="ana@contoso.test")
    viewer = make_user(db, contoso, "viewer", name="Val Viewer", email="val@contoso.test")
    ann = make_user(db, contoso, "engineer", name="Ann", email="ann@contoso.test")
    bob = make_user(db, contoso, "engineer", name="Bob", email="bob@contoso.test")
    fay = make_user(db, fabrikam, "engineer", name="Fay", email="fay@fabrikam.test")
    recent = datetime.now(timezone.utc) - timedelta(days=2)
    for engineer, status in ((ann, "resolved"), (ann, "escalated"), (bob, "resolved")):
        make_session(db, contoso, status=status, engineer_id=engineer.id, created_at=recent)
    make_session(db, fabrikam, status="resolved", engineer_id=fay.id, created_at=recent)
    db.commit()
    return {"admin": admin, "writer": analyst, "viewer": viewer}


def open_page(engine, monkeypatch, user) -> AppTest:
    monkeypatch.setenv("FLOWPILOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("FLOWPILOT_AUTH", "local")
    monkeypatch.setenv("FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES", "true")
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["auth_user_id"] = str(user.id)
    app.run()
    app.switch_page("views/reports.py").run()
    assert not app.exception, app.exception
    return app


def result_downloads(app: AppTest) -> list:
    return [b for b in app.get("download_button") if b.key == "reports_result_csv"]


def table(app: AppTest) -> list[dict]:
    """The first result table (the editor's list of columns is not one)."""
    results = [d for d in app.dataframe if list(d.value.columns) != ["Column", "Type"]]
    return results[0].value.to_dict("records") if results else []


def column_list(app: AppTest):
    return next(d.value for d in app.dataframe if list(d.value.columns) == ["Column", "Type"])


def test_a_report_runs_again_with_changed_parameters(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["admin"])
    app.selectbox(key="reports_choice").set_value(RATES).run()
    assert app.subheader[0].value == "Engineers' resolution rates"
    assert [(r["engineer"], r["closed_sessions"], r["resolution_rate_pct"]) for r in table(app)] == [
        ("Bob", 1, 100.0),
        ("Ann", 2, 50.0),
    ]
    assert len(result_downloads(app)) == 1
    assert [e.label for e in app.expander] == ["SQL"]
    app.number_input(key="reports_param_engineer_resolution_rates_min_sessions").set_value(2).run()
    assert not app.exception
    assert [r["engineer"] for r in table(app)] == ["Ann"]
    app.number_input(key="reports_param_engineer_resolution_rates_min_sessions").set_value(3).run()
    assert table(app) == []
    assert app.info[0].value == "No rows for these parameters."
    assert result_downloads(app) == []  # no CSV for an empty result


def test_viewer_sees_reports_but_no_editor(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["viewer"])
    assert app.selectbox(key="reports_choice").options
    assert [t for t in app.text_area if t.key == "reports_adhoc_sql"] == []
    assert "Ad-hoc SQL" not in [s.value for s in app.subheader]


PER_ENGINEER = """SELECT u.name AS engineer, COUNT(*) AS sessions
FROM ai_sessions s JOIN users u ON u.id = s.engineer_id
WHERE s.account_id = :account_id
GROUP BY u.name ORDER BY u.name"""


def test_analyst_saves_an_ad_hoc_query_and_finds_it_in_the_list(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["writer"])
    app.text_area(key="reports_adhoc_sql").set_value(PER_ENGINEER)
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    assert app.error == []
    adhoc = [d.value for d in app.dataframe if list(d.value.columns) == ["engineer", "sessions"]]
    assert adhoc[0].to_dict("records") == [{"engineer": "Ann", "sessions": 2}, {"engineer": "Bob", "sessions": 1}]
    app.text_input(key="reports_adhoc_name").set_value("Sessions per engineer")
    app.text_input(key="reports_adhoc_description").set_value("All time")
    app.button(key="reports_adhoc_save").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == ["Saved as 'Sessions per engineer'; it is now in the report list."]
    choice = app.selectbox(key="reports_choice")
    assert choice.value.startswith("saved:")
    assert "★ Sessions per engineer (saved)" in choice.options  # AppTest lists the shown labels
    assert app.subheader[0].value == "Sessions per engineer"
    assert table(app) == [{"engineer": "Ann", "sessions": 2}, {"engineer": "Bob", "sessions": 1}]


def test_refused_ad_hoc_sql_shows_the_reason(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["writer"])
    app.text_area(key="reports_adhoc_sql").set_value("DELETE FROM ai_sessions")
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == ["Only SELECT queries are allowed, not DELETE."]


def test_a_broken_report_file_is_listed_and_the_others_still_run(engine, monkeypatch, people, tmp_path):
    import core.reports.catalog

    good = (core.reports.catalog.REPORTS_ROOT / "engineer_resolution_rates.sql").read_text(encoding="utf-8")
    (tmp_path / "engineer_resolution_rates.sql").write_text(good, encoding="utf-8")
    (tmp_path / "typo.sql").write_text(good.replace("-- chart:", "-- chrat:"), encoding="utf-8")
    monkeypatch.setattr(core.reports.catalog, "REPORTS_ROOT", tmp_path)
    app = open_page(engine, monkeypatch, people["viewer"])
    assert app.selectbox(key="reports_choice").options == ["Engineers' resolution rates"]
    assert [r["engineer"] for r in table(app)] == ["Bob", "Ann"]
    assert app.expander[-1].label == "Broken reports (1)"
    line = f"- `{tmp_path / 'typo.sql'}:5` — unknown header key 'chrat' (use title, description, param, chart)"
    assert line in [m.value for m in app.markdown]


def test_row_cap_and_timeout_messages_on_the_page(engine, monkeypatch, people):
    monkeypatch.setenv("FLOWPILOT_STATEMENT_TIMEOUT_MS", "300")
    monkeypatch.setenv("FLOWPILOT_REPORT_ROW_CAP", "5")
    app = open_page(engine, monkeypatch, people["writer"])
    many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) SELECT i FROM n ORDER BY i"
    app.text_area(key="reports_adhoc_sql").set_value(many)
    app.button(key="reports_adhoc_run").click().run()
    assert [w.value for w in app.warning] == [
        "Only the first 5 rows are shown: the result hit the row cap. "
        "Narrow the parameters or aggregate further to see everything."
    ]
    slow = many.replace("i < 40", "i < 100000000").replace("SELECT i FROM n ORDER BY i", "SELECT COUNT(*) FROM n")
    app.text_area(key="reports_adhoc_sql").set_value(slow)
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "The query ran longer than 0.3 s and was stopped (statement timeout). Narrow the period or simplify the query."
    ]


def test_the_byte_cap_and_cut_cells_are_said_on_the_page(engine, monkeypatch, people):
    monkeypatch.setenv("FLOWPILOT_REPORT_BYTE_CAP", "50000")
    app = open_page(engine, monkeypatch, people["writer"])
    wide = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
        "SELECT i, substr(hex(zeroblob(6000)), 1, 12000) AS blob FROM n ORDER BY i"
    )
    if engine.dialect.name == "postgresql":
        wide = "SELECT i, repeat('0', 12000) AS blob FROM generate_series(1, 40) AS i ORDER BY i"
    app.text_area(key="reports_adhoc_sql").set_value(wide)
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    # 12,008 bytes a row: the fifth row would pass 50 kB.
    assert [w.value for w in app.warning] == [
        "Only the first 4 rows are shown: the result passed the 0.05 MB cap on data fetched, so fetching stopped "
        "there. Select fewer or narrower columns, or aggregate. 4 cells were longer than 2,000 characters and are "
        "cut (…)."
    ]
    assert [len(r["blob"]) for r in app.dataframe[-1].value.to_dict("records")] == [2000] * 4


def test_the_editor_lists_the_tables_and_columns_an_analyst_may_read(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["writer"])
    tables = app.selectbox(key="reports_schema_table")
    assert {"accounts", "ai_sessions", "users", "saved_reports"} <= set(tables.options)
    assert "alembic_version" not in tables.options
    tables.set_value("users").run()
    columns = column_list(app)
    assert {"id", "account_id", "email", "name", "role"} <= set(columns["Column"])
    assert [b.label for b in app.get("download_button") if b.key == "reports_schema_csv"] == [
        "Download all tables and columns (CSV)"
    ]


def test_an_analyst_on_either_database_runs_sql_that_sees_only_their_account(engine, monkeypatch, people):
    app = open_page(engine, monkeypatch, people["writer"])
    app.text_area(key="reports_adhoc_sql").set_value("SELECT COUNT(*) AS sessions FROM ai_sessions")
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    assert [d.value.to_dict("records") for d in app.dataframe if list(d.value.columns) == ["sessions"]] == [
        [{"sessions": 3}]
    ]
    app.text_area(key="reports_adhoc_sql").set_value("SELECT * FROM alembic_version")
    app.button(key="reports_adhoc_run").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        {
            "postgresql": "permission denied for table alembic_version",
            "sqlite": "The table alembic_version is not readable by ad-hoc SQL; the tables you may read are listed "
            "beside the editor.",
        }[engine.dialect.name]
    ]
