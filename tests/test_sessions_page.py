"""The Sessions page and its service (core.sessions.browse): filters, pages, one session in full, tenant isolation."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from streamlit.testing.v1 import AppTest

from core.auth import PermissionDenied, sign_in
from core.config import Settings
from core.db import session_scope
from core.models import Account, AISession
from core.sessions.browse import (
    InvalidFilter,
    NotRequeueable,
    SessionFilter,
    SessionNotFound,
    get_session,
    list_sessions,
    requeue_analysis,
    to_csv,
)
from tests.app_harness import app_for
from tests.factories import make_account, make_session, make_tree, make_user

SQLITE = Settings(database_url="sqlite:///unused.db")


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def data(db):
    """Contoso (three sessions, one with a free-text escape and a failed analysis) and Fabrikam (one session)."""
    contoso = make_account(db, "Contoso MSP")
    contoso.created_at = at(2026, 1, 1)
    fabrikam = make_account(db, "Fabrikam IT")
    fabrikam.created_at = at(2026, 2, 1)
    tom = make_user(db, contoso, "team_admin", name="Tom Admin", email="tom@contoso.test")
    eve = make_user(db, contoso, "engineer", name="Eve Engineer", email="eve@contoso.test")
    viewer = make_user(db, contoso, "viewer", name="Val Viewer", email="val@contoso.test")
    fay = make_user(db, fabrikam, "team_admin", name="Fay Admin", email="fay@fabrikam.test")
    flow = make_tree(db, contoso)
    outlook = make_session(
        db,
        contoso,
        created_at=at(2026, 11, 20),
        engineer_id=eve.id,
        matched_flow_id=flow.id,
        match_score=0.72,
        rating=4,
        psa_ticket_id="CW-2001",
        intake_content={"device": "LAPTOP-17"},
        conversation_messages=[
            {"role": "user", "content": "Outlook keeps asking for my password."},
            {"role": "assistant", "content": "Does it prompt repeatedly?"},
        ],
        steps=[
            {
                "step_type": "question",
                "content": {"question": "Does Outlook prompt for credentials repeatedly?", "options": ["Yes", "No"]},
                "selected_option": "Yes",
                "flow_node_id": "q1",
            },
            {
                "step_type": "question",
                "content": {"question": "Is Modern Authentication enabled for the tenant?"},
                "was_free_text": True,
                "free_text_input": "Only the shared mailbox prompts",
                "flow_node_id": "q2",
            },
            {
                "step_type": "question",
                "content": {"question": "Does Outlook prompt for credentials repeatedly?"},
                "selected_option": "Sometimes",
                "flow_node_id": "q1",
            },
        ],
        analysis_status="failed",
        analysis_attempts=4,
        analysis_error="LLM timeout after 60 s",
    )
    vpn = make_session(
        db,
        contoso,
        status="escalated",
        confidence_tier="exploring",
        problem_domain="vpn",
        problem_summary="VPN drops every ten minutes",
        psa_ticket_id="CW-1001",
        created_at=at(2026, 11, 10),
        analysis_status="completed",
    )
    printer = make_session(
        db,
        contoso,
        status="abandoned",
        confidence_tier="discovery",
        problem_domain=None,
        problem_summary="Printer shows offline after a driver update",
        created_at=at(2026, 10, 1),
    )
    secret = make_session(db, fabrikam, problem_summary="Fabrikam board mailbox migration", created_at=at(2026, 11, 21))
    db.commit()
    return {
        "contoso": contoso.id,
        "tom": tom.id,
        "eve": eve.id,
        "viewer": viewer.id,
        "fay": fay.id,
        "outlook": outlook.id,
        "vpn": vpn.id,
        "printer": printer.id,
        "secret": secret.id,
    }


def summaries(page) -> list[str]:
    return [r.problem_summary for r in page.rows]


# --- service ---------------------------------------------------------------------------------------------------


def test_list_is_the_accounts_sessions_newest_first(db, data):
    page = list_sessions(db, data["contoso"])
    assert summaries(page) == [
        "Outlook keeps prompting for a password",
        "VPN drops every ten minutes",
        "Printer shows offline after a driver update",
    ]
    first = page.rows[0]
    assert (first.engineer, first.matched_flow, first.free_text_escapes, first.duration_minutes) == (
        "Eve Engineer",
        "Outlook credential prompts",
        1,
        20.0,
    )
    assert (page.rows[2].problem_domain, page.rows[2].analysis_status) == ("unclassified", "not queued")


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (SessionFilter(statuses=("escalated", "abandoned")), ["VPN", "Printer"]),
        (SessionFilter(tiers=("guided",)), ["Outlook"]),
        (SessionFilter(domains=("unclassified",)), ["Printer"]),
        (SessionFilter(domains=("vpn", "unclassified")), ["VPN", "Printer"]),
        (SessionFilter(analysis_statuses=("failed", "not queued")), ["Outlook", "Printer"]),
        (SessionFilter(text="PROMPTING"), ["Outlook"]),
        (SessionFilter(text="cw-100"), ["VPN"]),
        (SessionFilter(text="100%"), []),
        (SessionFilter(date_from=date(2026, 11, 10), date_to=date(2026, 11, 10)), ["VPN"]),
        (SessionFilter(date_from=date(2026, 11, 11)), ["Outlook"]),
        (SessionFilter(date_to=date(2026, 10, 31)), ["Printer"]),
    ],
)
def test_filters(db, data, flt, expected):
    assert [s.split()[0] for s in summaries(list_sessions(db, data["contoso"], flt))] == expected


def test_pages_and_a_page_past_the_end(db, data):
    page = list_sessions(db, data["contoso"], page=2, page_size=2)
    assert (summaries(page), page.total, page.pages, page.first_row, page.last_row) == (
        ["Printer shows offline after a driver update"],
        3,
        2,
        3,
        3,
    )
    # Narrowed filters can leave the reader past the end: they get the last page, not an empty one.
    clamped = list_sessions(db, data["contoso"], SessionFilter(statuses=("resolved",)), page=5, page_size=2)
    assert (clamped.page, summaries(clamped)) == (1, ["Outlook keeps prompting for a password"])


def test_bad_filters_are_clear_errors(db, data):
    with pytest.raises(InvalidFilter, match="Unknown status 'closed'; choose from active, resolved"):
        list_sessions(db, data["contoso"], SessionFilter(statuses=("closed",)))
    with pytest.raises(InvalidFilter, match="The start date 2026-11-12 is after the end date 2026-11-01"):
        list_sessions(db, data["contoso"], SessionFilter(date_from=date(2026, 11, 12), date_to=date(2026, 11, 1)))
    with pytest.raises(InvalidFilter, match="Page size must be between 1 and 500, not 0"):
        list_sessions(db, data["contoso"], page_size=0)


def test_detail_has_steps_in_order_with_escapes_marked(db, data):
    detail = get_session(db, data["contoso"], data["outlook"])
    assert (detail.matched_flow, detail.match_score, detail.engineer, detail.psa_ticket_id) == (
        "Outlook credential prompts",
        0.72,
        "Eve Engineer",
        "CW-2001",
    )
    assert [(s.number, s.was_free_text, s.off_flow) for s in detail.steps] == [
        (1, False, False),
        (2, True, False),
        (3, False, True),  # "Sometimes" is no option of node q1
    ]
    assert [s.number for s in detail.escapes] == [2, 3]
    assert detail.steps[0].options == ["Yes", "No"]
    assert detail.can_requeue


def test_another_accounts_or_unknown_session_is_not_found(db, data):
    # A malformed id never reaches the service: the page parses it (test_deep_link_to_another_account_or_unknown_id).
    for wrong in (data["secret"], uuid.UUID("3f0e0000-0000-4000-8000-000000000000")):
        with pytest.raises(SessionNotFound, match="Session not found"):
            get_session(db, data["contoso"], wrong)


def test_requeue_puts_a_failed_analysis_back_in_the_queue(db, data):
    tom = sign_in(db, SQLITE, remembered_user_id=data["tom"])
    requeue_analysis(db, tom, data["outlook"])
    db.commit()
    s = db.get(AISession, get_session(db, data["contoso"], data["outlook"]).id)
    assert (s.analysis_status, s.analysis_after, s.analysis_attempts) == ("pending", None, 0)
    assert s.analysis_reason == "Re-queued after: LLM timeout after 60 s"
    with pytest.raises(NotRequeueable, match="Only failed or deferred analyses can be re-queued; this one is pending"):
        requeue_analysis(db, tom, data["outlook"])


def test_requeue_refuses_viewers_completed_sessions_and_other_accounts(db, data):
    viewer = sign_in(db, SQLITE, remembered_user_id=data["viewer"])
    with pytest.raises(PermissionDenied, match="Viewers cannot re-queue"):
        requeue_analysis(db, viewer, data["outlook"])
    tom = sign_in(db, SQLITE, remembered_user_id=data["tom"])
    with pytest.raises(NotRequeueable, match="this one is completed"):
        requeue_analysis(db, tom, data["vpn"])
    fay = sign_in(db, SQLITE, remembered_user_id=data["fay"])
    with pytest.raises(SessionNotFound):
        requeue_analysis(db, fay, data["outlook"])
    assert db.get(AISession, get_session(db, data["contoso"], data["outlook"]).id).analysis_status == "failed"


def test_csv_has_a_header_and_one_line_per_session(db, data):
    lines = to_csv(list_sessions(db, data["contoso"]).rows).splitlines()
    assert lines[0].startswith("id,created_at,status,confidence_tier,problem_domain,problem_summary")
    assert len(lines) == 4
    assert lines[1].startswith(f"{data['outlook']},2026-11-20T09:00:00+00:00,resolved,guided,exchange,")


# --- page (AppTest) ----------------------------------------------------------------------------------------------


@pytest.fixture
def app(engine, data, monkeypatch):
    test = app_for(engine, monkeypatch)
    test.run()
    test.switch_page("views/sessions.py").run()
    assert not test.exception
    return test


def listed(app: AppTest) -> list[str]:
    if not app.dataframe:
        return []
    return list(app.dataframe[0].value["Problem"])


def texts(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [e.value for e in app.error] + [w.value for w in app.warning]
    parts += [s.value for s in app.subheader] + [str(m.value) for m in app.metric]
    return "\n".join(parts)


def test_page_lists_only_the_signed_in_accounts_sessions(app):
    assert listed(app) == [
        "Outlook keeps prompting for a password",
        "VPN drops every ten minutes",
        "Printer shows offline after a driver update",
    ]
    assert "Showing 1–3 of 3 sessions" in app.caption[0].value


def test_page_filters_change_the_list(app):
    app.multiselect(key="sessions_status").set_value(["escalated"]).run()
    assert listed(app) == ["VPN drops every ten minutes"]
    app.multiselect(key="sessions_status").set_value([]).run()
    app.multiselect(key="sessions_domain").set_value(["unclassified"]).run()
    assert listed(app) == ["Printer shows offline after a driver update"]
    app.multiselect(key="sessions_domain").set_value([]).run()
    app.text_input(key="sessions_search").set_value("outlook").run()
    assert listed(app) == ["Outlook keeps prompting for a password"]
    app.text_input(key="sessions_search").set_value("").run()
    app.date_input(key="sessions_from").set_value(date(2026, 11, 5)).run()
    app.date_input(key="sessions_to").set_value(date(2026, 11, 15)).run()
    assert listed(app) == ["VPN drops every ten minutes"]
    app.multiselect(key="sessions_tier").set_value(["guided"]).run()
    assert listed(app) == []
    assert app.info[0].value == "No session matches these filters."


def test_deep_link_opens_the_session_with_the_escape_highlighted(app, data):
    app.query_params["session"] = str(data["outlook"])
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Outlook keeps prompting for a password" in page
    assert "Matched flow: **Outlook credential prompts** (match score 0.72)" in page
    assert ":orange-badge[Free-text escape] :orange-background[“Only the shared mailbox prompts”]" in page
    assert "Chose **Sometimes** :orange-badge[Option not in the flow]" in page
    assert "2 steps left the flow" in page
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    assert "Last error: LLM timeout after 60 s" in page


def test_requeue_button_sends_a_failed_analysis_back(app, data, engine):
    app.query_params["session"] = str(data["outlook"])
    app.run()
    app.button(key="sessions_requeue").click().run()
    assert not app.exception
    assert "Status **pending**" in texts(app)
    assert not [b for b in app.button if b.key == "sessions_requeue"]
    with session_scope(engine) as db:
        assert db.get(AISession, get_session(db, data["contoso"], data["outlook"]).id).analysis_status == "pending"


@pytest.mark.parametrize("wrong", ["secret", "unknown", "malformed"])
def test_deep_link_to_another_account_or_unknown_id_is_not_found(app, data, wrong):
    app.query_params["session"] = {
        "secret": str(data["secret"]),
        "unknown": "3f0e0000-0000-4000-8000-000000000000",
        "malformed": "nope",
    }[wrong]
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == ["Session not found"]
    assert "Fabrikam board mailbox migration" not in texts(app)


def test_switching_user_switches_account(app, data):
    app.selectbox(key="auth_demo_user").set_value(str(data["fay"])).run()
    assert listed(app) == ["Fabrikam board mailbox migration"]
    app.query_params["session"] = str(data["outlook"])
    app.run()
    assert [e.value for e in app.error] == ["Session not found"]


def test_page_numbers_walk_through_the_list_and_filters_return_to_page_one(engine, db, data, monkeypatch):
    contoso = db.get(Account, data["contoso"])
    for n in range(27):
        make_session(db, contoso, problem_summary=f"Bulk session {n:02d}", created_at=at(2026, 9, 1 + n))
    db.commit()
    app = app_for(engine, monkeypatch)
    app.run()
    app.switch_page("views/sessions.py").run()
    app.selectbox(key="sessions_page_size").set_value(25).run()
    assert "Showing 1–25 of 30 sessions" in app.caption[0].value
    app.number_input(key="sessions_page").set_value(2).run()
    assert "Showing 26–30 of 30 sessions" in app.caption[0].value
    assert listed(app)[-1] == "Bulk session 00"
    app.text_input(key="sessions_search").set_value("bulk").run()
    assert "Showing 1–25 of 27 sessions" in app.caption[0].value


def test_recorded_text_is_shown_literally(engine, db, data, monkeypatch):
    odd = make_session(
        db,
        db.get(Account, data["contoso"]),
        problem_summary="Get-Mailbox $mbx | fl",
        steps=[{"step_type": "question", "was_free_text": True, "free_text_input": "ran $x] :red[boom]"}],
    )
    db.commit()
    app = app_for(engine, monkeypatch)
    app.query_params["session"] = str(odd.id)
    app.run()
    app.switch_page("views/sessions.py").run()
    page = texts(app)
    assert "Get\\-Mailbox \\$mbx \\| fl" in page
    assert ":orange-background[“ran \\$x\\] \\:red\\[boom\\]”]" in page
