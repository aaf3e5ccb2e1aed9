"""The app shell over app.py (AppTest): every page renders, the sidebar, the demo switcher, the sign-in modes."""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.config import Settings
from core.db import session_scope
from core.models import FlowProposal
from core.scripts.library import seed_script_templates
from core.trees import add_branch, diff_trees
from tests.app_harness import app_for
from tests.factories import OUTLOOK_TREE, make_account, make_session, make_team, make_tree, make_two_accounts, make_user

PAGES = [
    "views/review_queue.py",
    "views/flows.py",
    "views/knowledge_gaps.py",
    "views/analytics.py",
    "views/reports.py",
    "views/sessions.py",
    "views/script_assist.py",
]
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def sidebar_text(app) -> str:
    return "\n".join([m.value for m in app.sidebar.markdown] + [c.value for c in app.sidebar.caption])


def main_text(app) -> str:
    parts = [m.value for m in app.main.markdown] + [e.value for e in app.main.error] + [i.value for i in app.main.info]
    return "\n".join(parts + [t.value for t in app.main.title])


def _proposal(db, account, flow, **kw):
    proposal = FlowProposal(
        account_id=account.id,
        proposal_type=kw.pop("proposal_type", "new_flow"),
        status=kw.pop("status", "pending"),
        title=kw.pop("title", "Outlook prompts for a shared mailbox"),
        description="Sessions kept escaping the flow at the Modern Authentication question.",
        proposed_flow_data={
            "title": "Outlook prompts for a shared mailbox",
            "description": "",
            "match_keywords": ["outlook", "shared mailbox"],
            "problem_domain": "exchange",
            "tree_structure": OUTLOOK_TREE,
        },
        confidence_score=0.6,
        problem_domain="exchange",
        **kw,
    )
    db.add(proposal)
    db.flush()
    return proposal


@pytest.fixture
def workspace(db):
    """Two small accounts: Contoso with a flow, sessions, two pending proposals and one dismissed; Fabrikam bare."""
    contoso, fabrikam = make_two_accounts(db)
    team = make_team(db, contoso)
    users = {
        role: make_user(db, contoso, role, team, name=f"Contoso {role}", email=f"{role}@contoso.test")
        for role in ("engineer", "team_admin", "owner", "analyst", "viewer")
    }
    fay = make_user(db, fabrikam, "team_admin", name="Fay Admin", email="fay@fabrikam.test")
    flow = make_tree(db, contoso, team_id=team.id)
    for n, status in enumerate(("resolved", "resolved", "escalated", "abandoned")):
        make_session(
            db,
            contoso,
            status=status,
            engineer_id=users["engineer"].id,
            matched_flow_id=flow.id if n < 2 else None,
            match_score=0.9 if n < 2 else None,
            confidence_tier="guided" if n < 2 else "discovery",
            created_at=NOW.replace(day=10 + n),
            rating=5 - n,
            analysis_status="completed",
            steps=[{"step_type": "question", "content": {"question": "Which mailbox?"}, "was_free_text": n == 2}],
        )
    make_session(db, fabrikam, problem_summary="Fabrikam VPN", created_at=NOW)
    _proposal(db, contoso, flow)
    branch = {
        "id": "s9",
        "label": "Shared mailbox",
        "type": "solution",
        "solution": "Re-add the shared mailbox with automapping off.",
    }
    enhanced = add_branch(OUTLOOK_TREE, "q2", branch)
    _proposal(
        db,
        contoso,
        flow,
        proposal_type="enhancement",
        target_flow_id=flow.id,
        title="Add the shared-mailbox answer",
        proposed_diff=diff_trees(OUTLOOK_TREE, enhanced),
    )
    _proposal(db, contoso, flow, status="dismissed", title="Dismissed idea")
    seed_script_templates(db)
    db.commit()
    return {"users": users, "fay": fay}


def visit_every_page(app, signed_in: str) -> dict[str, str]:
    """Page file -> what went wrong on it: an exception, or a sidebar without the signed-in user."""
    failures = {}
    for page in PAGES:
        app.switch_page(page).run()
        if app.exception:
            failures[page] = "\n".join(e.value for e in app.exception)
        elif f"**{signed_in}**" not in sidebar_text(app):
            failures[page] = "sidebar without the signed-in user"
    return failures


def test_empty_database_shows_how_to_create_the_demo_workspace_on_every_page(engine, monkeypatch):
    app = app_for(engine, monkeypatch).run()
    assert not app.exception
    assert "python -m jobs.setup" in main_text(app)
    # The way to one's own data, command by command.
    for command in ("python -m jobs.accounts create", "--role team_admin", "python -m jobs.ingest sessions.jsonl"):
        assert command in main_text(app)
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, page
        assert "holds no workspace yet" in main_text(app), page


def test_every_page_renders_for_a_workspace_with_no_data(engine, db, monkeypatch):
    make_user(db, make_account(db, "Empty MSP"), "team_admin", name="Nadia New")
    db.commit()
    app = app_for(engine, monkeypatch).run()
    assert visit_every_page(app, "Nadia New") == {}
    assert ":gray-badge[:material/inbox: 0 pending proposals]" in sidebar_text(app)


def test_every_page_renders_with_a_small_workspace(engine, workspace, monkeypatch):
    app = app_for(engine, monkeypatch).run()
    assert visit_every_page(app, "Contoso team_admin") == {}


def test_sidebar_shows_user_role_account_and_pending_count(engine, workspace, monkeypatch):
    app = app_for(engine, monkeypatch).run()
    side = sidebar_text(app)
    assert "**Contoso team_admin**  \nteam admin · Contoso MSP" in side
    # Two pending proposals; the dismissed one does not count, nor Fabrikam's (none).
    assert ":orange-badge[:material/inbox: 2 pending proposals]" in side
    switcher = app.sidebar.selectbox(key="auth_demo_user")
    assert switcher.label == "Demo sign-in"
    # Everyone of both accounts, the signed-in user selected.
    assert switcher.options == [
        "Contoso engineer — engineer · Contoso MSP",
        "Contoso team_admin — team admin · Contoso MSP",
        "Contoso owner — owner · Contoso MSP",
        "Contoso analyst — analyst · Contoso MSP",
        "Contoso viewer — viewer · Contoso MSP",
        "Fay Admin — team admin · Fabrikam IT",
    ]
    assert switcher.value == str(workspace["users"]["team_admin"].id)


def test_demo_sign_in_switches_user_and_account(engine, workspace, monkeypatch):
    app = app_for(engine, monkeypatch).run()
    app.sidebar.selectbox(key="auth_demo_user").set_value(str(workspace["fay"].id)).run()
    assert not app.exception
    side = sidebar_text(app)
    assert "**Fay Admin**  \nteam admin · Fabrikam IT" in side
    assert ":gray-badge[:material/inbox: 0 pending proposals]" in side
    # The choice holds on the next page too.
    app.switch_page("views/sessions.py").run()
    assert "**Fay Admin**" in sidebar_text(app)
    assert list(app.dataframe[0].value["Problem"]) == ["Fabrikam VPN"]


def test_header_mode_without_the_proxy_header_stops_with_an_explanation(engine, workspace, monkeypatch):
    app = app_for(engine, monkeypatch, auth="header").run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "The trusted header X-Forwarded-Email is missing: sign in through the proxy."
    ]
    assert not app.sidebar.selectbox


def test_oidc_mode_signs_in_the_identity_providers_user(engine, workspace, monkeypatch):
    app = app_for(engine, monkeypatch, auth="oidc")
    app.user = {"is_logged_in": False}
    app.run()
    assert [e.value for e in app.error] == [
        "FLOWPILOT_AUTH=oidc needs an [auth] section in .streamlit/secrets.toml (see .streamlit/secrets.toml.example)."
    ]
    app.secrets["auth"] = {"client_id": "studio", "server_metadata_url": "https://idp.example/.well-known"}
    app.run()
    assert not app.exception
    assert app.button(key="auth_login").label == "Sign in"
    app.user = {"is_logged_in": True, "email": "ANALYST@contoso.test", "name": "Someone Else"}
    app.run()
    assert not app.exception
    assert "**Contoso analyst**  \nanalyst · Contoso MSP" in sidebar_text(app)
    assert app.sidebar.button(key="auth_logout").label == "Sign out"


def test_local_sign_in_is_refused_on_postgresql_unless_allowed(pg_engine, monkeypatch):
    with session_scope(pg_engine) as db:
        make_user(db, make_account(db, "Contoso MSP"), "team_admin", name="Tom Admin")
    app = app_for(pg_engine, monkeypatch, allow_local_auth_on_postgres="false").run()
    assert not app.exception
    assert app.error[0].value.startswith("Local demo sign-in is refused on PostgreSQL. Set FLOWPILOT_AUTH=header")
    assert not sidebar_text(app)
    monkeypatch.setenv("FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES", "true")
    app.run()
    assert "**Tom Admin**" in sidebar_text(app)


def test_unreachable_database_is_an_error_message_not_a_traceback(monkeypatch, tmp_path):
    class Unreachable:
        class url:  # noqa: N801 - mimics Engine.url
            @staticmethod
            def render_as_string(hide_password: bool = True) -> str:
                return "postgresql+psycopg://postgres:secret@127.0.0.1:1/nowhere"

    app = app_for(Unreachable, monkeypatch).run(timeout=60)
    assert not app.exception
    message = app.error[0].value
    assert message.startswith("Cannot open the database at postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere")
    assert "secret" not in message


def test_secrets_file_overrides_the_environment(engine, workspace, monkeypatch, tmp_path):
    app = app_for(engine, monkeypatch)
    real_url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("FLOWPILOT_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    app.secrets["FLOWPILOT_DATABASE_URL"] = real_url
    app.run()
    assert not app.exception
    assert ":orange-badge[:material/inbox: 2 pending proposals]" in sidebar_text(app)


def test_secrets_example_names_every_setting_and_changes_nothing_as_is():
    example = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit/secrets.toml.example").read_text())
    named = {k for k in example if k.startswith("FLOWPILOT_")} | {"FLOWPILOT_DATABASE_URL"}  # commented: a path
    assert named == {f"FLOWPILOT_{f.name.upper()}" for f in fields(Settings)}
    as_is = {
        f.name: example[f"FLOWPILOT_{f.name.upper()}"]
        for f in fields(Settings)
        if example.get(f"FLOWPILOT_{f.name.upper()}")
    }
    assert replace(Settings(), **as_is) == Settings()


def test_secrets_given_as_text_are_read_like_environment_variables():
    # secrets.toml may quote a number or a flag; it must not reach the app as a string.
    settings = Settings.from_env({"daily_llm_budget": "7", "budget_fallback_offline": "yes", "worker_batch_size": 9})
    assert (settings.daily_llm_budget, settings.budget_fallback_offline, settings.worker_batch_size) == (7, True, 9)
