"""Accounts and users without the demo (``python -m jobs.accounts``), and the whole path from an empty database to
the analytics of one's own data: accounts, users, ``jobs.ingest --create-users`` of string ids without tiers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from core.db import session_scope
from core.insights.analytics import dashboard
from core.models import Account, AISession, Team, User
from core.sessions.browse import SessionFilter, get_session, list_sessions
from jobs.accounts import main as accounts
from jobs.ingest import main as ingest


@pytest.fixture
def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(command, url: str, *args: str) -> int:
    return command(["--database-url", url, *args]) if command is accounts else command([*args, "--database-url", url])


def test_create_refuses_a_taken_or_malformed_slug(url, capsys):
    assert run(accounts, url, "create", "--name", "Tailspin IT", "--slug", "tailspin") == 0
    assert capsys.readouterr().out.strip() == "created account 'tailspin' (Tailspin IT)"
    assert run(accounts, url, "create", "--name", "Other", "--slug", "tailspin") == 2
    assert capsys.readouterr().err.strip() == "error: an account with slug 'tailspin' already exists"
    assert run(accounts, url, "create", "--name", "Other", "--slug", "Tail Spin") == 2
    assert capsys.readouterr().err.strip() == (
        "error: slug 'Tail Spin' must be 1-80 lowercase letters, digits and hyphens, starting with a letter or digit"
    )


def test_add_user_creates_updates_and_refuses(url, engine, capsys):
    run(accounts, url, "create", "--name", "Tailspin IT", "--slug", "tailspin")
    run(accounts, url, "create", "--name", "Contoso", "--slug", "contoso")
    capsys.readouterr()
    args = ["add-user", "--account", "tailspin", "--email", "Lee@Tailspin.example", "--name", "Lee Park"]
    assert run(accounts, url, *args, "--role", "team_admin", "--team", "Service Desk") == 0
    assert run(accounts, url, *args, "--role", "team_admin", "--team", " service desk ") == 0
    assert run(accounts, url, *args, "--role", "owner") == 0
    assert capsys.readouterr().out.splitlines() == [
        "created Lee@Tailspin.example in 'tailspin'",
        "unchanged Lee@Tailspin.example in 'tailspin'",
        "updated Lee@Tailspin.example in 'tailspin'",
    ]
    assert run(accounts, url, "add-user", "--account", "contoso", "--email", "lee@tailspin.example",
               "--name", "Lee", "--role", "engineer") == 2  # fmt: skip
    assert capsys.readouterr().err.strip() == "error: lee@tailspin.example is already a user of another account"
    assert run(accounts, url, "add-user", "--account", "nope", "--email", "a@b.example", "--name", "A",
               "--role", "engineer") == 2  # fmt: skip
    assert capsys.readouterr().err.strip() == "error: unknown account 'nope'"
    assert run(accounts, url, "add-user", "--account", "tailspin", "--email", "a@b.example", "--name", "A",
               "--role", "boss") == 2  # fmt: skip
    assert capsys.readouterr().err.strip() == (
        "error: role 'boss' must be one of engineer, team_admin, owner, analyst, viewer"
    )
    with session_scope(engine) as db:
        user = db.scalar(select(User))
        assert (user.email, user.name, user.role, user.team_id) == ("Lee@Tailspin.example", "Lee Park", "owner", None)
        assert [t.name for t in db.scalars(select(Team))] == ["Service Desk"]


def test_import_users_reports_bad_rows_by_line_and_is_idempotent(url, engine, tmp_path, capsys):
    run(accounts, url, "create", "--name", "Tailspin IT", "--slug", "tailspin")
    run(accounts, url, "create", "--name", "Contoso", "--slug", "contoso")
    run(accounts, url, "add-user", "--account", "contoso", "--email", "max@contoso.example", "--name", "Max",
        "--role", "engineer")  # fmt: skip
    path = tmp_path / "users.csv"
    path.write_text(
        "Email,Name,Role,Team\n"
        "ana@tailspin.example,Ana Ruiz,engineer,Service Desk\n"
        "lee@tailspin.example,Lee Park,team_admin,\n"
        "\n"
        "ben@tailspin.example,Ben Ode,wizard,Service Desk\n"
        "not-an-address,Nobody,engineer,\n"
        "max@contoso.example,Max,engineer,\n"
        '"kim@tailspin.example","Kim, ""KJ"" Jones",analyst,Night shift\n',
        encoding="utf-8-sig",
    )
    capsys.readouterr()
    assert run(accounts, url, "import-users", "--account", "tailspin", str(path)) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "created 3, updated 0, unchanged 0, 3 bad row(s)"
    assert err.splitlines() == [
        "line 5: role 'wizard' must be one of engineer, team_admin, owner, analyst, viewer",
        "line 6: 'not-an-address' is not an e-mail address",
        "line 7: max@contoso.example is already a user of another account",
    ]
    assert run(accounts, url, "import-users", "--account", "tailspin", str(path)) == 1
    assert capsys.readouterr().out.strip() == "created 0, updated 0, unchanged 3, 3 bad row(s)"
    with session_scope(engine) as db:
        tailspin = db.scalar(select(Account).where(Account.slug == "tailspin"))
        users = db.scalars(select(User).where(User.account_id == tailspin.id).order_by(User.email)).all()
        assert [(u.email, u.name, u.role) for u in users] == [
            ("ana@tailspin.example", "Ana Ruiz", "engineer"),
            ("kim@tailspin.example", 'Kim, "KJ" Jones', "analyst"),
            ("lee@tailspin.example", "Lee Park", "team_admin"),
        ]
        teams = db.scalars(select(Team.name).where(Team.account_id == tailspin.id).order_by(Team.name)).all()
        assert teams == ["Night shift", "Service Desk"]
    path.write_text("email,name\nana@tailspin.example,Ana\n", encoding="utf-8")
    assert run(accounts, url, "import-users", "--account", "tailspin", str(path)) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: cannot read {path}: missing column(s) role; the header must be email,name,role,team"
    )


def _session(external_id: str, status: str, created: str, minutes: int | None, **extra) -> dict:
    """A session as a ticket system exports it: a string id, no confidence tier, no flow (None fields left out)."""
    record = {"id": external_id, "status": status, "problem_summary": f"Reported on {created[:10]}"}
    record["created_at"] = created
    if minutes is not None:
        start = datetime.fromisoformat(created)
        end = datetime.fromtimestamp(start.timestamp() + minutes * 60, tz=start.tzinfo).isoformat()
        record["ended_at"] = end
        if status == "resolved":
            record["resolved_at"] = end
    record["steps"] = [{"step_type": "note", "content": {"text": f"step {n}"}} for n in range(extra.pop("steps", 0))]
    return {**record, **{key: value for key, value in extra.items() if value is not None}}


def _planner_rows(db, table: str) -> int:
    """The row count the query planner holds for ``table`` (set by ANALYZE)."""
    if db.get_bind().dialect.name == "sqlite":
        stat = db.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t ORDER BY idx LIMIT 1"), {"t": table})
        return int(stat.split()[0])
    return int(db.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}))


def test_from_an_empty_database_to_the_dashboard_of_imported_tickets(url, engine, tmp_path, capsys):
    ana, ben, lee = "ana.ruiz@tailspin.example", "ben@tailspin.example", "LEE@tailspin.example"
    tickets = [  # id, status, created_at, minutes to the end, other fields
        ("INC-1001", "resolved", "2026-11-10T09:00:00+00:00", 30, {"problem_domain": "vpn", "rating": 5, "steps": 3}),
        ("INC-1002", "resolved", "2026-11-12T10:00:00+00:00", 90, {"problem_domain": "vpn", "rating": 4, "steps": 1}),
        ("INC-1003", "escalated", "2026-11-14T08:00:00+00:00", 60, {"problem_domain": "printers", "steps": 2}),
        ("INC-1004", "abandoned", "2026-11-15T08:00:00+00:00", 20, {}),
        ("INC-1005", "active", "2026-11-19T10:00:00+00:00", None, {"problem_domain": "printers"}),
        ("case 6 / Zürich", "resolved", "2026-11-16T10:00:00+01:00", 15, {"problem_domain": "exchange", "steps": 2}),
    ]
    engineers = {"INC-1001": ana, "INC-1002": ana, "INC-1003": ben, "case 6 / Zürich": lee}
    lines = [_session(*ticket[:4], **ticket[4], engineer_email=engineers.get(ticket[0])) for ticket in tickets]
    lines[-1]["confidence_tier"] = "guided"
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")

    assert run(accounts, url, "create", "--name", "Tailspin IT", "--slug", "tailspin") == 0
    assert run(accounts, url, "add-user", "--account", "tailspin", "--email", "lee@tailspin.example",
               "--name", "Lee Park", "--role", "team_admin", "--team", "Service Desk") == 0  # fmt: skip
    capsys.readouterr()
    # Without --create-users the lines of engineers nobody added are refused; the others are imported.
    assert run(ingest, url, str(path), "--account", "tailspin") == 1
    out, err = capsys.readouterr()
    assert out.strip() == "imported 3, skipped 0 duplicate(s), 3 bad line(s)"
    hint = "in account 'tailspin' (--create-users adds them)"
    assert err.splitlines() == [
        f"line 1: unknown engineer 'ana.ruiz@tailspin.example' {hint}",
        f"line 2: unknown engineer 'ana.ruiz@tailspin.example' {hint}",
        f"line 3: unknown engineer 'ben@tailspin.example' {hint}",
    ]
    assert run(ingest, url, str(path), "--account", "tailspin", "--create-users") == 0
    assert capsys.readouterr().out.strip() == "imported 3, skipped 3 duplicate(s), 0 bad line(s)"
    assert run(ingest, url, str(path), "--account", "tailspin", "--create-users") == 0
    assert capsys.readouterr().out.strip() == "imported 0, skipped 6 duplicate(s), 0 bad line(s)"
    assert run(accounts, url, "list") == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["tailspin", "Tailspin", "IT", "1", "3", "6"]

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with session_scope(engine) as db:
        account = db.scalar(select(Account).where(Account.slug == "tailspin"))
        people = db.execute(select(User.email, User.name, User.role).order_by(User.email)).all()
        assert [tuple(p) for p in people] == [
            ("ana.ruiz@tailspin.example", "Ana Ruiz", "engineer"),
            ("ben@tailspin.example", "Ben", "engineer"),
            ("lee@tailspin.example", "Lee Park", "team_admin"),
        ]
        stored = db.execute(select(AISession.external_id, AISession.confidence_tier).order_by(AISession.created_at))
        assert [tuple(s) for s in stored] == [
            ("INC-1001", "unknown"),
            ("INC-1002", "unknown"),
            ("INC-1003", "unknown"),
            ("INC-1004", "unknown"),
            ("case 6 / Zürich", "guided"),
            ("INC-1005", "unknown"),
        ]
        data = dashboard(db, account.id, 30, now)
        # The import refreshed the planner's statistics: it knows the real row counts, not the empty tables'.
        assert (_planner_rows(db, "ai_sessions"), _planner_rows(db, "ai_session_steps")) == (6, 8)
    assert data["kpis"] == {
        "total_sessions": 6,
        "resolved_sessions": 3,
        "escalated_sessions": 1,
        "abandoned_sessions": 1,
        "closed_sessions": 5,
        "resolution_rate": 60.0,
        "mttr_minutes": 45.0,  # (30 + 90 + 15) / 3
        "avg_steps_to_resolution": 2.0,  # (3 + 1 + 2) / 3
        "avg_session_duration_minutes": 43.0,  # (30 + 90 + 60 + 20 + 15) / 5
        "avg_rating": 4.5,
        "rated_sessions": 2,
        "ticket_linked_sessions": 0,
        "mttr_median_minutes": 30.0,
        "mttr_p90_minutes": 78.0,  # 30 + 0.8 x (90 - 30)
    }
    # Sessions without a tier are their own slice: none of them is counted as discovery.
    assert data["confidence_breakdown"] == [
        {"tier": "guided", "sessions": 1, "resolved": 1, "escalated": 0, "resolution_rate": 100.0},
        {"tier": "exploring", "sessions": 0, "resolved": 0, "escalated": 0, "resolution_rate": 0.0},
        {"tier": "discovery", "sessions": 0, "resolved": 0, "escalated": 0, "resolution_rate": 0.0},
        {"tier": "unknown", "sessions": 5, "resolved": 2, "escalated": 1, "resolution_rate": 50.0},
    ]
    # The source's ids find their sessions on the Sessions page, and the detail shows them.
    with session_scope(engine) as db:
        found = list_sessions(db, account.id, SessionFilter(text="zürich")).rows
        assert [row.problem_summary for row in found] == ["Reported on 2026-11-16"]
        assert get_session(db, account.id, uuid.UUID(found[0].id)).external_id == "case 6 / Zürich"
    assert [(d["domain"], d["sessions"], d["resolution_rate"]) for d in data["sessions_by_domain"]] == [
        ("printers", 2, 0.0),
        ("vpn", 2, 100.0),
        ("exchange", 1, 100.0),
        ("unclassified", 1, 0.0),
    ]
