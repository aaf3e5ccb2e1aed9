"""The Analytics page explored: humanised durations, a domain filter, a custom range and the links to Sessions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.db import session_scope
from tests.app_harness import app_for
from tests.factories import make_account, make_session, make_user
from ui import drilldown

WINDOW = {"start": "2026-11-13T12:00:00+00:00", "end": "2026-11-20T12:00:00+00:00", "domain": None}


@pytest.fixture
def app(engine, monkeypatch):
    """Resolved in the last 7 days: vpn in 45 and 372 min, printers in 6,336 min (4.4 d); one vpn escalated, one
    unclassified abandoned; the 7 days before: one vpn resolved in 60 min."""
    now = datetime.now(UTC)
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        account.created_at = now - timedelta(days=400)
        make_user(db, account, "team_admin", name="Tom Admin")
        for days, domain, minutes in ((1, "vpn", 45), (2, "vpn", 372), (5, "printers", 6336), (10, "vpn", 60)):
            make_session(
                db, account, problem_domain=domain, created_at=now - timedelta(days=days), duration_minutes=minutes
            )
        make_session(db, account, problem_domain="vpn", status="escalated", created_at=now - timedelta(days=3))
        make_session(db, account, problem_domain=None, status="abandoned", created_at=now - timedelta(days=4))
    test = app_for(engine, monkeypatch)
    test.run()
    test.switch_page("views/analytics.py").run()
    assert not test.exception, test.exception
    test.radio(key="analytics_period").set_value(7).run()
    return test


def _metrics(app) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in app.metric}


def test_durations_are_humanised_with_median_and_p90_beside_the_mean(app):
    metrics = _metrics(app)
    assert metrics["MTTR"] == ("1.6 d", "+1.5 d")  # (45 + 372 + 6336) / 3 = 2251 min; 60 min before
    assert metrics["MTTR median"] == ("6.2 h", "")  # no arrow: the previous period's median is not read
    assert metrics["MTTR p90"] == ("3.6 d", "")  # 372 + 0.8 x (6336 - 372) min
    assert metrics["Session duration"][0] == "22.6 h"  # (45 + 372 + 6336 + 20 + 20) / 5 closed sessions
    assert (metrics["Escalated"][0], metrics["Abandoned"][0]) == ("1", "1")
    assert metrics["Steps to resolution"][0] == "0.0"


def _tables(app) -> dict[str, list[dict]]:
    """The chart tables by their first two columns' names: "Domain Sessions", "Tier Sessions", "Domain Flows", …"""
    return {" ".join(d.value.columns[:2]): d.value.to_dict("records") for d in app.dataframe}


def _traces(app, title: str) -> list[dict]:
    specs = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    return next(s["data"] for s in specs if s["layout"]["title"]["text"] == title)


def test_domains_and_tiers_read_as_labels_and_links_keep_the_stored_name(app):
    assert app.selectbox(key="analytics_domain").options == ["All domains", "Printers", "VPN", "Unclassified"]
    tables = _tables(app)
    assert tables["Domain Sessions"][0] == {
        "Domain": "VPN",
        "Sessions": 3,
        "Resolved": 2,
        "Escalated": 1,
        "Resolution rate": 66.67,
    }
    assert [(r["Tier"], r["Sessions"]) for r in tables["Tier Sessions"]] == [
        ("Guided", 5),
        ("Exploring", 0),
        ("Discovery", 0),
    ]
    assert [(r["Domain"], r["Gap severity"]) for r in tables["Domain Flows"]] == [
        ("Printers", "Not computed"),
        ("Unclassified", "Not computed"),
        ("VPN", "Not computed"),
    ]
    bars = _traces(app, "Resolved vs escalated by domain")
    # The axis shows labels; each bar carries its stored domain, which a click turns into the Sessions link.
    assert [(t["x"], t["customdata"]) for t in bars] == [
        (["VPN", "Printers", "Unclassified"], ["vpn", "printers", "unclassified"])
    ] * 2
    assert _traces(app, "Confidence tiers")[0]["labels"] == [
        "Guided (60% resolved)",
        "Exploring (0% resolved)",
        "Discovery (0% resolved)",
    ]
    heatmap = _traces(app, "Knowledge coverage")
    assert heatmap[0]["y"] == ["Printers", "Unclassified", "VPN"]
    assert heatmap[1]["customdata"][-1] == "vpn"
    # The selectbox shows "VPN" and keeps the stored name as its value.
    app.selectbox(key="analytics_domain").set_value("vpn").run()
    assert app.selectbox(key="analytics_domain").value == "vpn"
    link = next(p for p in app.page_link if p.value == "Open these sessions")
    assert link.proto.query_string.startswith("domain=vpn&from=")
    assert "&as=" in link.proto.query_string


def test_a_domain_narrows_the_figures(app):
    app.selectbox(key="analytics_domain").set_value("vpn").run()
    assert not app.exception, app.exception
    metrics = _metrics(app)
    assert metrics["Sessions"][0] == "3"
    assert (metrics["MTTR"][0], metrics["MTTR median"][0], metrics["MTTR p90"][0]) == ("3.5 h", "3.5 h", "5.7 h")
    assert (metrics["Escalated"][0], metrics["Abandoned"][0]) == ("1", "0")


def test_a_custom_range_of_days(app):
    today = datetime.now(UTC).date()
    app.radio(key="analytics_period").set_value("custom").run()
    app.date_input(key="analytics_range").set_value((today - timedelta(days=5), today - timedelta(days=5))).run()
    assert not app.exception, app.exception
    metrics = _metrics(app)
    assert (metrics["Sessions"][0], metrics["MTTR"][0]) == ("1", "4.4 d")
    day = (today - timedelta(days=5)).isoformat()
    assert f"{day} to {day} (UTC). Arrows compare with the day before {day}." in [c.value for c in app.caption]


def test_a_range_ending_before_it_starts_is_a_clear_error(app):
    today = datetime.now(UTC).date()
    app.radio(key="analytics_period").set_value("custom").run()
    app.date_input(key="analytics_range").set_value((today, today - timedelta(days=3))).run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        f"The start date {today} is after the end date {today - timedelta(days=3)}."
    ]


@pytest.mark.parametrize(
    "chart, point, params",
    [
        ("domains", {"x": "vpn", "curve_number": 1}, {"domain": "vpn", "status": "escalated"}),
        ("domains", {"x": "printers", "curve_number": 0}, {"domain": "printers", "status": "resolved"}),
        ("coverage", {"x": "Flows", "y": "unclassified"}, {"domain": "unclassified"}),
        ("mttr", {"x": "2026-11-15", "y": 3.2}, {"status": "resolved", "from": "2026-11-15", "to": "2026-11-15"}),
        # The axes show labels; the stored name comes from the point's customdata (a value, or a list of them).
        (
            "domains",
            {"x": "Active Directory", "customdata": "active_directory", "curve_number": 0},
            {"domain": "active_directory", "status": "resolved"},
        ),
        (
            "coverage",
            {"x": "Flows", "y": "Active Directory", "customdata": ["active_directory"]},
            {"domain": "active_directory"},
        ),
    ],
)
def test_a_clicked_point_becomes_the_sessions_filter_of_the_window(chart, point, params):
    assert drilldown.from_point(chart, point, WINDOW) == {"from": "2026-11-13", "to": "2026-11-20", **params}


def test_a_point_naming_nothing_opens_nothing():
    assert drilldown.from_point("domains", {"curve_number": 0}, WINDOW) is None
    assert drilldown.from_point("tiers", {"x": "guided"}, WINDOW) is None
