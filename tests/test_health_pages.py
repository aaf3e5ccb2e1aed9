"""Knowledge Health, the flow's Impact and edge outcomes, and the stats-strip summary through AppTest."""

from __future__ import annotations

import uuid

import pytest

from core.db import session_scope
from core.models import FlowProposal, Tree, utcnow
from tests.factories import make_account, make_user
from tests.health_data import TO_S1, publish_history, walk
from tests.test_review_page import start


@pytest.fixture
def data(engine):
    now = utcnow()
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        admin = make_user(db, account, "team_admin", name="Tom Admin")
        flow = publish_history(db, account, now)
        walk(db, account, flow, TO_S1, 3, "resolved", now)
        ids = {"admin": str(admin.id), "flow": str(flow.id)}
    return ids


def metrics(app):
    return {m.label: m.value for m in app.metric}


def test_health_page_shows_the_measures_with_help_and_two_charts(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/knowledge_health.py", user=data["admin"])
    assert app.title[0].value == "Knowledge Health"
    shown = metrics(app)
    # 30 days: 18 closed sessions, every one on the flow; nothing was published through a proposal.
    assert shown["Link rate"] == "100.0%"
    assert shown["Reuse rate"] == "100.0%"
    assert shown["Time to publish"] == "–"
    assert all(m.help for m in app.metric if m.label in ("Link rate", "Reuse rate", "Time to publish"))
    assert len(app.get("plotly_chart")) == 2
    assert "**1 of 2 flows (50.0%) carry 80 % of the reuse.**" in [m.value for m in app.markdown]
    assert app.caption[0].value.startswith("18 closed sessions in the last 30 days")
    app.radio(key="health_period").set_value(7).run()
    # The last 7 days hold the escalations of days 5 and 6 and the resolution of day 3 (day 1's is still active).
    assert app.caption[0].value == (
        "3 closed sessions in the last 7 days · 3 linked · 1 of 1 resolution reused a flow · backlog median age –, "
        "oldest –"
    )


def test_flow_page_shows_impact_and_edge_outcomes(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py", user=data["admin"])
    app.selectbox(key="flows_open").set_value(data["flow"]).run()
    assert "Impact" in [h.value for h in app.subheader]
    # publish_history's version 2 plus one more resolved session after it: 5 of 10 before, 11 of 13 after.
    assert any("resolution change +34.6 pp (95 % interval -2.1 to +71.3)" in m.value for m in app.markdown)
    shown = metrics(app)
    assert (shown["Sessions"], shown["Resolution rate"], shown["Escalation rate"]) == ("13", "84.6%", "15.4%")
    captions = [c.value for c in app.caption]
    assert "18 closed sessions walked this flow in the last 30 days." in " ".join(captions)


def test_review_queue_strip_summarises_the_publishes_of_the_month(monkeypatch, engine, data):
    app = start(monkeypatch, engine, user=data["admin"])
    captions = [c.value for c in app.caption]
    assert any(
        c.endswith(
            "Impact of publishes: 1 publish in 30 days: resolution 50.0% → 84.6% (+34.6 pp, 10 sessions before, "
            "13 after)"
        )
        for c in captions
    )


def test_health_page_of_an_empty_account_says_so(monkeypatch, engine):
    with session_scope(engine) as db:
        admin = str(make_user(db, make_account(db), "team_admin").id)
    app = start(monkeypatch, engine, page="views/knowledge_health.py", user=admin)
    assert [i.value for i in app.info] == [
        "No closed session and no published flow in the last 30 days: nothing to measure yet."
    ]


def test_a_reviewer_retires_a_drifting_flow_from_the_queue(monkeypatch, engine, data):
    with session_scope(engine) as db:
        flow = db.get(Tree, uuid.UUID(data["flow"]))
        review = FlowProposal(
            account_id=flow.account_id,
            proposal_type="review",
            title="Flow drifting: resolution 81 % → 58 %",
            description="Where sessions left the flow in the last 30 days:\n- q2: 8 free text",
            target_flow_id=flow.id,
            proposed_flow_data={"tree_structure": flow.tree_structure},
            base_tree_version=flow.version,
            generator="drift check",
        )
        db.add(review)
        db.flush()
        review_id = str(review.id)
    app = start(monkeypatch, engine, user=data["admin"])
    assert "Flow drifting: resolution 81 % → 58 %" in [b.label.removeprefix("▶ ") for b in app.button]
    app.button(key=f"review_open_{review_id}").click().run()
    assert any(":red-badge[re-review]" in m.value for m in app.markdown)
    app.button(key="review_retire").click().run()
    app.button(key="review_confirm_yes").click().run()
    assert not app.exception
    assert [t.value for t in app.toast] == [
        "Retired 'Outlook credential prompts': it no longer matches sessions; its history is kept."
    ]
    with session_scope(engine) as db:
        assert db.get(Tree, uuid.UUID(data["flow"])).is_published is False
        assert db.get(FlowProposal, uuid.UUID(review_id)).status == "approved"


def test_retired_flows_are_listed_apart_with_their_history(monkeypatch, engine, data):
    with session_scope(engine) as db:
        db.get(Tree, uuid.UUID(data["flow"])).is_published = False
    app = start(monkeypatch, engine, page="views/flows.py", user=data["admin"])
    assert "Outlook credential prompts" not in list(app.dataframe[0].value["Name"])
    app.toggle(key="flows_retired").set_value(True).run()
    assert list(app.dataframe[0].value["Name"]) == ["Outlook credential prompts"]
    assert "Impact" in [h.value for h in app.subheader]
    assert not [b for b in app.button if b.key in ("flows_edit", "flows_new")]
