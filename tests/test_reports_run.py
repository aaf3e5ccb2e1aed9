"""Shipped reports on SQLite and PostgreSQL: every one runs with the expected columns, three with exact values on
hand-built data; parameters cannot inject SQL; the timeout and the row cap stop a query with a clear message."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from core.models import AISession, PSAPush, ScriptGeneration, ScriptTemplate
from core.reports.catalog import catalogue, load_reports, parse_report_file, run_report
from core.reports.execute import QueryFailed, QueryTimeout, run_readonly
from tests.factories import make_account, make_session, make_tree, make_user

TODAY = date(2026, 11, 21)
LIMITS = {"timeout_ms": 5000, "row_cap": 1000}

EXPECTED_COLUMNS = {
    "engineer_resolution_rates": [
        "engineer",
        "closed_sessions",
        "resolved",
        "escalated",
        "abandoned",
        "resolution_rate_pct",
    ],
    "escalations_by_domain_week": ["week", "problem_domain", "escalations"],
    "flows_not_matched": ["flow", "problem_domain", "version", "sessions_ever", "last_matched_at"],
    "free_text_escapes": ["flow", "flow_node_id", "escapes", "sessions", "example_input"],
    "proposal_review_turnaround": [
        "proposal_type",
        "reviewed",
        "published",
        "rejected",
        "dismissed",
        "avg_hours",
        "max_hours",
    ],
    "psa_push_failures": ["ticket_id", "status", "attempts", "hours", "last_error", "session", "pushed_at"],
    "script_usage_by_template": ["template", "generations", "engineers", "worked", "failed", "worked_pct"],
    "slowest_flows_by_mttr": ["flow", "problem_domain", "resolved_sessions", "mttr_minutes", "longest_minutes"],
}


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def workspace(db):
    """Contoso with two engineers, two flows and a spread of sessions; Fabrikam with look-alike rows that no
    Contoso report may count."""
    contoso = make_account(db, "Contoso MSP")
    fabrikam = make_account(db, "Fabrikam IT")
    ann = make_user(db, contoso, "engineer", name="Ann")
    bob = make_user(db, contoso, "engineer", name="Bob")
    fay = make_user(db, fabrikam, "engineer", name="Fay")
    outlook = make_tree(db, contoso, name="Outlook prompts", problem_domain="exchange")
    vpn = make_tree(db, contoso, name="VPN drops", problem_domain="network")
    make_tree(db, contoso, name="Printer offline", problem_domain="printing", created_at=at(1, month=6))
    other_flow = make_tree(db, fabrikam, name="Fabrikam flow", problem_domain="exchange")

    def session(account, engineer, status, day, minutes=20.0, flow=None, domain="exchange", month=11):
        return make_session(
            db,
            account,
            status=status,
            created_at=at(day, month=month),
            duration_minutes=minutes,
            engineer_id=engineer.id if engineer else None,
            matched_flow_id=flow.id if flow else None,
            problem_domain=domain,
        )

    # Ann: 3 resolved + 2 escalated in the last 30 days; Bob: 1 resolved + 1 abandoned + 1 still active; one unassigned escalation.
    session(contoso, ann, "resolved", 16, 20, outlook)
    session(contoso, ann, "resolved", 17, 40, outlook)
    session(contoso, ann, "resolved", 18, 90, vpn, "network")
    session(contoso, ann, "escalated", 18, 30, outlook)
    session(contoso, bob, "resolved", 10, 15, None, "network")
    session(contoso, bob, "abandoned", 11, 5, vpn, "network")
    session(contoso, bob, "active", 19)
    session(contoso, None, "escalated", 12, 60, None, "network")
    session(contoso, ann, "escalated", 3, 60, None, "exchange")
    session(contoso, ann, "escalated", 2, 60, None, "exchange", month=8)  # before the 90-day window
    # Fabrikam: the same shapes, which must never show up in Contoso's reports.
    session(fabrikam, fay, "escalated", 16, 10, other_flow)
    session(fabrikam, fay, "resolved", 16, 500, other_flow)
    db.commit()
    return {"contoso": contoso, "fabrikam": fabrikam, "ann": ann, "bob": bob}


def run(engine, account, name, **values):
    report = catalogue(engine).reports[name]
    return run_report(engine, report, account.id, values, today=TODAY, **LIMITS)


def test_every_shipped_report_loads_on_both_dialects_without_errors():
    for dialect in ("sqlite", "postgresql"):
        loaded = load_reports(dialect)
        assert loaded.broken == []
        assert sorted(loaded.reports) == sorted(EXPECTED_COLUMNS)


def test_every_shipped_report_runs_and_returns_its_columns(engine, workspace):
    found = catalogue(engine)
    assert found.broken == []
    for name, columns in EXPECTED_COLUMNS.items():
        result = run_report(engine, found.reports[name], workspace["contoso"].id, {}, today=TODAY, **LIMITS)
        assert result.columns == columns, name
        assert list(found.reports[name].columns) == columns


def test_escalations_by_domain_and_week_exact(engine, workspace):
    result = run(engine, workspace["contoso"], "escalations_by_domain_week")
    # 2026-11-18 (Wed) is in the week of Monday 2026-11-16; 12 Nov in the week of the 9th; 3 Nov of the 2nd.
    assert result.rows == [
        {"week": "2026-11-02", "problem_domain": "exchange", "escalations": 1},
        {"week": "2026-11-09", "problem_domain": "network", "escalations": 1},
        {"week": "2026-11-16", "problem_domain": "exchange", "escalations": 1},
    ]
    only_network = run(engine, workspace["contoso"], "escalations_by_domain_week", domain="network")
    assert only_network.rows == [{"week": "2026-11-09", "problem_domain": "network", "escalations": 1}]
    wider = run(engine, workspace["contoso"], "escalations_by_domain_week", since=date(2026, 8, 1))
    assert wider.rows[0] == {"week": "2026-07-27", "problem_domain": "exchange", "escalations": 1}


def test_engineer_resolution_rates_exact(engine, workspace):
    result = run(engine, workspace["contoso"], "engineer_resolution_rates")
    assert result.rows == [
        {
            "engineer": "Ann",
            "closed_sessions": 5,
            "resolved": 3,
            "escalated": 2,
            "abandoned": 0,
            "resolution_rate_pct": 60.0,
        },
        {
            "engineer": "Bob",
            "closed_sessions": 2,
            "resolved": 1,
            "escalated": 0,
            "abandoned": 1,
            "resolution_rate_pct": 50.0,
        },
        {
            "engineer": "(unassigned)",
            "closed_sessions": 1,
            "resolved": 0,
            "escalated": 1,
            "abandoned": 0,
            "resolution_rate_pct": 0.0,
        },
    ]
    assert [
        r["engineer"] for r in run(engine, workspace["contoso"], "engineer_resolution_rates", min_sessions=2).rows
    ] == [
        "Ann",
        "Bob",
    ]


def test_slowest_flows_by_mttr_exact(engine, workspace):
    result = run(engine, workspace["contoso"], "slowest_flows_by_mttr")
    assert result.rows == [
        {
            "flow": "VPN drops",
            "problem_domain": "network",
            "resolved_sessions": 1,
            "mttr_minutes": 90.0,
            "longest_minutes": 90.0,
        },
        {
            "flow": "Outlook prompts",
            "problem_domain": "exchange",
            "resolved_sessions": 2,
            "mttr_minutes": 30.0,
            "longest_minutes": 40.0,
        },
    ]
    assert [r["flow"] for r in run(engine, workspace["contoso"], "slowest_flows_by_mttr", min_sessions=2).rows] == [
        "Outlook prompts"
    ]


def test_flows_not_matched_lists_only_the_idle_old_flow(engine, workspace):
    result = run(engine, workspace["contoso"], "flows_not_matched")
    assert [(r["flow"], r["sessions_ever"], r["last_matched_at"]) for r in result.rows] == [
        ("Printer offline", 0, None)
    ]


def _push(session: AISession, ticket: str, status: str, created_at: datetime, attempts: int = 1, **kw) -> PSAPush:
    """A PSA push for ``session``'s ticket; it succeeded first time only when it took one attempt."""
    return PSAPush(
        account_id=session.account_id,
        session_id=session.id,
        ticket_id=ticket,
        attempts=attempts,
        first_attempt_ok=attempts == 1,
        status=status,
        created_at=created_at,
        **kw,
    )


def test_psa_and_script_reports_count_only_the_account(engine, db, workspace):
    contoso, fabrikam = workspace["contoso"], workspace["fabrikam"]
    first = db.scalar(select(AISession).where(AISession.account_id == contoso.id).order_by(AISession.created_at))
    theirs = db.scalar(select(AISession).where(AISession.account_id == fabrikam.id))
    db.add_all(
        [
            _push(first, "CW-1", "succeeded", at(18), attempts=3),
            _push(first, "CW-2", "failed", at(19), attempts=4, last_error="HTTP 503"),
            _push(first, "CW-3", "succeeded", at(19)),
            _push(theirs, "FB-1", "failed", at(19), attempts=2),
        ]
    )
    template = ScriptTemplate(account_id=None, name="Clear credentials", body="Write-Output 'x'")
    db.add(template)
    db.flush()
    for account, result in ((contoso, "worked"), (contoso, "failed"), (contoso, "worked"), (fabrikam, "failed")):
        db.add(
            ScriptGeneration(
                account_id=account.id, template_id=template.id, script="x", result=result, created_at=at(18)
            )
        )
    db.commit()
    pushes = run(engine, contoso, "psa_push_failures")
    assert [(r["ticket_id"], r["status"], r["attempts"], r["last_error"]) for r in pushes.rows] == [
        ("CW-2", "failed", 4, "HTTP 503"),
        ("CW-1", "succeeded", 3, ""),
    ]
    assert [r["ticket_id"] for r in run(engine, contoso, "psa_push_failures", only_failed=True).rows] == ["CW-2"]
    scripts = run(engine, contoso, "script_usage_by_template")
    assert scripts.rows == [
        {
            "template": "Clear credentials",
            "generations": 3,
            "engineers": 0,
            "worked": 2,
            "failed": 1,
            "worked_pct": 66.7,
        }
    ]


@pytest.mark.parametrize(
    "attack",
    [
        "exchange' OR '1'='1",
        "x'; DELETE FROM ai_sessions; --",
        "network) OR (1=1",
        "' UNION SELECT id, name, 1 FROM accounts --",
    ],
)
def test_injection_through_a_parameter_is_inert(engine, db, workspace, attack):
    result = run(engine, workspace["contoso"], "escalations_by_domain_week", domain=attack)
    assert result.rows == []
    assert db.scalar(select(func.count()).select_from(AISession)) == 12


def test_account_id_cannot_be_passed_as_a_parameter(engine, workspace):
    report = catalogue(engine).reports["escalations_by_domain_week"]
    # A caller-supplied account_id is ignored: the account is the argument, never a widget value.
    result = run_report(
        engine, report, workspace["contoso"].id, {"account_id": workspace["fabrikam"].id}, today=TODAY, **LIMITS
    )
    assert sum(r["escalations"] for r in result.rows) == 3


SLOW = """\
-- title: Slow
-- param: depth int = 100000000 | Depth
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :depth)
SELECT COUNT(*) AS total FROM n WHERE CAST(:account_id AS TEXT) IS NOT NULL
"""

MANY = """\
-- title: Many rows
-- param: rows int = 50 | Rows
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
SELECT i FROM n WHERE CAST(:account_id AS TEXT) IS NOT NULL ORDER BY i
"""


def test_timeout_stops_a_report_with_a_clear_message(engine, workspace, tmp_path):
    path = tmp_path / "slow.sql"
    path.write_text(SLOW, encoding="utf-8")
    report = parse_report_file(path, engine.dialect.name)
    with pytest.raises(QueryTimeout) as caught:
        run_report(engine, report, workspace["contoso"].id, {}, timeout_ms=200, row_cap=10)
    assert str(caught.value) == (
        "The query ran longer than 0.2 s and was stopped (statement timeout). Narrow the period or simplify the query."
    )
    # The connection is usable afterwards (no lingering timeout or read-only state).
    assert run_report(engine, report, workspace["contoso"].id, {"depth": 3}, timeout_ms=2000, row_cap=10).rows == [
        {"total": 3}
    ]


def test_row_cap_keeps_the_first_rows_and_says_so(engine, workspace, tmp_path):
    path = tmp_path / "many.sql"
    path.write_text(MANY, encoding="utf-8")
    report = parse_report_file(path, engine.dialect.name)
    result = run_report(engine, report, workspace["contoso"].id, {}, timeout_ms=2000, row_cap=10)
    assert [r["i"] for r in result.rows] == list(range(1, 11))
    assert result.truncated
    assert result.cap_message == (
        "Only the first 10 rows are shown: the result hit the row cap. "
        "Narrow the parameters or aggregate further to see everything."
    )
    exact = run_report(engine, report, workspace["contoso"].id, {"rows": 10}, timeout_ms=2000, row_cap=10)
    assert len(exact.rows) == 10 and not exact.truncated and exact.cap_message is None


def test_execution_is_read_only_even_without_the_parser(engine, db, workspace):
    # run_readonly itself does not parse: the transaction (PostgreSQL) or connection (SQLite) refuses writes.
    if engine.dialect.name == "postgresql":
        settings = "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS t"
        assert run_readonly(engine, settings, timeout_ms=1500, row_cap=10).rows == [{"ro": "on", "t": "1500ms"}]
        write = "WITH gone AS (DELETE FROM ai_sessions RETURNING id) SELECT COUNT(*) AS n FROM gone"
    else:
        write = "UPDATE ai_sessions SET status = 'abandoned'"
    with pytest.raises(QueryFailed):
        run_readonly(engine, write, timeout_ms=2000, row_cap=10)
    assert db.scalar(select(func.count()).select_from(AISession)) == 12
    assert db.scalar(select(func.count()).where(AISession.status == "abandoned")) == 1
