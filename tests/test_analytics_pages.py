"""Analytics and Knowledge Gaps pages through AppTest over app.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.db import session_scope
from core.insights.gaps import KnowledgeGap, store_report
from core.models import PSAConnection
from tests.app_harness import app_for
from tests.factories import make_account, make_session, make_user
from ui.charts import stars

HIGH = KnowledgeGap(
    "high_escalation",
    "vpn",
    "high",
    "High escalation rate in vpn",
    "8 of 10 closed vpn sessions (80.0 %) were escalated.",
    evidence={"signature": "vpn", "closed": 10, "escalated": 8, "escalation_rate": 80.0, "session_ids": []},
    suggested_action="Review the escalated sessions.",
)
LOW = KnowledgeGap(
    "uncharted_territory",
    "printers",
    "low",
    "Uncharted territory in printers",
    "3 printers sessions were resolved in discovery mode.",
    evidence={"signature": "printers", "resolved_discovery_sessions": 3, "session_ids": []},
    suggested_action="Write a flow.",
)


@pytest.fixture
def workspace(engine):
    now = datetime.now(UTC)
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        account.created_at = now - timedelta(days=400)
        admin = make_user(db, account, "team_admin", name="Tom Admin")
        db.add(PSAConnection(account_id=account.id, provider="connectwise"))
        vpn = make_session(
            db, account, problem_domain="vpn", status="escalated", created_at=now - timedelta(days=2), rating=2
        )
        for days in (1, 3, 10):
            make_session(db, account, created_at=now - timedelta(days=days), rating=5, psa_ticket_id="T1")
        HIGH.evidence["session_ids"] = [str(vpn.id)]
        store_report(db, account.id, [HIGH, LOW], now - timedelta(minutes=5))
        return {"account": account.id, "vpn": str(vpn.id), "admin": str(admin.id)}


def _open(engine, monkeypatch, page):
    app = app_for(engine, monkeypatch)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _metrics(app):
    return {m.label: (m.value, m.delta) for m in app.metric}


def test_analytics_kpis_charts_and_period_switch(engine, monkeypatch, workspace):
    app = _open(engine, monkeypatch, "views/analytics.py")
    metrics = _metrics(app)
    assert metrics["Sessions"] == ("4", "+4")
    assert metrics["Resolution rate"] == ("75.0%", "+75 pts")
    # The figure alone, so a narrow card does not cut it; the stars are in its help.
    assert metrics["Rating"][0] == "4.2 / 5"
    assert next(m for m in app.metric if m.label == "Rating").help == "4.2 ★★★★☆: the average of 4 rated sessions."
    assert metrics["PSA ticket link rate"][0] == "75.0%"
    charts = [c.key for c in app.get("plotly_chart")]
    assert len(charts) == 4
    assert [b.key for b in app.button if b.key.startswith("analytics_create_")] == [f"analytics_create_{HIGH.key}"]

    app.radio(key="analytics_period").set_value(7).run()
    assert not app.exception
    assert _metrics(app)["Sessions"] == ("3", "+2")
    assert any(c.value.endswith("(UTC). Arrows compare with the previous 7 days.") for c in app.caption)


def test_create_flow_opens_the_editor_with_a_seed(engine, monkeypatch, workspace):
    app = _open(engine, monkeypatch, "views/analytics.py")
    app.button(key=f"analytics_create_{HIGH.key}").click().run()
    assert not app.exception, app.exception
    # the Flows page consumed the seed into its editor
    texts = " ".join(str(t.value) for t in app.text_input) + " ".join(str(t.value) for t in app.text_area)
    assert "High escalation rate in vpn" in texts


def test_empty_account_says_so(engine, monkeypatch):
    with session_scope(engine) as db:
        make_user(db, make_account(db), "team_admin")
    app = _open(engine, monkeypatch, "views/analytics.py")
    assert any("No sessions in the last 30 days" in i.value for i in app.info)
    assert any("No gap report yet" in i.value for i in app.info)
    assert not app.get("plotly_chart")


def test_gaps_page_with_an_empty_report_says_so_without_filters(engine, monkeypatch):
    with session_scope(engine) as db:
        account = make_account(db)
        make_user(db, account, "team_admin")
        store_report(db, account.id, [], datetime.now(UTC))
    app = _open(engine, monkeypatch, "views/knowledge_gaps.py")
    assert [s.value for s in app.success] == ["The latest report found no knowledge gap."]
    assert not app.multiselect and not app.dataframe


def test_gaps_page_filters_drill_down_and_recompute(engine, monkeypatch, workspace):
    app = _open(engine, monkeypatch, "views/knowledge_gaps.py")
    table = app.dataframe[0].value
    assert list(table["Title"]) == ["High escalation rate in vpn", "Uncharted territory in printers"]
    assert list(table["Type"]) == ["High escalation", "Uncharted territory"]
    assert list(table["Domain"]) == ["VPN", "Printers"]
    # Evidence reads as text, not JSON.
    assert "**Evidence**  \n* Closed: 10\n* Escalated: 8\n* Escalation rate: 80 %" in [m.value for m in app.markdown]
    assert not app.get("json")

    app.multiselect(key="gaps_filter_severity").set_value(["low"]).run()
    assert list(app.dataframe[0].value["Title"]) == ["Uncharted territory in printers"]
    app.multiselect(key="gaps_filter_severity").set_value([]).run()

    app.toggle(key=f"gaps_sessions_{HIGH.key}").set_value(True).run()
    drill = app.dataframe[1].value
    assert list(drill.columns) == ["Status", "Confidence tier", "Domain", "Summary", "Started", "Rating"]
    # The session opens inside the app, on the Sessions page.
    assert [link.proto.query_string for link in app.page_link] == [
        f"session={workspace['vpn']}&as={workspace['admin']}"
    ]

    app.button(key="gaps_recompute").click().run()
    assert not app.exception, app.exception
    # the fresh report replaces the stored one: the four sessions share one unmatched summary
    assert list(app.dataframe[0].value["Title"]) == [
        "Recurring unmatched problem: Outlook keeps prompting for a password"
    ]


def test_rating_stars_round_halves_up():
    assert [stars(r) for r in (2.5, 3.5, 4.49, 1.0)] == ["2.5 ★★★☆☆", "3.5 ★★★★☆", "4.5 ★★★★★", "1.0 ★☆☆☆☆"]
    assert stars(None) == "no ratings"


def _dataframe_with(app, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_a_severity_this_version_does_not_know_is_shown_in_grey_on_both_pages(engine, monkeypatch):
    now = datetime.now(UTC)
    odd = KnowledgeGap("high_escalation", "vpn", "critical", "Odd severity in vpn", "From a newer worker.")
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        make_user(db, account, "team_admin", name="Tom Admin")
        make_session(db, account, problem_domain="vpn", created_at=now - timedelta(days=1))
        store_report(db, account.id, [odd, LOW], now - timedelta(minutes=5))
    app = _open(engine, monkeypatch, "views/analytics.py")
    assert ":gray-badge[Critical] **Odd severity in vpn** · High escalation · VPN" in [m.value for m in app.markdown]
    coverage = _dataframe_with(app, "Gap severity")
    assert dict(zip(coverage["Domain"], coverage["Gap severity"], strict=True)) == {"VPN": "Critical"}

    app.switch_page("views/knowledge_gaps.py").run()
    assert not app.exception, app.exception
    assert list(app.dataframe[0].value["Severity"]) == ["Critical", "Low"]
    assert [e.label for e in app.expander][:1] == ["CRITICAL · Odd severity in vpn"]
    assert ":gray-badge[Critical] High escalation · VPN" in [m.value for m in app.markdown]


def test_coverage_says_not_computed_until_a_gap_report_exists(engine, monkeypatch):
    now = datetime.now(UTC)
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        make_user(db, account, "team_admin", name="Tom Admin")
        make_session(db, account, problem_domain="vpn", created_at=now - timedelta(days=1))
    app = _open(engine, monkeypatch, "views/analytics.py")
    coverage = _dataframe_with(app, "Gap severity")
    assert list(coverage["Gap severity"]) == ["Not computed"]
