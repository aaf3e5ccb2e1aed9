"""Links into the Sessions list (Analytics drills down through them) and durations as people read them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core.db import session_scope
from core.sessions.browse import LinkedFilter, SessionFilter, filter_from_link, link_params
from tests.app_harness import app_for
from tests.factories import make_account, make_session, make_user
from ui.format import duration, duration_change, metric_delta

DAY0 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "minutes, text",
    [
        (0, "0 min"),
        (45, "45 min"),
        (59.4, "59 min"),
        (59.6, "1.0 h"),
        (372, "6.2 h"),
        (1437, "23.9 h"),
        (1439, "1.0 d"),
        (6370, "4.4 d"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_durations_take_the_unit_their_size_calls_for(minutes, text):
    assert duration(minutes) == text


def test_a_change_carries_its_sign():
    assert duration_change(-2448) == "−1.7 d"
    assert duration_change(45) == "+45 min"
    assert duration_change(-0.3) == "0 min"
    assert duration_change(None) is None
    assert metric_delta("−1.7 d") == "-1.7 d"


def test_a_link_is_read_into_a_filter_and_back():
    linked = filter_from_link(
        {"domain": ["vpn", "vpn", " "], "status": ["escalated"], "tier": ["guided"], "from": ["2026-11-01"]}
    )
    assert linked == LinkedFilter(
        SessionFilter(statuses=("escalated",), tiers=("guided",), domains=("vpn",), date_from=date(2026, 11, 1))
    )
    assert link_params(linked.filter) == {
        "domain": ["vpn"],
        "status": ["escalated"],
        "tier": ["guided"],
        "from": ["2026-11-01"],
        "to": [],
    }


def test_values_a_link_cannot_apply_are_named_and_left_out():
    linked = filter_from_link({"status": ["resolved", "closed"], "to": ["30/11/2026"]})
    assert linked.filter == SessionFilter(statuses=("resolved",))
    assert linked.ignored == (
        "'closed' is not a session status (active, resolved, escalated, abandoned).",
        "'30/11/2026' is not a date for 'to' (write it as YYYY-MM-DD).",
    )


@pytest.fixture
def app(engine, monkeypatch):
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        account.created_at = DAY0 - timedelta(days=300)
        make_user(db, account, "team_admin", name="Tom Admin")
        make_session(
            db, account, problem_domain="vpn", problem_summary="VPN quick", created_at=DAY0, duration_minutes=45
        )
        make_session(
            db,
            account,
            problem_domain="vpn",
            status="escalated",
            problem_summary="VPN escalated",
            created_at=DAY0 + timedelta(days=1),
            duration_minutes=372,
        )
        make_session(
            db,
            account,
            problem_domain="printers",
            problem_summary="Printer slow",
            created_at=DAY0 + timedelta(days=2),
            duration_minutes=6336,
        )
        make_session(db, account, status="active", problem_summary="Still going", created_at=DAY0 + timedelta(days=3))
    test = app_for(engine, monkeypatch)
    test.run()
    return test


def _sessions(app, **params):
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page("views/sessions.py").run()
    assert not app.exception, app.exception
    return app


def _listed(app) -> list[tuple[str, str]]:
    frame = app.dataframe[0].value
    return list(zip(frame["Problem"], frame["Duration"], strict=True))


def test_durations_in_the_list_are_humanised(app):
    _sessions(app)
    assert _listed(app) == [
        ("Still going", "still open"),
        ("Printer slow", "4.4 d"),
        ("VPN escalated", "6.2 h"),
        ("VPN quick", "45 min"),
    ]


def test_the_list_shows_labels_and_its_filters_keep_the_stored_names(app):
    _sessions(app)
    frame = app.dataframe[0].value
    assert list(frame.columns) == [
        "Started (UTC)",
        "Status",
        "Tier",
        "Domain",
        "Problem",
        "Engineer",
        "Matched flow",
        "Match",
        "Escapes",
        "Rating",
        "Duration",
        "Analysis",
        "PSA ticket",
    ]
    assert frame[["Status", "Domain", "Problem", "Rating", "Analysis"]].values.tolist() == [
        ["Active", "Exchange", "Still going", "—", "Not queued"],
        ["Resolved", "Printers", "Printer slow", "—", "Not queued"],
        ["Escalated", "VPN", "VPN escalated", "—", "Not queued"],
        ["Resolved", "VPN", "VPN quick", "—", "Not queued"],
    ]
    assert app.multiselect(key="sessions_domain").options == ["Exchange", "Printers", "VPN", "Unclassified"]
    assert app.multiselect(key="sessions_status").options == ["Active", "Resolved", "Escalated", "Abandoned"]
    app.multiselect(key="sessions_domain").set_value(["vpn"]).run()
    assert app.query_params["domain"] == "vpn"
    assert _listed(app) == [("VPN escalated", "6.2 h"), ("VPN quick", "45 min")]


def test_a_link_opens_the_list_with_its_filters_shown_and_editable(app):
    _sessions(app, domain="vpn", status="escalated", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert _listed(app) == [("VPN escalated", "6.2 h")]
    assert app.multiselect(key="sessions_domain").value == ["vpn"]
    assert app.multiselect(key="sessions_status").value == ["escalated"]
    assert app.date_input(key="sessions_from").value == date(2026, 11, 1)
    assert app.date_input(key="sessions_to").value == date(2026, 11, 30)

    app.multiselect(key="sessions_status").set_value([]).run()
    assert _listed(app) == [("VPN escalated", "6.2 h"), ("VPN quick", "45 min")]
    # The URL follows the filters shown, so the list can be shared or reloaded as it is.
    assert "status" not in app.query_params
    app.multiselect(key="sessions_domain").set_value(["vpn", "printers"]).run()
    assert app.query_params["domain"] == ["vpn", "printers"]


def test_a_link_to_a_domain_without_sessions_shows_it_and_an_empty_list(app):
    _sessions(app, domain="email")
    assert app.multiselect(key="sessions_domain").value == ["email"]
    assert app.info[0].value == "No session matches these filters."


def test_a_bad_link_value_is_named_and_the_rest_applies(app):
    _sessions(app, status=["resolved", "closed"], domain="vpn")
    assert [w.value for w in app.warning] == [
        "The link's filter was left out: 'closed' is not a session status (active, resolved, escalated, abandoned)."
    ]
    assert _listed(app) == [("VPN quick", "45 min")]
